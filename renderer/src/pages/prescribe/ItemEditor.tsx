import { useId, useState, type FormEvent, type ReactNode } from 'react';
import { usePageHeading } from '../../hooks/page-heading';
import { ErrorText, FieldGroup, ProblemSummary, describedBy, type Problem } from '../../components/forms';
import { MedicineCombobox } from '../../components/MedicineCombobox';
import { say } from '../../components/say';
import { useDraft } from '../../prescribing/useDraft';
import { padHref } from '../../prescribing/nav';
import { go } from '../../prescribing/go';
import { hitDetails, type MedicineHit } from '../../prescribing/medicine';
import {
  dosageSentence,
  endorsementWords,
  needsWords,
  numberInWords,
  placeProblems,
  scheduleFromDmd,
  scheduleWords,
  type CdSchedule,
  type DraftItem,
  type Endorsement,
  type ItemField,
} from '../../prescribing/rx-words';
import { SaveStatus } from './SaveStatus';
import { useAutoFocus } from '../../hooks/useAutoFocus';
import { MAX_ITEMS } from './ItemsPage';
import { quantityWithUnit } from '../../../../protocols/dmd/unit-words';

const TEXT_MAX = 10_000;

/** A typed number: a value, or why it is not one. Empty is "not given". */
function parseAmount(t: string): { value: number | null; error: string | null } {
  const s = t.trim();
  if (!s) return { value: null, error: null };
  if (!/^\d+(\.\d+)?$/.test(s)) return { value: null, error: 'Enter a number, for example 28 or 2.5.' };
  const v = Number(s);
  if (Math.round(v * 100) !== v * 100) return { value: v, error: 'Use at most 2 decimal places.' };
  return { value: v, error: null };
}

