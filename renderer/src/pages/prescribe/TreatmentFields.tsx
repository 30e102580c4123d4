import { useEffect, useId, useState } from 'react';
import { useTransport } from '../../hooks/transport-context';
import { DateParts, ErrorText, describedBy, type Problem } from '../../components/forms';
import { useDraft } from '../../prescribing/useDraft';
import { useAutoFocus } from '../../hooks/useAutoFocus';
import { parseDateParts, treatmentWords, type PatientSnapshot, type TreatmentType } from '../../prescribing/rx-words';

type Pharmacy = NonNullable<PatientSnapshot['nominatedPharmacy']>;

/** Checks a typed whole number against a range; the words say what is wrong. */
function wholeIn(typed: string, min: number, max: number, what: string): { value: number } | { error: string } {
  const t = typed.trim();
  if (!t) return { error: `Enter ${what}.` };
  if (!/^\d+$/.test(t)) return { error: `${what.charAt(0).toUpperCase()}${what.slice(1)} must be a whole number.` };
  const v = Number(t);
  if (v < min || v > max)
    return { error: `${what.charAt(0).toUpperCase()}${what.slice(1)} must be between ${min} and ${max}.` };
  return { value: v };
}

/**
 * Acute, repeat prescribing or repeat dispensing; the patient's nominated pharmacy or a token; a
 * note for the patient. Inline on the items page (one screen): every change is saved as made, and
 * what is wrong is shown as soon as it is typed (and again when the prescriber asks to review).
 */
