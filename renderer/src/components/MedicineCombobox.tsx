// dm+d search as an ARIA 1.2 combobox with a list popup: type, arrow through the results, Enter
// chooses, Escape closes. The result count is announced; nothing needs a mouse. With nothing typed,
// the down arrow offers the shortlist (medicines.shortlist): favourites, recent, the practice formulary.
import { useEffect, useRef, useState, type KeyboardEvent } from 'react';
import { useTransport } from '../hooks/transport-context';
import { asCommandError } from '../transport';
import { say } from './say';
import { ErrorText, describedBy } from './forms';
import { hitDetails, type MedicineHit } from '../prescribing/medicine';
import { useAutoFocus } from '../hooks/useAutoFocus';

export function MedicineCombobox({
  id,
  onChoose,
  error,
  initial = '',
  autoFocus = false,
  label = 'Medicine',
}: {
  id: string;
  onChoose: (h: MedicineHit) => void;
  error?: string | null;
  initial?: string;
  autoFocus?: boolean;
  label?: string;
}) {
  const transport = useTransport();
  const input = useAutoFocus<HTMLInputElement>(autoFocus);
  const [q, setQ] = useState(initial);
  const [results, setResults] = useState<MedicineHit[]>([]);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const [searchError, setSearchError] = useState<string | null>(null);
  const [subset, setSubset] = useState(false);
  const asked = useRef(0);
  const listId = `${id}-list`;
  // What each shortlisted medicine is (Favourite, Recent, or the formulary's name and note).
  const [tags, setTags] = useState<Map<string, string>>(new Map());

  async function openShortlist() {
    const n = ++asked.current;
    try {
      const r = await transport.invoke('medicines.shortlist', {});
      if (n !== asked.current) return;
      const seen = new Map<string, string>();
      const list: MedicineHit[] = [];
      const add = (h: MedicineHit, tag: string) => {
        if (!seen.has(h.code)) {
          seen.set(h.code, tag);
          list.push(h);
        }
      };
      r.favourites.forEach((h) => add(h, 'Favourite'));
      r.recent.forEach((h) => add(h, 'Recent'));
      r.formulary?.medicines.forEach((h) => add(h, `${r.formulary!.name}${h.note ? `: ${h.note}` : ''}`));
      setTags(seen);
      setResults(list);
      setOpen(true);
      setActive(list.length ? 0 : -1);
      setSearchError(r.problems[0] ?? null);
      say(
        list.length
          ? `${list.length} medicine${list.length === 1 ? '' : 's'} you use: favourites, recent and formulary. Use the up and down arrows to choose.`
          : 'No favourites, recent medicines or formulary yet. Type to search.',
      );
    } catch (e) {
      if (n === asked.current) setSearchError(asCommandError(e).body.message);
    }
  }

  useEffect(() => {
    const term = q.trim();
    if (term.length < 2) {
      setResults([]);
      setOpen(false);
      setTags(new Map());
      return;
    }
    const n = ++asked.current;
    const t = setTimeout(() => {
      transport.invoke('medicines.search', { q: term, limit: 20 }).then(
        (r) => {
          if (n !== asked.current) return; // a newer keystroke has its own answer coming
          setResults(r.results);
          setTags(new Map());
          setSubset(r.release.subset);
          setActive(-1);
          setOpen(true);
          setSearchError(null);
          say(
            r.results.length
              ? `${r.results.length} medicine${r.results.length === 1 ? '' : 's'} found. Use the up and down arrows to choose.`
              : 'No medicines found',
          );
        },
        (e: unknown) => {
          if (n === asked.current) setSearchError(asCommandError(e).body.message);
        },
      );
    }, 120);
    return () => clearTimeout(t);
  }, [q, transport]);

  function choose(h: MedicineHit) {
    setOpen(false);
    setActive(-1);
    setQ(h.name);
    onChoose(h);
  }

  function onKey(e: KeyboardEvent<HTMLInputElement>) {
    if (e.key === 'ArrowDown') {
      e.preventDefault();
      if (!q.trim() && !open) {
        void openShortlist();
        return;
      }
      if (!open && results.length) {
        setOpen(true);
        setActive(0);
        return;
      }
      setActive((a) => (results.length ? (a + 1) % results.length : -1));
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setActive((a) => (results.length ? (a <= 0 ? results.length - 1 : a - 1) : -1));
    } else if (e.key === 'Enter') {
      if (open && active >= 0 && results[active]) {
        e.preventDefault();
        choose(results[active]!);
      } else if (open) e.preventDefault();
    } else if (e.key === 'Escape') {
      if (open) {
        e.preventDefault();
        setOpen(false);
        setActive(-1);
      }
    }
  }

  const shownError = error ?? searchError;
  const expanded = open && results.length > 0;
  return (
    <div className={`nhsuk-form-group${shownError ? ' nhsuk-form-group--error' : ''}`}>
      <label className="nhsuk-label nhsuk-label--s" htmlFor={id}>
        {label}
      </label>
      <div className="nhsuk-hint" id={`${id}-hint`}>
        Type at least 2 letters of the name and strength, for example "amox 250", or press the down arrow for your
        favourites, recent medicines and the practice formulary. Results come from dm+d.
        {subset ? ' Only the small bundled subset of dm+d is installed.' : ''}
      </div>
      <ErrorText id={`${id}-error`} text={shownError} />
      <div className="scrip-combobox">
        <input
          ref={input}
          data-autofocus={autoFocus ? '' : undefined}
          className={`nhsuk-input${shownError ? ' nhsuk-input--error' : ''}`}
          id={id}
          type="text"
          role="combobox"
          autoComplete="off"
          spellCheck={false}
          aria-autocomplete="list"
          aria-expanded={expanded}
          aria-controls={listId}
          aria-activedescendant={expanded && active >= 0 ? `${listId}-${active}` : undefined}
          aria-describedby={describedBy(`${id}-hint`, shownError && `${id}-error`)}
          value={q}
          onChange={(e) => setQ(e.target.value)}
          onKeyDown={onKey}
          onBlur={() => setTimeout(() => setOpen(false), 150)}
          onFocus={() => {
            if (results.length) setOpen(true);
          }}
        />
        <ul
          className="scrip-combobox__list"
          id={listId}
          role="listbox"
          aria-label="Medicines found"
          hidden={!expanded}
          data-testid="medicine-results"
        >
          {results.map((h, i) => (
            <li
              key={h.code}
              id={`${listId}-${i}`}
              role="option"
              aria-selected={i === active}
              className={`scrip-combobox__option${i === active ? ' scrip-combobox__option--active' : ''}`}
              onMouseDown={(e) => {
                e.preventDefault();
                choose(h);
              }}
            >
              <span className="scrip-combobox__name">{h.name}</span>
              <span className="scrip-combobox__details">
                {[tags.get(h.code), hitDetails(h)].filter(Boolean).join(' · ')}
              </span>
            </li>
          ))}
        </ul>
      </div>
      {open && q.trim().length >= 2 && !results.length && !searchError ? (
        <p className="nhsuk-body-s">No medicines match "{q.trim()}".</p>
      ) : null}
    </div>
  );
}
