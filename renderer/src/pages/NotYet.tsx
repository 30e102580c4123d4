/** An honest page for an area whose commands do not exist yet: what it will do, no fake data. */
const plans: Record<string, string> = {
  prescribe:
    'Find a patient, write items coded in dm+d, review exactly what will be signed, sign with your card and send to EPS.',
  prescriptions: 'Your prescriptions with their live status from the tracker; print tokens, cancel items.',
  dispense: 'For pharmacists in testing: release prescriptions, verify their signatures, record dispensing.',
  assurance: 'For suppliers: run scripted conformance checks against the sandbox and get an evidence report.',
  'api-keys': 'Issue API keys to local programs, see when each was last used, and revoke them.',
};

export function NotYet({ area }: { area: string }) {
  return (
    <div className="nhsuk-inset-text">
      <span className="nhsuk-u-visually-hidden">Information: </span>
      <p>This area is not available yet.</p>
      <p>
        <strong>What it will do:</strong> {plans[area] ?? 'It is planned for a later version.'}
      </p>
    </div>
  );
}
