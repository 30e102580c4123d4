// One-screen item entry on the items page: the medicine search (focused on arrival), then the dose
// shortcut ("1 tds 5/7", focused once a medicine is chosen), which writes the dosage sentence and
// works out quantity and days of supply from the medicine's dm+d unit and packs
// (protocols/dose/shortcut.ts); every worked-out value stays editable. Enter adds the item.
import { useId, useState, type FormEvent } from 'react';
import { ErrorText, FieldGroup, ProblemSummary, describedBy, type Problem } from '../../components/forms';
import { MedicineCombobox } from '../../components/MedicineCombobox';
import { say } from '../../components/say';
import { useAutoFocus } from '../../hooks/useAutoFocus';
import { useTransport } from '../../hooks/transport-context';
import { hitDetails, type MedicineHit } from '../../prescribing/medicine';
import { numberInWords, scheduleFromDmd, type DraftItem, type TreatmentType } from '../../prescribing/rx-words';
import {
  readDoseShortcut,
  doseSentence,
  supplyFor,
  type DoseShortcut,
  type Supply,
} from '../../../../protocols/dose/shortcut';
import { quantityWithUnit } from '../../../../protocols/dmd/unit-words';

interface Worked {
  shortcut: DoseShortcut;
  sentence: string;
  supply: Supply;
}

const unitOf = (h: MedicineHit) =>
  h.unit ?? (h.packs[0]?.unitCode ? { code: h.packs[0].unitCode, name: h.packs[0].unitName ?? '' } : null);

function work(typed: string, h: MedicineHit | null): Worked | { error: string } {
  const r = readDoseShortcut(typed);
  if (!r.ok) return { error: r.error };
  const unit = h ? (unitOf(h)?.name ?? '') : '';
  const packs = (h?.packs ?? []).map((p) => p.quantity).filter((q): q is number => q !== null);
  return {
    shortcut: r.shortcut,
    sentence: doseSentence(r.shortcut, unit || null),
    supply: supplyFor(r.shortcut, unit, packs),
  };
}

const wholeDays = (t: string) => /^\d+$/.test(t.trim()) && Number(t) >= 1 && Number(t) <= 366;
const amount = (t: string) => /^\d+(\.\d{1,2})?$/.test(t.trim()) && Number(t) > 0;