/** One item: the medicine from dm+d, quantity in its dm+d unit, dosage, instructions, endorsements, CD details. */
export function ItemEditor({ lineId: routeLineId }: { lineId: string }) {
  const { record, change, flush, saveState } = useDraft();
  const d = record!.draft;
  const [lineId, setLineId] = useState<string | null>(routeLineId === 'new' ? null : routeLineId);
  const index = lineId ? d.items.findIndex((i) => i.lineId === lineId) : -1;
  const item = index >= 0 ? d.items[index]! : null;
  const number = index >= 0 ? index + 1 : d.items.length + 1;
  usePageHeading(item ? `Item ${number}: ${item.medication.display}` : `Item ${number}: choose the medicine`, {
    href: padHref(record!.id, 'items'),
    text: 'Back to the items',
  });
  const id = useId();
  const [hit, setHit] = useState<MedicineHit | null>(null);
  const [changing, setChanging] = useState(false);
  const [qtyText, setQtyText] = useState(item && item.quantity.value ? String(item.quantity.value) : '');
  const [doseText, setDoseText] = useState(item?.dosage.doseValue ? String(item.dosage.doseValue) : '');
  const [perDayText, setPerDayText] = useState(item?.dosage.frequencyPerDay ? String(item.dosage.frequencyPerDay) : '');
  const [daysText, setDaysText] = useState(item?.dosage.durationDays ? String(item.dosage.durationDays) : '');
  const [supplyText, setSupplyText] = useState(String(item?.supplyDays ?? 28));
  const [wordsEdited, setWordsEdited] = useState(
    !!item?.controlledDrug?.quantityWords && item.controlledDrug.quantityWords !== numberInWords(item.quantity.value),
  );
  const [touched, setTouched] = useState<Set<ItemField>>(new Set());
  const [attempt, setAttempt] = useState(0);
  const [medicineError, setMedicineError] = useState<string | null>(null);
  // After a medicine is chosen the search goes away: focus moves on to the quantity, not the page body.
  const qtyRef = useAutoFocus<HTMLInputElement>(!!hit && !changing, hit?.code);

  if (!item && d.items.length >= MAX_ITEMS) {
    return (
      <>
        <p>This prescription already has {MAX_ITEMS} items, the most one prescription can hold.</p>
        <a href={padHref(record!.id, 'items')}>Back to the items</a>
      </>
    );
  }
  if (lineId && !item)
    return (
      <>
        <p>This item is no longer on the prescription.</p>
        <a href={padHref(record!.id, 'items')}>Back to the items</a>
      </>
    );

  const update = (f: (i: DraftItem) => DraftItem) =>
    change((x) => ({ ...x, items: x.items.map((i) => (i.lineId === lineId ? f(i) : i)) }));
  const touch = (f: ItemField) => setTouched((t) => (t.has(f) ? t : new Set(t).add(f)));

  function chooseMedicine(h: MedicineHit) {
    setHit(h);
    setChanging(false);
    setMedicineError(null);
    const unit =
      h.unit ?? (h.packs[0]?.unitCode ? { code: h.packs[0].unitCode, name: h.packs[0].unitName ?? '' } : null);
    if (!unit || !unit.name) {
      setMedicineError(`dm+d gives no unit of measure for ${h.name}, so it cannot be prescribed here.`);
      return;
    }
    const schedule = scheduleFromDmd(h.controlledDrug?.code);
    if (item) {
      update((i) => ({
        ...i,
        medication: { code: h.code, display: h.name },
        quantity: { ...i.quantity, unitCode: unit.code, unit: unit.name },
        controlledDrug: schedule
          ? { schedule, quantityWords: i.controlledDrug?.quantityWords ?? numberInWords(i.quantity.value) ?? '' }
          : null,
      }));
    } else {
      const newId = crypto.randomUUID();
      const fresh: DraftItem = {
        lineId: newId,
        medication: { code: h.code, display: h.name },
        quantity: { value: 0, unitCode: unit.code, unit: unit.name },
        dosageText: '',
        dosage: {},
        additionalInstructions: '',
        endorsements: [],
        controlledDrug: schedule ? { schedule, quantityWords: '' } : null,
        supplyDays: 28,
      };
      change((x) => ({ ...x, items: [...x.items, fresh] }));
      setLineId(newId);
      // The address names the item now, without a page change (focus stays in the form).
      history.replaceState(null, '', padHref(record!.id, 'item', newId));
    }
    say(`${h.name} chosen. Unit: ${unit.name}.${schedule ? ` Controlled drug, ${scheduleWords[schedule]}.` : ''}`);
  }

  function setQuantity(t: string) {
    setQtyText(t);
    const { value, error } = parseAmount(t);
    const v = error || value === null ? 0 : value;
    update((i) => ({
      ...i,
      quantity: { ...i.quantity, value: v },
      controlledDrug:
        i.controlledDrug && !wordsEdited
          ? { ...i.controlledDrug, quantityWords: v ? (numberInWords(v) ?? '') : '' }
          : i.controlledDrug,
    }));
  }

  function setDosage(field: 'doseValue' | 'frequencyPerDay' | 'durationDays', t: string) {
    if (field === 'doseValue') setDoseText(t);
    else if (field === 'frequencyPerDay') setPerDayText(t);
    else setDaysText(t);
    const { value, error } = parseAmount(t);
    const ok =
      value !== null &&
      !error &&
      value > 0 &&
      (field === 'doseValue' || (Number.isInteger(value) && value <= (field === 'frequencyPerDay' ? 24 : 366)));
    update((i) => {
      const dosage = { ...i.dosage };
      if (ok) dosage[field] = value;
      else delete dosage[field];
      if (field === 'doseValue' && ok && !dosage.doseUnit) dosage.doseUnit = i.quantity.unit;
      return { ...i, dosage };
    });
  }

  function setSupply(t: string) {
    setSupplyText(t);
    const v = Number(t.trim());
    if (/^\d+$/.test(t.trim()) && v >= 1 && v <= 366) update((i) => ({ ...i, supplyDays: v }));
  }

  // Problems: the service's (prescription.get) for this item, and what cannot be sent at all (format).
  const serverProblems = placeProblems(record!.problems).filter(
    (p) => typeof p.where === 'object' && p.where.item === index,
  );
  const fieldProblem = (f: ItemField): string | null => {
    if (f === 'quantity') {
      const e = parseAmount(qtyText).error;
      if (e) return e;
    }
    if (!(touched.has(f) || attempt)) return null;
    const text = serverProblems
      .find((p) => typeof p.where === 'object' && p.where.field === f)
      ?.text.replace(/^Item \d+ \(.*?\): /, '');
    return text ? text.charAt(0).toUpperCase() + text.slice(1) : null;
  };
  const dosageFormat = {
    doseValue: parseAmount(doseText).error,
    frequencyPerDay:
      perDayText.trim() && !(/^\d+$/.test(perDayText.trim()) && Number(perDayText) >= 1 && Number(perDayText) <= 24)
        ? 'Enter how many times a day, from 1 to 24.'
        : null,
    durationDays:
      daysText.trim() && !(/^\d+$/.test(daysText.trim()) && Number(daysText) >= 1 && Number(daysText) <= 366)
        ? 'Enter a number of days, from 1 to 366.'
        : null,
  };
  const supplyError = !(/^\d+$/.test(supplyText.trim()) && Number(supplyText) >= 1 && Number(supplyText) <= 366)
    ? 'Enter the days of supply, from 1 to 366.'
    : null;

  const fieldIds: Record<ItemField, string> = {
    medicine: `${id}-medicine`,
    quantity: `${id}-quantity`,
    dosage: `${id}-dosage`,
    'cd-words': `${id}-cdwords`,
  };
  const summary: Problem[] = [];
  if (attempt) {
    if (!item) summary.push({ text: 'Choose the medicine.', field: fieldIds.medicine });
    for (const f of ['medicine', 'quantity', 'dosage', 'cd-words'] as ItemField[]) {
      const t = fieldProblem(f);
      if (t) summary.push({ text: t, field: fieldIds[f] });
    }
    for (const [k, e] of Object.entries(dosageFormat)) if (e) summary.push({ text: e, field: `${id}-${k}` });
    if (supplyError && d.treatmentType !== 'repeat-dispensing')
      summary.push({ text: supplyError, field: `${id}-supply` });
  }

  async function done(e: FormEvent) {
    e.preventDefault();
    const r = await flush();
    setAttempt((a) => a + 1);
    if (!item) return;
    const mine = placeProblems((r ?? record!).problems).filter(
      (p) => typeof p.where === 'object' && p.where.item === index,
    );
    if (mine.length || parseAmount(qtyText).error || Object.values(dosageFormat).some(Boolean)) return;
    go(padHref(record!.id, 'items'));
  }

  const unitName = item?.quantity.unit ?? '';
  const suggestion = item ? dosageSentence(item.dosage, unitName) : '';
  const schedule = item?.controlledDrug?.schedule ?? null;
  const group = (f: string, label: ReactNode, hint: string | null, err: string | null, control: ReactNode) => (
    <FieldGroup id={`${id}-${f}`} label={label} hint={hint} error={err}>
      {control}
    </FieldGroup>
  );
  const aria = (f: string, hint: boolean, err: string | null) =>
    describedBy(hint && `${id}-${f}-hint`, err && `${id}-${f}-error`);
  const qtyErr = fieldProblem('quantity');
  const dosageErr = fieldProblem('dosage');
  const wordsErr = fieldProblem('cd-words');

  return (
    <>
      <ProblemSummary problems={summary} attempt={attempt} />
      <SaveStatus state={saveState} />
      <form onSubmit={done} noValidate>
        {!item || changing ? (
          <MedicineCombobox
            id={fieldIds.medicine}
            onChoose={chooseMedicine}
            autoFocus
            error={medicineError ?? (attempt && !item ? 'Choose the medicine.' : null)}
          />
        ) : (
          <div className="nhsuk-form-group">
            <h2 className="nhsuk-heading-s nhsuk-u-margin-bottom-1">Medicine</h2>
            <p className="nhsuk-u-margin-bottom-1" data-testid="chosen-medicine">
              <strong>{item.medication.display}</strong> (dm+d {item.medication.code})
            </p>
            {hit ? <p className="nhsuk-hint">{hitDetails(hit)}</p> : null}
            <button
              type="button"
              className="scrip-link-button"
              id={fieldIds.medicine}
              onClick={() => setChanging(true)}
            >
              Change medicine
            </button>
          </div>
        )}
        {item ? (
          <>
            <div className={`nhsuk-form-group${qtyErr ? ' nhsuk-form-group--error' : ''}`}>
              <label className="nhsuk-label" htmlFor={fieldIds.quantity}>
                Quantity
              </label>
              <div className="nhsuk-hint" id={`${id}-quantity-hint`}>
                In {unitName}s, the unit dm+d gives for this medicine.
                {hit?.packs.length
                  ? ` Packs: ${hit.packs.map((p) => `${p.quantity ?? ''} ${p.unitName ?? ''}`.trim()).join(', ')}.`
                  : ''}
              </div>
              <ErrorText id={`${id}-quantity-error`} text={qtyErr} />
              <div className="nhsuk-input-wrapper">
                <input
                  ref={qtyRef}
                  data-autofocus
                  className={`nhsuk-input nhsuk-input--width-5${qtyErr ? ' nhsuk-input--error' : ''}`}
                  id={fieldIds.quantity}
                  inputMode="decimal"
                  autoComplete="off"
                  value={qtyText}
                  onChange={(e) => setQuantity(e.target.value)}
                  onBlur={() => touch('quantity')}
                  aria-describedby={aria('quantity', true, qtyErr)}
                />
                <div className="nhsuk-input-wrapper__suffix" aria-hidden="true">
                  {unitName}
                </div>
              </div>
            </div>
            {item.controlledDrug ? (
              <div className="nhsuk-form-group" data-testid="controlled-drug">
                <fieldset className="nhsuk-fieldset">
                  <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Controlled drug schedule</legend>
                  <div className="nhsuk-hint">
                    Suggested from dm+d. Schedules 2 and 3 need the quantity in words and figures.
                  </div>
                  <div className="nhsuk-radios nhsuk-radios--small">
                    {(Object.keys(scheduleWords) as CdSchedule[]).map((s) => (
                      <div className="nhsuk-radios__item" key={s}>
                        <input
                          className="nhsuk-radios__input"
                          id={`${id}-cd-${s}`}
                          type="radio"
                          name="cd"
                          checked={schedule === s}
                          onChange={() =>
                            update((i) => ({
                              ...i,
                              controlledDrug: { schedule: s, quantityWords: i.controlledDrug?.quantityWords ?? '' },
                            }))
                          }
                        />
                        <label className="nhsuk-label nhsuk-radios__label" htmlFor={`${id}-cd-${s}`}>
                          {scheduleWords[s]}
                        </label>
                      </div>
                    ))}
                  </div>
                </fieldset>
                {group(
                  'cdwords',
                  `Quantity in words${needsWords(schedule) ? '' : ' (optional for this schedule)'}`,
                  `In figures: ${item.quantity.value ? quantityWithUnit(item.quantity.value, unitName) : `– ${unitName}`}. Filled in from the figures; check it.`,
                  wordsErr,
                  <input
                    className={`nhsuk-input${wordsErr ? ' nhsuk-input--error' : ''}`}
                    id={fieldIds['cd-words']}
                    autoComplete="off"
                    maxLength={200}
                    value={item.controlledDrug.quantityWords}
                    onChange={(e) => {
                      setWordsEdited(true);
                      const v = e.target.value;
                      update((i) => ({
                        ...i,
                        controlledDrug: i.controlledDrug ? { ...i.controlledDrug, quantityWords: v } : null,
                      }));
                    }}
                    onBlur={() => touch('cd-words')}
                    aria-describedby={aria('cdwords', true, wordsErr)}
                  />,
                )}
              </div>
            ) : null}
            <fieldset className="nhsuk-fieldset nhsuk-u-margin-bottom-4">
              <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">Dose (optional, structured)</legend>
              <div className="nhsuk-hint">Fill these in and Scrip offers the wording below.</div>
              <div className="scrip-inline-fields">
                {group(
                  'doseValue',
                  `Dose (${unitName}s)`,
                  null,
                  dosageFormat.doseValue,
                  <input
                    className={`nhsuk-input nhsuk-input--width-4${dosageFormat.doseValue ? ' nhsuk-input--error' : ''}`}
                    id={`${id}-doseValue`}
                    inputMode="decimal"
                    autoComplete="off"
                    value={doseText}
                    onChange={(e) => setDosage('doseValue', e.target.value)}
                    aria-describedby={aria('doseValue', false, dosageFormat.doseValue)}
                  />,
                )}
                {group(
                  'frequencyPerDay',
                  'Times a day',
                  null,
                  dosageFormat.frequencyPerDay,
                  <input
                    className={`nhsuk-input nhsuk-input--width-3${dosageFormat.frequencyPerDay ? ' nhsuk-input--error' : ''}`}
                    id={`${id}-frequencyPerDay`}
                    inputMode="numeric"
                    autoComplete="off"
                    value={perDayText}
                    onChange={(e) => setDosage('frequencyPerDay', e.target.value)}
                    aria-describedby={aria('frequencyPerDay', false, dosageFormat.frequencyPerDay)}
                  />,
                )}
                {group(
                  'durationDays',
                  'For how many days',
                  null,
                  dosageFormat.durationDays,
                  <input
                    className={`nhsuk-input nhsuk-input--width-3${dosageFormat.durationDays ? ' nhsuk-input--error' : ''}`}
                    id={`${id}-durationDays`}
                    inputMode="numeric"
                    autoComplete="off"
                    value={daysText}
                    onChange={(e) => setDosage('durationDays', e.target.value)}
                    aria-describedby={aria('durationDays', false, dosageFormat.durationDays)}
                  />,
                )}
              </div>
            </fieldset>
            {group(
              'dosage',
              'Dosage instructions',
              'As the patient and pharmacist will read them, for example "One capsule three times a day".',
              dosageErr,
              <textarea
                className={`nhsuk-textarea${dosageErr ? ' nhsuk-textarea--error' : ''}`}
                id={fieldIds.dosage}
                rows={3}
                maxLength={TEXT_MAX}
                value={item.dosageText}
                onChange={(e) => {
                  const v = e.target.value;
                  update((i) => ({ ...i, dosageText: v }));
                }}
                onBlur={() => touch('dosage')}
                aria-describedby={aria('dosage', true, dosageErr)}
              />,
            )}
            {suggestion && suggestion !== item.dosageText ? (
              <p>
                <button
                  type="button"
                  className="nhsuk-button nhsuk-button--secondary nhsuk-button--small"
                  onClick={() => {
                    update((i) => ({ ...i, dosageText: suggestion }));
                    say(`Dosage set to: ${suggestion}`);
                  }}
                >
                  Use "{suggestion}"
                </button>
              </p>
            ) : null}
            {group(
              'additional',
              'Additional instructions (optional)',
              'For example "Take with food". Printed under the dosage.',
              null,
              <textarea
                className="nhsuk-textarea"
                id={`${id}-additional`}
                rows={2}
                maxLength={TEXT_MAX}
                value={item.additionalInstructions}
                onChange={(e) => {
                  const v = e.target.value;
                  update((i) => ({ ...i, additionalInstructions: v }));
                }}
                aria-describedby={`${id}-additional-hint`}
              />,
            )}
            {d.treatmentType !== 'repeat-dispensing'
              ? group(
                  'supply',
                  'Days of supply',
                  'How long this quantity should last.',
                  supplyError,
                  <input
                    className={`nhsuk-input nhsuk-input--width-3${supplyError ? ' nhsuk-input--error' : ''}`}
                    id={`${id}-supply`}
                    inputMode="numeric"
                    autoComplete="off"
                    value={supplyText}
                    onChange={(e) => setSupply(e.target.value)}
                    aria-describedby={aria('supply', true, supplyError)}
                  />,
                )
              : null}
            <div className="nhsuk-form-group">
              <fieldset className="nhsuk-fieldset">
                <legend className="nhsuk-fieldset__legend nhsuk-fieldset__legend--s">
                  Prescriber endorsements (optional)
                </legend>
                <div className="nhsuk-checkboxes nhsuk-checkboxes--small">
                  {(Object.keys(endorsementWords) as Endorsement[]).map((code) => (
                    <div className="nhsuk-checkboxes__item" key={code}>
                      <input
                        className="nhsuk-checkboxes__input"
                        id={`${id}-end-${code}`}
                        type="checkbox"
                        checked={item.endorsements.includes(code)}
                        onChange={(e) => {
                          const on = e.target.checked;
                          update((i) => ({
                            ...i,
                            endorsements: on ? [...i.endorsements, code] : i.endorsements.filter((x) => x !== code),
                          }));
                        }}
                      />
                      <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor={`${id}-end-${code}`}>
                        {endorsementWords[code]}
                      </label>
                    </div>
                  ))}
                </div>
              </fieldset>
            </div>
          </>
        ) : null}
        <button className="nhsuk-button" type="submit">
          {item ? 'Save item' : 'Continue'}
        </button>
      </form>
    </>
  );
}
