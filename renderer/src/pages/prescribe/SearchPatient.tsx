import { useId, useState, type FormEvent } from 'react';
import { useTransport } from '../../hooks/transport-context';
import { useFormState } from '../../hooks/useFormState';
import { usePageHeading } from '../../hooks/page-heading';
import { ErrorSummary } from '../../components/ErrorSummary';
import { DateParts, ErrorText, ProblemSummary, describedBy, type Problem } from '../../components/forms';
import { say } from '../../components/say';
import { useDraft } from '../../prescribing/useDraft';
import { padHref } from '../../prescribing/nav';
import { go } from '../../prescribing/go';
import { useAutoFocus } from '../../hooks/useAutoFocus';
import {
  formatDate,
  formatNhsNumber,
  parseDateParts,
  patientName,
  type PatientSnapshot,
} from '../../prescribing/rx-words';

export function SearchPatient() {
  const transport = useTransport();
  const { record, change, flush } = useDraft();
  usePageHeading('Search by name and date of birth', {
    href: padHref(record!.id, 'patient'),
    text: 'Back to NHS number',
  });
  const [f, setF] = useState({ family: '', given: '', day: '', month: '', year: '', postcode: '' });
  const [results, setResults] = useState<PatientSnapshot[] | null>(null);
  const form = useFormState();
  const id = useId();
  const familyRef = useAutoFocus<HTMLInputElement>();
  const fieldError = (name: string) => form.problemFor(`${id}-${name}`);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found: Problem[] = [];
    if (!f.family.trim()) found.push({ text: 'Enter the family name.', field: `${id}-family` });
    const dob = parseDateParts(f.day, f.month, f.year);
    if ('error' in dob) found.push({ text: dob.error, field: `${id}-dob-day` });
    if (!form.check(found) || 'error' in dob) return;
    await form.run(async () => {
      const r = await transport.invoke('patients.search', {
        family: f.family.trim(),
        birthDate: dob.date,
        ...(f.given.trim() ? { given: f.given.trim() } : {}),
        ...(f.postcode.trim() ? { postcode: f.postcode.trim() } : {}),
      });
      setResults(r.patients);
      say(r.patients.length === 1 ? '1 patient found' : `${r.patients.length} patients found`);
    });
  }

  async function choose(p: PatientSnapshot) {
    await form.run(async () => {
      // A search answer has no nominated pharmacy (as in PDS): read the whole record.
      const full = await transport.invoke('patients.get', { nhsNumber: p.nhsNumber });
      // Selecting from the results, which show name, NHS number, date of birth and address, is the confirmation.
      change((d) => ({ ...d, patient: full, patientConfirmed: true }));
      await flush();
      go(padHref(record!.id, 'items'));
    });
  }

  const input = (name: keyof typeof f, label: string, opts: { hint?: string; width?: string; auto?: string } = {}) => {
    const err = fieldError(name);
    return (
      <div className={`nhsuk-form-group${err ? ' nhsuk-form-group--error' : ''}`}>
        <label className="nhsuk-label" htmlFor={`${id}-${name}`}>
          {label}
        </label>
        {opts.hint ? (
          <div className="nhsuk-hint" id={`${id}-${name}-hint`}>
            {opts.hint}
          </div>
        ) : null}
        <ErrorText id={`${id}-${name}-error`} text={err} />
        <input
          ref={name === 'family' ? familyRef : undefined}
          data-autofocus={name === 'family' ? '' : undefined}
          className={`nhsuk-input ${opts.width ?? 'nhsuk-input--width-20'}${err ? ' nhsuk-input--error' : ''}`}
          id={`${id}-${name}`}
          value={f[name]}
          autoComplete="off"
          spellCheck={false}
          onChange={(e) => setF({ ...f, [name]: e.target.value })}
          aria-describedby={describedBy(opts.hint && `${id}-${name}-hint`, err && `${id}-${name}-error`)}
        />
      </div>
    );
  };
  const dobError = fieldError('dob-day');
  return (
    <>
      {form.error ? <ErrorSummary error={form.error} title="The patient index could not be searched" /> : null}
      <ProblemSummary problems={form.problems} attempt={form.attempt} />
      <form onSubmit={submit} noValidate>
        {input('family', 'Family name')}
        {input('given', 'Given name (optional)')}
        <DateParts
          id={`${id}-dob`}
          legend="Date of birth"
          hint="For example, 27 3 1960"
          error={dobError}
          value={{ day: f.day, month: f.month, year: f.year }}
          onChange={(v) => setF({ ...f, ...v })}
        />
        {input('postcode', 'Postcode (optional)', { width: 'nhsuk-input--width-10' })}
        <button className="nhsuk-button" type="submit" disabled={form.busy}>
          Search
        </button>
      </form>
      {results ? (
        <section aria-labelledby={`${id}-results`}>
          <h2 id={`${id}-results`}>{results.length === 1 ? '1 patient found' : `${results.length} patients found`}</h2>
          {!results.length ? (
            <p>No patient matches. Check the spelling and the date of birth, or search by NHS number.</p>
          ) : (
            <table className="nhsuk-table" data-testid="patient-results">
              <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">Patients found</caption>
              <thead className="nhsuk-table__head">
                <tr>
                  <th scope="col">Name</th>
                  <th scope="col">NHS number</th>
                  <th scope="col">Date of birth</th>
                  <th scope="col">Address</th>
                  <th scope="col">
                    <span className="nhsuk-u-visually-hidden">Action</span>
                  </th>
                </tr>
              </thead>
              <tbody className="nhsuk-table__body">
                {results.map((p) => (
                  <tr key={p.nhsNumber}>
                    <td>{patientName(p)}</td>
                    <td>{formatNhsNumber(p.nhsNumber)}</td>
                    <td>{formatDate(p.birthDate)}</td>
                    <td>{[...p.addressLines, p.postcode].filter(Boolean).join(', ') || 'Not shown'}</td>
                    <td>
                      <button
                        type="button"
                        className="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0"
                        disabled={form.busy}
                        onClick={() => void choose(p)}
                      >
                        Select<span className="nhsuk-u-visually-hidden"> {patientName(p)}</span>
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </section>
      ) : null}
    </>
  );
}