export function ItemEntry({
  number,
  treatment,
  onAdd,
}: {
  number: number;
  treatment: TreatmentType;
  onAdd: (item: DraftItem) => void;
}) {
  const id = useId();
  const transport = useTransport();
  const [favourite, setFavourite] = useState<boolean | null>(null);
  const [hit, setHit] = useState<MedicineHit | null>(null);
  const [medicineError, setMedicineError] = useState<string | null>(null);
  const [dose, setDose] = useState('');
  const [sentence, setSentence] = useState<string | null>(null); // null: follows the shortcut
  const [qty, setQty] = useState<string | null>(null);
  const [days, setDays] = useState<string | null>(null);
  const [attempt, setAttempt] = useState(0);
  const doseField = useAutoFocus<HTMLInputElement>(!!hit, hit?.code);

  const worked = dose.trim() ? work(dose, hit) : null;
  const ok = worked && 'shortcut' in worked ? worked : null;
  const unit = hit ? unitOf(hit) : null;
  const sentenceShown = sentence ?? ok?.sentence ?? '';
  const qtyShown = qty ?? (ok && ok.supply.quantity !== null ? String(ok.supply.quantity) : '');
  const daysShown = days ?? (ok && ok.supply.days !== null ? String(ok.supply.days) : '28');

  function choose(h: MedicineHit) {
    const u = unitOf(h);
    if (!u || !u.name) {
      setMedicineError(`dm+d gives no unit of measure for ${h.name}, so it cannot be prescribed here.`);
      return;
    }
    setMedicineError(null);
    setHit(h);
    say(`${h.name} chosen. Type the dose, for example 1 tds 5/7.`);
  }

  const problems: Problem[] = [];
  if (attempt) {
    if (!hit) problems.push({ text: medicineError ?? 'Choose the medicine.', field: `${id}-medicine` });
    else {
      if (worked && 'error' in worked && sentence === null) problems.push({ text: worked.error, field: `${id}-dose` });
      else if (!sentenceShown.trim())
        problems.push({
          text: 'Type the dose, for example "1 tds 5/7", or write the dosage instructions.',
          field: `${id}-dose`,
        });
      if (!amount(qtyShown))
        problems.push({
          text:
            ok && ok.supply.quantity === null && !qtyShown
              ? `Enter the quantity. ${ok.supply.why}`
              : 'Enter the quantity: a number more than zero, at most 2 decimal places.',
          field: `${id}-qty`,
        });
      if (treatment !== 'repeat-dispensing' && !wholeDays(daysShown))
        problems.push({ text: 'Enter the days of supply, from 1 to 366.', field: `${id}-days` });
    }
  }
  const errorOf = (f: string) => problems.find((p) => p.field === `${id}-${f}`)?.text ?? null;

  function add(e: FormEvent) {
    e.preventDefault();
    setAttempt((a) => a + 1);
    if (!hit || !unit) return;
    const badDose = worked && 'error' in worked && sentence === null;
    if (
      badDose ||
      !sentenceShown.trim() ||
      !amount(qtyShown) ||
      (treatment !== 'repeat-dispensing' && !wholeDays(daysShown))
    )
      return;
    const q = Number(qtyShown);
    const s = ok?.shortcut;
    const schedule = scheduleFromDmd(hit.controlledDrug?.code);
    onAdd({
      lineId: crypto.randomUUID(),
      medication: { code: hit.code, display: hit.name },
      quantity: { value: q, unitCode: unit.code, unit: unit.name },
      dosageText: sentenceShown.trim(),
      dosage: {
        ...(s?.dose && s.dose.min === s.dose.max && (s.dose.unit === null || s.dose.unit === unit.name)
          ? { doseValue: s.dose.max, doseUnit: unit.name }
          : {}),
        ...(s?.perDay && !s.asNeeded ? { frequencyPerDay: s.perDay } : {}),
        ...(s?.durationDays ? { durationDays: s.durationDays } : {}),
      },
      additionalInstructions: '',
      endorsements: [],
      controlledDrug: schedule ? { schedule, quantityWords: numberInWords(q) ?? '' } : null,
      supplyDays: wholeDays(daysShown) ? Number(daysShown) : 28,
    });
  }

  const input = (
    f: string,
    label: string,
    value: string,
    set: (v: string) => void,
    hint: string | null,
    width: string,
    opts: { mode?: 'decimal' | 'numeric'; suffix?: string } = {},
  ) => {
    const err = errorOf(f);
    return (
      <FieldGroup id={`${id}-${f}`} label={label} hint={hint} error={err}>
        <div className="nhsuk-input-wrapper">
          <input
            className={`nhsuk-input ${width}${err ? ' nhsuk-input--error' : ''}`}
            id={`${id}-${f}`}
            inputMode={opts.mode}
            autoComplete="off"
            spellCheck={false}
            value={value}
            onChange={(e) => set(e.target.value)}
            aria-describedby={describedBy(hint && `${id}-${f}-hint`, err && `${id}-${f}-error`)}
          />
          {opts.suffix ? (
            <div className="nhsuk-input-wrapper__suffix" aria-hidden="true">
              {opts.suffix}
            </div>
          ) : null}
        </div>
      </FieldGroup>
    );
  };

  const doseErr = errorOf('dose');
  return (
    <section aria-labelledby={`${id}-title`} data-testid="item-entry">
      <h2 id={`${id}-title`} className="nhsuk-heading-m">
        {number === 1 ? 'Add an item' : `Add item ${number}`}
      </h2>
      <ProblemSummary problems={problems} attempt={attempt} title="This item cannot be added yet" />
      <form onSubmit={add} noValidate>
        {!hit ? (
          <MedicineCombobox
            id={`${id}-medicine`}
            onChoose={choose}
            autoFocus
            error={medicineError ?? (attempt ? 'Choose the medicine.' : null)}
          />
        ) : (
          <div className="nhsuk-form-group">
            <p className="nhsuk-u-margin-bottom-1" data-testid="chosen-medicine">
              <strong>{hit.name}</strong> (dm+d {hit.code})
            </p>
            <p className="nhsuk-hint nhsuk-u-margin-bottom-1">{hitDetails(hit)}</p>
            <button
              type="button"
              className="scrip-link-button"
              onClick={() => {
                setHit(null);
                setQty(null);
                setFavourite(null);
              }}
            >
              Choose another medicine
            </button>
            {' · '}
            <button
              type="button"
              className="scrip-link-button"
              data-testid="favourite"
              onClick={() => {
                const on = !favourite;
                transport.invoke('medicines.favourite', { code: hit.code, favourite: on }).then(
                  () => {
                    setFavourite(on);
                    say(on ? `${hit.name} added to your favourites.` : `${hit.name} taken off your favourites.`);
                  },
                  () => say('Your favourites could not be changed.'),
                );
              }}
            >
              {favourite ? 'Take off my favourites' : 'Add to my favourites'}
            </button>
          </div>
        )}
        {hit ? (
          <>
            <div className={`nhsuk-form-group${doseErr ? ' nhsuk-form-group--error' : ''}`}>
              <label className="nhsuk-label nhsuk-label--s" htmlFor={`${id}-dose`}>
                Dose
              </label>
              <div className="nhsuk-hint" id={`${id}-dose-hint`}>
                A shortcut such as "1 tds 5/7" (one, three times a day, for 5 days), "2 bd 7d", "1-2 qds prn", "5ml tds
                5/7", "nocte". Enter adds the item.
              </div>
              <ErrorText id={`${id}-dose-error`} text={doseErr} />
              <input
                ref={doseField}
                data-autofocus
                className={`nhsuk-input nhsuk-input--width-20${doseErr ? ' nhsuk-input--error' : ''}`}
                id={`${id}-dose`}
                autoComplete="off"
                spellCheck={false}
                value={dose}
                onChange={(e) => {
                  setDose(e.target.value);
                  setSentence(null);
                  setQty(null);
                  setDays(null);
                }}
                aria-describedby={describedBy(`${id}-dose-hint`, doseErr && `${id}-dose-error`, `${id}-reads`)}
              />
              <p
                className="nhsuk-body-s nhsuk-u-margin-top-2 nhsuk-u-margin-bottom-0"
                id={`${id}-reads`}
                data-testid="dose-reads"
              >
                {ok ? (
                  <>
                    Reads as: <strong>{ok.sentence}</strong>. {ok.supply.why}
                  </>
                ) : dose.trim() && worked && 'error' in worked ? (
                  'Not understood yet: keep typing, or write the instructions below.'
                ) : null}
              </p>
            </div>
            {input(
              'text',
              'Dosage instructions',
              sentenceShown,
              (v) => setSentence(v),
              'Written from the dose; change it if you need to.',
              'nhsuk-u-width-full',
            )}
            <div className="scrip-inline-fields">
              {input(
                'qty',
                'Quantity',
                qtyShown,
                (v) => setQty(v),
                `In ${unit ? quantityWithUnit(2, unit.name).replace(/^2 /, '') : 'the dm+d unit'}.${
                  hit.packs.length
                    ? ` Packs: ${hit.packs
                        .map((p) => p.quantity ?? '')
                        .filter(Boolean)
                        .join(', ')}.`
                    : ''
                }`,
                'nhsuk-input--width-5',
                { mode: 'decimal', suffix: unit?.name ?? '' },
              )}
              {treatment !== 'repeat-dispensing'
                ? input('days', 'Days of supply', daysShown, (v) => setDays(v), null, 'nhsuk-input--width-3', {
                    mode: 'numeric',
                  })
                : null}
            </div>
          </>
        ) : null}
        <button className="nhsuk-button nhsuk-button--secondary" type="submit">
          Add item
        </button>
      </form>
    </section>
  );
}
