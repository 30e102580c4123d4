import { useState } from 'react';
import { usePageHeading } from '../../hooks/page-heading';
import { ProblemSummary, type Problem } from '../../components/forms';
import { say } from '../../components/say';
import { useDraft } from '../../prescribing/useDraft';
import { padHref } from '../../prescribing/nav';
import { go } from '../../prescribing/go';
import { DiscardDraft } from './DiscardDraft';
import { formatNhsNumber, patientName, placeProblems, treatmentWords } from '../../prescribing/rx-words';
import { ItemSummary } from './ItemSummary';
import { SaveStatus } from './SaveStatus';

export const MAX_ITEMS = 4;

/** The items on the prescription, each changeable; add up to four; then review. */
export function ItemsPage() {
  const { record, change, flush, saveState, discard } = useDraft();
  usePageHeading('Items on this prescription', { href: padHref(record!.id, 'treatment'), text: 'Back to treatment type' });
  const [attempt, setAttempt] = useState(0);
  const [problems, setProblems] = useState<Problem[]>([]);
  const d = record!.draft;

  function remove(lineId: string, name: string) {
    change((x) => ({ ...x, items: x.items.filter((i) => i.lineId !== lineId) }));
    say(`${name} removed`);
  }

  async function review() {
    const r = await flush();
    const found = placeProblems((r ?? record!).problems).map((p): Problem => ({
      text: p.text,
      field: typeof p.where === 'object' ? `item-${p.where.item}` : p.where === 'patient' ? 'patient-link' : p.where === 'treatment' ? 'treatment-link' : 'add-item',
    }));
    setProblems(found);
    setAttempt((a) => a + 1);
    if (!found.length) go(padHref(record!.id, 'review'));
  }

  const p = d.patient;
  return (
    <>
      <ProblemSummary problems={problems} attempt={attempt} title="Before you review, fix these" />
      <SaveStatus state={saveState} />
      <p>
        For <strong>{p ? `${patientName(p)} (${formatNhsNumber(p.nhsNumber)})` : 'no patient yet'}</strong>, {treatmentWords[d.treatmentType].label.toLowerCase()}
        {d.treatmentType === 'repeat-dispensing' && d.repeats ? `, ${d.repeats.issues} issues every ${d.repeats.intervalDays} days` : ''}.{' '}
        <a href={padHref(record!.id, 'confirm')} id="patient-link">Change patient</a>{' · '}<a href={padHref(record!.id, 'treatment')} id="treatment-link">Change treatment type</a>
      </p>
      {!d.items.length ? <p>No items yet.</p> : d.items.map((it, i) => (
        <div className="nhsuk-card" key={it.lineId} id={`item-${i}`} tabIndex={-1} data-item={it.lineId}>
          <div className="nhsuk-card__content">
            <h2 className="nhsuk-card__heading nhsuk-heading-s">Item {i + 1}: {it.medication.display}</h2>
            <ItemSummary item={it} />
            <p className="nhsuk-u-margin-bottom-0">
              <a href={padHref(record!.id, 'item', it.lineId)}>Change<span className="nhsuk-u-visually-hidden"> item {i + 1}, {it.medication.display}</span></a>{' · '}
              <button type="button" className="scrip-link-button" onClick={() => remove(it.lineId, it.medication.display)}>Remove<span className="nhsuk-u-visually-hidden"> item {i + 1}, {it.medication.display}</span></button>
            </p>
          </div>
        </div>
      ))}
      {d.items.length < MAX_ITEMS
        ? <p><a className="nhsuk-button nhsuk-button--secondary" id="add-item" href={padHref(record!.id, 'item', 'new')}>{d.items.length ? 'Add another item' : 'Add an item'}</a></p>
        : <p id="add-item">A prescription holds up to {MAX_ITEMS} items. Start another prescription for more.</p>}
      <button className="nhsuk-button" type="button" onClick={() => void review()}>Continue to review</button>
      <h2 className="nhsuk-heading-s">Not needed?</h2>
      <DiscardDraft who={p ? `${patientName(p)} (${formatNhsNumber(p.nhsNumber)})` : 'no patient yet'} discard={discard} onDiscarded={() => go('#/prescribe')} />
    </>
  );
}
