import { useEffect, useState } from 'react';
import { asCommandError } from '../transport';
import { useTransport } from '../hooks/transport-context';
import { ErrorSummary } from './ErrorSummary';
import { useFormState } from '../hooks/useFormState';

interface Holder {
  reader: string;
  name: string;
}

/** With cards in several readers, which one to log in with: each named by its holder, as the card says. */
export function CardChoice({ cards, chosen }: { cards: string[]; chosen: string | null }) {
  const transport = useTransport();
  const [holders, setHolders] = useState<Holder[]>([]);
  const form = useFormState();
  const key = cards.join('\n');

  useEffect(() => {
    let live = true;
    void Promise.all(
      cards.map(async (reader) => {
        try {
          const s = await transport.invoke('card.status', { reader });
          return { reader, name: `${s.holder.displayName ?? 'No name on the card'} (${s.holder.userId})` };
        } catch (e) {
          return { reader, name: `Card that cannot be read: ${asCommandError(e).body.message}` };
        }
      }),
    ).then((h) => {
      if (live) setHolders(h);
    });
    return () => {
      live = false;
    };
    // `key` stands for `cards`, a new array on every session event: reread only when the readers change.
  }, [transport, key]);

  async function choose(reader: string) {
    await form.run(() => transport.invoke('session.use-card', { reader }));
  }

  return (
    <div className="nhsuk-form-group" data-testid="card-choice">
      {form.error ? <ErrorSummary error={form.error} title="That card could not be chosen" /> : null}
      <fieldset className="nhsuk-fieldset">
        <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">
          There are {cards.length} cards in your readers. Which one is yours?
        </legend>
        <div className="nhsuk-radios">
          {cards.map((reader, i) => (
            <div className="nhsuk-radios__item" key={reader}>
              <input
                className="nhsuk-radios__input"
                id={`card-choice-${i}`}
                name="card-choice"
                type="radio"
                value={reader}
                checked={chosen === reader}
                onChange={() => void choose(reader)}
              />
              <label className="nhsuk-label nhsuk-radios__label" htmlFor={`card-choice-${i}`}>
                {holders.find((h) => h.reader === reader)?.name ?? 'Reading the card…'}
                <span className="nhsuk-hint nhsuk-radios__hint">In {reader}</span>
              </label>
            </div>
          ))}
        </div>
      </fieldset>
    </div>
  );
}
