import { useState } from 'react';
import { usePageHeading } from '../../hooks/page-heading';
import { useAutoFocus } from '../../hooks/useAutoFocus';
import { ProblemSummary, type Problem } from '../../components/forms';
import { say } from '../../components/say';
import { useDraft } from '../../prescribing/useDraft';
import { padHref } from '../../prescribing/nav';
import { go } from '../../prescribing/go';
import { DiscardDraft } from './DiscardDraft';
import { formatNhsNumber, patientName, placeProblems, type DraftItem } from '../../prescribing/rx-words';
import { ItemSummary } from './ItemSummary';
import { ItemEntry } from './ItemEntry';
import { TreatmentFields } from './TreatmentFields';
import { SaveStatus } from './SaveStatus';
import { href } from '../../routes';
import { useFormState } from '../../hooks/useFormState';

export const MAX_ITEMS = 4;
const TREATMENT = 'treatment-section';

/**
 * The prescription on one screen: its items, a new item typed inline (medicine, dose shortcut,
 * Enter), how it is prescribed, then review. Focus: the medicine search on arrival when there is
 * no item yet, "Continue to review" when there is (a copy, a resumed draft, an item just added).
 */
export function ItemsPage({ focus }: { focus?: 'treatment' }) {
  const { record, change, flush, saveState, discard } = useDraft();
  usePageHeading('Write the prescription', { href: href('prescribe'), text: 'Back to prescriptions you are writing' });
  const form = useFormState();
  const [added, setAdded] = useState(0);
  const d = record!.draft;
  const reviewButton = useAutoFocus<HTMLButtonElement>(focus !== 'treatment' && d.items.length > 0, added);

  function remove(lineId: string, name: string) {
    change((x) => ({ ...x, items: x.items.filter((i) => i.lineId !== lineId) }));
    say(`${name} removed`);
  }

  function add(item: DraftItem) {
    change((x) => ({ ...x, items: [...x.items, item] }));
    setAdded((n) => n + 1);
    say(
      `${item.medication.display} added as item ${d.items.length + 1}: ${item.dosageText}. Press Enter to review and sign.`,
    );
  }

  async function review() {
    const r = await flush();
    const found = placeProblems((r ?? record!).problems).map((p): Problem => ({
      text: p.text,
      field:
        typeof p.where === 'object'
          ? `item-${p.where.item}`
          : p.where === 'patient'
            ? 'patient-link'
            : p.where === 'treatment'
              ? TREATMENT
              : 'add-item',
    }));
    if (form.check(found)) go(padHref(record!.id, 'review'));
  }

  const p = d.patient;
  return (
    <>
      <ProblemSummary problems={form.problems} attempt={form.attempt} title="Before you review, fix these" />
      <SaveStatus state={saveState} />
      <p className="nhsuk-body-s">
        <a href={padHref(record!.id, 'patient')} id="patient-link">
          Change patient
        </a>
      </p>
      {d.items.map((it, i) => (
        <div className="nhsuk-card" key={it.lineId} id={`item-${i}`} tabIndex={-1} data-item={it.lineId}>
          <div className="nhsuk-card__content">
            <h2 className="nhsuk-card__heading nhsuk-heading-s">
              Item {i + 1}: {it.medication.display}
            </h2>
            <ItemSummary item={it} />
            <p className="nhsuk-u-margin-bottom-0">
              <a href={padHref(record!.id, 'item', it.lineId)}>
                Change
                <span className="nhsuk-u-visually-hidden">
                  {' '}
                  item {i + 1}, {it.medication.display}
                </span>
              </a>
              {' · '}
              <button
                type="button"
                className="scrip-link-button"
                onClick={() => remove(it.lineId, it.medication.display)}
              >
                Remove
                <span className="nhsuk-u-visually-hidden">
                  {' '}
                  item {i + 1}, {it.medication.display}
                </span>
              </button>
            </p>
          </div>
        </div>
      ))}
      <div id="add-item" tabIndex={-1}>
        {d.items.length < MAX_ITEMS ? (
          <ItemEntry key={added} number={d.items.length + 1} treatment={d.treatmentType} onAdd={add} />
        ) : (
          <p>A prescription holds up to {MAX_ITEMS} items. Start another prescription for more.</p>
        )}
      </div>
      <TreatmentFields id={TREATMENT} attempt={form.attempt} autoFocus={focus === 'treatment'} />
      <button ref={reviewButton} data-autofocus className="nhsuk-button" type="button" onClick={() => void review()}>
        Continue to review
      </button>
      <h2 className="nhsuk-heading-s">Not needed?</h2>
      <DiscardDraft
        who={p ? `${patientName(p)} (${formatNhsNumber(p.nhsNumber)})` : 'no patient yet'}
        discard={discard}
        onDiscarded={() => go(href('prescribe'))}
      />
    </>
  );
}
