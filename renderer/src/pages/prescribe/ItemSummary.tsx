import { pluralUnit } from '../../../../protocols/dmd/unit-words';
import { SummaryRow } from '../../components/forms';
import { endorsementWords, scheduleWords, type DraftItem } from '../../prescribing/rx-words';

/** An item in words: what the pharmacist will read. */
export function ItemSummary({ item: it, treatment }: { item: DraftItem; treatment?: string }) {
  const unit = it.quantity.value === 1 ? it.quantity.unit : pluralUnit(it.quantity.unit);
  const qty = `${it.quantity.value}${it.controlledDrug?.quantityWords ? ` (${it.controlledDrug.quantityWords})` : ''} ${unit}`;
  return (
    <dl className="nhsuk-summary-list">
      <SummaryRow label="Quantity">{qty}</SummaryRow>
      <SummaryRow label="Dosage">{it.dosageText || 'Not given yet'}</SummaryRow>
      {it.additionalInstructions ? (
        <SummaryRow label="Additional instructions">{it.additionalInstructions}</SummaryRow>
      ) : null}
      {treatment !== 'repeat-dispensing' ? <SummaryRow label="Supply">{it.supplyDays} days</SummaryRow> : null}
      {it.endorsements.length ? (
        <SummaryRow label="Endorsements">{it.endorsements.map((e) => endorsementWords[e]).join('; ')}</SummaryRow>
      ) : null}
      {it.controlledDrug ? (
        <SummaryRow label="Controlled drug">{scheduleWords[it.controlledDrug.schedule]}</SummaryRow>
      ) : null}
    </dl>
  );
}
