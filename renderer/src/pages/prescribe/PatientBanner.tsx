import { ageOn, formatDate, formatNhsNumber, patientName, type PatientSnapshot } from '../../prescribing/rx-words';
import { todayIso } from '../../dates';

/** Who the prescription is for, on every step of the pad once a patient is chosen: name, NHS number, age, nominated pharmacy. */
export function PatientBanner({ patient: p }: { patient: PatientSnapshot }) {
  const age = ageOn(p.birthDate, todayIso());
  return (
    <section className="scrip-patient-banner" aria-label="Patient" data-testid="patient-banner">
      <strong className="scrip-patient-banner__name">{patientName(p)}</strong>
      <span>
        NHS number <strong data-testid="banner-nhs-number">{formatNhsNumber(p.nhsNumber)}</strong>
      </span>
      <span>
        Born {formatDate(p.birthDate)}
        {age !== null ? ` (${age} years)` : ''}
      </span>
      <span data-testid="banner-pharmacy">
        {p.nominatedPharmacy
          ? `Nominated pharmacy: ${p.nominatedPharmacy.name ?? 'pharmacy'} (${p.nominatedPharmacy.odsCode})`
          : 'No nominated pharmacy'}
      </span>
    </section>
  );
}
