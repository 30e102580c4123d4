import { SummaryRow } from '../../components/forms';
import { ageOn, formatDate, formatNhsNumber, patientName, type PatientSnapshot } from '../../prescribing/rx-words';
import { todayIso } from '../../dates';

const genderWords: Record<PatientSnapshot['gender'], string> = {
  female: 'Female',
  male: 'Male',
  other: 'Other',
  unknown: 'Not known',
};

/** Demographics and nominated pharmacy, as the patient index gave them. */
export function PatientDetails({ patient: p, change }: { patient: PatientSnapshot; change?: string }) {
  const age = ageOn(p.birthDate, todayIso());
  const act = change ? { href: change, text: 'Change', hidden: 'patient' } : undefined;
  const address = [...p.addressLines, p.postcode].filter(Boolean);
  return (
    <dl className="nhsuk-summary-list" data-testid="patient-details">
      <SummaryRow label="Name" action={act}>
        {patientName(p)}
      </SummaryRow>
      <SummaryRow label="NHS number">
        <span data-testid="patient-nhs-number">{formatNhsNumber(p.nhsNumber)}</span>
      </SummaryRow>
      <SummaryRow label="Date of birth">
        {formatDate(p.birthDate)}
        {age !== null ? ` (${age} years old)` : ''}
      </SummaryRow>
      <SummaryRow label="Gender">{genderWords[p.gender]}</SummaryRow>
      <SummaryRow label="Address">
        {address.length
          ? address.map((l, i) => (
              <span key={i}>
                {l}
                {i < address.length - 1 ? <br /> : null}
              </span>
            ))
          : 'Not shown (the record may be restricted)'}
      </SummaryRow>
      <SummaryRow label="GP practice">{p.gpOdsCode ?? 'Not shown'}</SummaryRow>
      <SummaryRow label="Nominated pharmacy">
        <span data-testid="nominated-pharmacy">
          {p.nominatedPharmacy ? `${p.nominatedPharmacy.name ?? 'Pharmacy'} (${p.nominatedPharmacy.odsCode})` : 'None'}
        </span>
      </SummaryRow>
    </dl>
  );
}