export function TreatmentFields({
  id: sectionId,
  attempt,
  autoFocus = false,
}: {
  id: string;
  attempt: number;
  autoFocus?: boolean;
}) {
  const transport = useTransport();
  const section = useAutoFocus<HTMLElement>(autoFocus);
  const { record, change } = useDraft();
  const draft = record!.draft;
  const id = useId();
  const [issues, setIssues] = useState(draft.repeats ? String(draft.repeats.issues) : '');
  const [interval, setIntervalDays] = useState(draft.repeats ? String(draft.repeats.intervalDays) : '28');
  const [review, setReview] = useState(() => {
    const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(draft.reviewDate ?? '');
    return m
      ? { day: String(Number(m[3])), month: String(Number(m[2])), year: m[1]! }
      : { day: '', month: '', year: '' };
  });
  const [shown, setShown] = useState(false);
  // The patient's own nomination, kept even while "no nomination" is chosen for this prescription.
  const [nominated, setNominated] = useState<Pharmacy | null>(draft.patient?.nominatedPharmacy ?? null);
  const nhs = draft.patient?.nhsNumber;
  useEffect(() => {
    if (nominated || !nhs) return;
    transport.invoke('patients.get', { nhsNumber: nhs }).then(
      (p) => setNominated(p.nominatedPharmacy ?? null),
      () => undefined,
    );
  }, [transport, nhs, nominated]);

  const type = draft.treatmentType;
  const issuesCheck = wholeIn(issues, 2, 99, 'the number of issues');
  const intervalCheck = wholeIn(interval, 7, 366, 'the days between issues');
  const problems: Problem[] = [];
  if (type === 'repeat-dispensing') {
    if ('error' in issuesCheck) problems.push({ text: issuesCheck.error, field: `${id}-issues` });
    if ('error' in intervalCheck) problems.push({ text: intervalCheck.error, field: `${id}-interval` });
  }
  // The review date is optional: blank is fine, anything typed must be a real date in the future.
  const reviewBlank = !review.day.trim() && !review.month.trim() && !review.year.trim();
  const reviewCheck = reviewBlank
    ? null
    : parseDateParts(review.day, review.month, review.year, { name: 'review date', when: 'future' });
  if (type !== 'acute' && reviewCheck && 'error' in reviewCheck)
    problems.push({ text: reviewCheck.error, field: `${id}-review-day` });
  const errorFor = (f: string) =>
    (shown || attempt ? problems.find((p) => p.field === `${id}-${f}`)?.text : null) ?? null;

  function setRepeats(nextIssues: string, nextInterval: string) {
    setIssues(nextIssues);
    setIntervalDays(nextInterval);
    setShown(true);
    const i = wholeIn(nextIssues, 2, 99, ''),
      d = wholeIn(nextInterval, 7, 366, '');
    change((x) => ({
      ...x,
      repeats: 'value' in i && 'value' in d ? { issues: i.value, intervalDays: d.value } : null,
    }));
  }

  function setReviewDate(v: { day: string; month: string; year: string }) {
    setReview(v);
    setShown(true);
    const blank = !v.day.trim() && !v.month.trim() && !v.year.trim();
    const r = blank ? null : parseDateParts(v.day, v.month, v.year, { name: 'review date', when: 'future' });
    change((x) => ({ ...x, reviewDate: r && 'date' in r ? r.date : null }));
  }

  function setType(t: TreatmentType) {
    change((x) => {
      if (t === 'acute') return { ...x, treatmentType: t, repeats: null, reviewDate: null };
      if (t !== 'repeat-dispensing') return { ...x, treatmentType: t, repeats: null };
      const i = wholeIn(issues, 2, 99, ''),
        d = wholeIn(interval, 7, 366, '');
      return {
        ...x,
        treatmentType: t,
        repeats: 'value' in i && 'value' in d ? { issues: i.value, intervalDays: d.value } : null,
      };
    });
  }

  function setDispensing(toNominated: boolean) {
    change((x) =>
      x.patient ? { ...x, patient: { ...x.patient, nominatedPharmacy: toNominated ? nominated : null } } : x,
    );
  }

  const toPharmacy = !!draft.patient?.nominatedPharmacy;
  return (
    <section
      ref={section}
      data-autofocus={autoFocus ? '' : undefined}
      aria-labelledby={`${id}-title`}
      id={sectionId}
      tabIndex={-1}
      data-testid="treatment"
    >
      <h2 id={`${id}-title`} className="nhsuk-heading-m">
        How is this prescribed?
      </h2>
      <div className="nhsuk-form-group">
        <fieldset className="nhsuk-fieldset">
          <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Treatment type</legend>
          <div className="nhsuk-radios nhsuk-radios--small nhsuk-radios--conditional">
            {(Object.keys(treatmentWords) as TreatmentType[]).map((t) => (
              <div key={t}>
                <div className="nhsuk-radios__item">
                  <input
                    className="nhsuk-radios__input"
                    id={`${id}-${t}`}
                    type="radio"
                    name="treatment"
                    checked={type === t}
                    onChange={() => setType(t)}
                    aria-describedby={`${id}-${t}-hint`}
                    aria-controls={t === 'repeat-dispensing' && type === t ? `${id}-rd` : undefined}
                  />
                  <label className="nhsuk-label nhsuk-radios__label" htmlFor={`${id}-${t}`}>
                    {treatmentWords[t].label}
                  </label>
                  <div className="nhsuk-hint nhsuk-radios__hint" id={`${id}-${t}-hint`}>
                    {treatmentWords[t].hint}
                  </div>
                </div>
                {t === 'repeat-dispensing' && type === t ? (
                  <div className="nhsuk-radios__conditional" id={`${id}-rd`}>
                    {(['issues', 'interval'] as const).map((f) => {
                      const err = errorFor(f);
                      return (
                        <div className={`nhsuk-form-group${err ? ' nhsuk-form-group--error' : ''}`} key={f}>
                          <label className="nhsuk-label" htmlFor={`${id}-${f}`}>
                            {f === 'issues' ? 'Number of issues' : 'Days between issues'}
                          </label>
                          <div className="nhsuk-hint" id={`${id}-${f}-hint`}>
                            {f === 'issues'
                              ? 'How many times the pharmacy dispenses it in all: 2 to 99.'
                              : 'For example, 28 for every 4 weeks: 7 to 366.'}
                          </div>
                          <ErrorText id={`${id}-${f}-error`} text={err} />
                          <input
                            className={`nhsuk-input nhsuk-input--width-3${err ? ' nhsuk-input--error' : ''}`}
                            id={`${id}-${f}`}
                            inputMode="numeric"
                            autoComplete="off"
                            value={f === 'issues' ? issues : interval}
                            onChange={(e) =>
                              f === 'issues' ? setRepeats(e.target.value, interval) : setRepeats(issues, e.target.value)
                            }
                            aria-describedby={describedBy(`${id}-${f}-hint`, err && `${id}-${f}-error`)}
                          />
                        </div>
                      );
                    })}
                  </div>
                ) : null}
              </div>
            ))}
          </div>
        </fieldset>
      </div>
      {type !== 'acute' ? (
        <DateParts
          id={`${id}-review`}
          legend="Review date (optional)"
          hint="When this repeat authorisation is reviewed, for example 27 3 2027."
          error={errorFor('review-day')}
          value={review}
          onChange={setReviewDate}
        />
      ) : null}
      <div className="nhsuk-form-group">
        <fieldset className="nhsuk-fieldset">
          <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Where will it be dispensed?</legend>
          {nominated ? (
            <div className="nhsuk-radios nhsuk-radios--small">
              <div className="nhsuk-radios__item">
                <input
                  className="nhsuk-radios__input"
                  id={`${id}-nominated`}
                  type="radio"
                  name="dispense"
                  checked={toPharmacy}
                  onChange={() => setDispensing(true)}
                />
                <label className="nhsuk-label nhsuk-radios__label" htmlFor={`${id}-nominated`}>
                  The patient's nominated pharmacy: {nominated.name ?? 'pharmacy'} ({nominated.odsCode})
                </label>
              </div>
              <div className="nhsuk-radios__item">
                <input
                  className="nhsuk-radios__input"
                  id={`${id}-token`}
                  type="radio"
                  name="dispense"
                  checked={!toPharmacy}
                  onChange={() => setDispensing(false)}
                  aria-describedby={`${id}-token-hint`}
                />
                <label className="nhsuk-label nhsuk-radios__label" htmlFor={`${id}-token`}>
                  No nomination: give the patient a printed token
                </label>
                <div className="nhsuk-hint nhsuk-radios__hint" id={`${id}-token-hint`}>
                  The patient takes the token to any pharmacy in England.
                </div>
              </div>
            </div>
          ) : (
            <div className="nhsuk-inset-text">
              <span className="nhsuk-u-visually-hidden">Information: </span>
              <p>The patient has no nominated pharmacy. Print a token for them to take to any pharmacy.</p>
            </div>
          )}
        </fieldset>
      </div>
      <div className="nhsuk-form-group">
        <label className="nhsuk-label nhsuk-label--s" htmlFor={`${id}-info`}>
          Information for the patient (optional)
        </label>
        <div className="nhsuk-hint" id={`${id}-info-hint`}>
          Printed on the patient's side of the token, for example "Book a blood test before your next issue".
        </div>
        <textarea
          className="nhsuk-textarea"
          id={`${id}-info`}
          rows={2}
          maxLength={10_000}
          value={draft.patientInformation}
          aria-describedby={`${id}-info-hint`}
          onChange={(e) => {
            const v = e.target.value;
            change((x) => ({ ...x, patientInformation: v }));
          }}
        />
      </div>
    </section>
  );
}
