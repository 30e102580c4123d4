// Settings → Card middleware: the PKCS#11 modules Scrip uses beside its own PIV driver (vendor
// middleware for NHS cards, OpenSC, SoftHSM2), the ones found in the usual places, and the
// administrator's (managed) ones, which cannot be changed here.
import { useId, useState, type FormEvent } from 'react';
import { useTransport } from '../hooks/transport-context';
import { useCommand } from '../hooks/useCommand';
import { ErrorSummary } from '../components/ErrorSummary';
import type { ModulesView } from '../../../main/card/pkcs11-settings';
import { useFormState } from '../hooks/useFormState';

type Cards = 'none' | 'all';
const cardsWords = (c: ModulesView['modules'][number]['cards']): string =>
  c === 'all'
    ? 'Every card in a reader, and its own slots'
    : c === 'none'
      ? 'Only tokens in its own slots'
      : `Cards with ${c.length} listed ATR${c.length === 1 ? '' : 's'}, and its own slots`;

export function CardMiddlewareSettings() {
  const transport = useTransport();
  const id = useId();
  const { value, error, reload } = useCommand('pkcs11.modules');
  const [path, setPath] = useState('');
  const [cards, setCards] = useState<Cards>('none');
  const form = useFormState();
  const [announce, setAnnounce] = useState('');
  const mine = (value?.modules ?? []).filter((m) => m.source === 'user').map((m) => ({ path: m.path, cards: m.cards }));

  async function save(modules: typeof mine, said: string) {
    await form.run(async () => {
      await transport.invoke('pkcs11.set-modules', { modules });
      setAnnounce(said);
      reload();
    });
  }

  function add(e: FormEvent) {
    e.preventDefault();
    const p = path.trim();
    if (!p) return;
    void save([...mine.filter((m) => m.path !== p), { path: p, cards }], `${p} is in use.`).then(() => setPath(''));
  }

  return (
    <section aria-labelledby={`${id}-h`} data-testid="settings-pkcs11">
      <h2 id={`${id}-h`}>Card middleware (PKCS#11)</h2>
      <p>
        Scrip reads PIV cards itself. Other cards, and tokens with no reader of their own, are used through their
        PKCS#11 module. A module can also be used for every card in a reader.
      </p>
      <div className="scrip-visually-hidden" aria-live="polite" role="status">
        {announce}
      </div>
      {error ? <ErrorSummary error={error} /> : null}
      {form.error ? <ErrorSummary error={form.error} /> : null}
      {value?.managedError ? (
        <p className="nhsuk-error-message">Your administrator's module list could not be read: {value.managedError}</p>
      ) : null}
      {value && value.modules.length ? (
        <table className="nhsuk-table">
          <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">Modules in use</caption>
          <thead className="nhsuk-table__head">
            <tr>
              <th scope="col">Module</th>
              <th scope="col">Used for</th>
              <th scope="col">State</th>
              <th scope="col">
                <span className="nhsuk-u-visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody className="nhsuk-table__body">
            {value.modules.map((m) => (
              <tr key={m.path} className="nhsuk-table__row">
                <td className="nhsuk-table__cell">
                  <code>{m.path}</code>
                  {m.library ? <div className="nhsuk-hint">{m.library}</div> : null}
                </td>
                <td className="nhsuk-table__cell">{cardsWords(m.cards)}</td>
                <td className="nhsuk-table__cell">
                  {m.loaded
                    ? `${m.tokens} token${m.tokens === 1 ? '' : 's'}; changes ${m.events === 'C_WaitForSlotEvent' ? 'reported by the module' : m.events}`
                    : `Not loaded: ${m.error ?? 'unknown'}`}
                </td>
                <td className="nhsuk-table__cell">
                  {m.source === 'managed' ? (
                    'Set by your administrator'
                  ) : (
                    <button
                      type="button"
                      className="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0"
                      onClick={() =>
                        void save(
                          mine.filter((x) => x.path !== m.path),
                          `${m.path} is no longer used.`,
                        )
                      }
                    >
                      Stop using<span className="nhsuk-u-visually-hidden"> {m.path}</span>
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : (
        <p>No module is in use.</p>
      )}
      <form onSubmit={add} noValidate>
        <div className="nhsuk-form-group">
          <label className="nhsuk-label" htmlFor={`${id}-path`}>
            Module file
          </label>
          <div className="nhsuk-hint" id={`${id}-path-hint`}>
            {value?.found.length
              ? `Found on this computer: ${value.found.join(', ')}`
              : "None found in the usual places; type the path your card's middleware installed."}
          </div>
          <input
            className="nhsuk-input"
            id={`${id}-path`}
            list={`${id}-found`}
            value={path}
            onChange={(e) => setPath(e.target.value)}
            aria-describedby={`${id}-path-hint`}
            spellCheck={false}
          />
          <datalist id={`${id}-found`}>
            {value?.found.map((f) => (
              <option key={f} value={f} />
            ))}
          </datalist>
        </div>
        <div className="nhsuk-form-group">
          <label className="nhsuk-label" htmlFor={`${id}-cards`}>
            Use it for
          </label>
          <select
            className="nhsuk-select"
            id={`${id}-cards`}
            value={cards}
            onChange={(e) => setCards(e.target.value as Cards)}
          >
            <option value="none">Only tokens in its own slots</option>
            <option value="all">Every card in a reader, and its own slots</option>
          </select>
        </div>
        <button className="nhsuk-button" type="submit">
          Use this module
        </button>
      </form>
    </section>
  );
}
