// Dispense → "Check a signature": paste or choose a signed prescription (FHIR Bundle or HL7 v3
// ParentPrescription) and see each check EPS makes, with its verdict and what was found
// (`prescription.verify`). Needs no card and no session: a supplier's tool, as EPSAT's was.
import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { Check } from '../../../protocols/eps/signature';
import type { SignatureReport } from '../../../main/dispensing/verify';
import { useTransport } from '../hooks/transport-context';
import { usePageHeading } from '../hooks/page-heading';
import { useFormState } from '../hooks/useFormState';
import { ErrorSummary } from '../components/ErrorSummary';
import { ErrorText, ProblemSummary, describedBy, type Problem } from '../components/forms';
import { say } from '../components/say';
import { dispenseHref } from '../prescribing/nav';

const resultTag: Record<Check['result'], { text: string; tag: string }> = {
  pass: { text: 'Pass', tag: 'green' },
  fail: { text: 'Fail', tag: 'red' },
  'not-checked': { text: 'Not checked', tag: 'grey' },
};

const verdictText: Record<SignatureReport['verdict'], string> = {
  valid: 'The signature is valid: every check passed.',
  invalid: 'The signature is not valid: EPS would refuse this prescription.',
  'not-fully-checked': 'No check failed, but some were not made, so the signature is not confirmed.',
};

export function CheckSignature() {
  usePageHeading('Check a signature', { href: dispenseHref(), text: 'Back to Dispense' });
  const transport = useTransport();
  const id = useId();
  const [prescription, setPrescription] = useState('');
  const [trust, setTrust] = useState('');
  const [revocation, setRevocation] = useState(true);
  const form = useFormState();
  const [report, setReport] = useState<SignatureReport | null>(null);
  const resultRef = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    if (report) resultRef.current?.focus();
  }, [report]);

  const load = (file: File | undefined, set: (text: string) => void) => {
    if (file) void file.text().then(set);
  };

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found: Problem[] = prescription.trim()
      ? []
      : [{ text: 'Paste a signed prescription, or choose its file.', field: `${id}-rx` }];
    if (!form.check(found)) return;
    setReport(null);
    await form.run(async () => {
      const r = await transport.invoke('prescription.verify', {
        prescription,
        ...(trust.trim() ? { trust } : {}),
        revocation,
      });
      setReport(r);
      say(verdictText[r.verdict]);
    });
  }

  const rxError = form.problemFor(`${id}-rx`);
  return (
    <>
      <p>
        Check a prescriber's signature the way EPS checks it, one check at a time. Nothing is sent anywhere, except a
        request for the certificate's revocation list when you give a trust bundle.
      </p>
      {form.error ? <ErrorSummary error={form.error} title="The signature could not be checked" /> : null}
      <ProblemSummary problems={form.problems} attempt={form.attempt} />
      <form onSubmit={submit} noValidate>
        <div className={`nhsuk-form-group${rxError ? ' nhsuk-form-group--error' : ''}`}>
          <label className="nhsuk-label nhsuk-label--m" htmlFor={`${id}-rx`}>
            Signed prescription
          </label>
          <div className="nhsuk-hint" id={`${id}-rx-hint`}>
            A FHIR prescription-order Bundle (JSON) with its Provenance signature, or an HL7 v3 ParentPrescription (XML)
          </div>
          <ErrorText id={`${id}-rx-error`} text={rxError} />
          <textarea
            className={`nhsuk-textarea scrip-mono${rxError ? ' nhsuk-textarea--error' : ''}`}
            id={`${id}-rx`}
            name="prescription"
            rows={8}
            spellCheck={false}
            value={prescription}
            onChange={(e) => setPrescription(e.target.value)}
            aria-describedby={describedBy(`${id}-rx-hint`, rxError && `${id}-rx-error`)}
            aria-invalid={rxError ? true : undefined}
          />
          <label className="nhsuk-label" htmlFor={`${id}-rx-file`}>
            Or choose the file
          </label>
          <input
            className="nhsuk-file-upload"
            id={`${id}-rx-file`}
            type="file"
            accept=".json,.xml,application/json,application/xml,text/xml,text/plain"
            onChange={(e) => load(e.target.files?.[0], setPrescription)}
          />
        </div>
        <div className="nhsuk-form-group">
          <label className="nhsuk-label nhsuk-label--s" htmlFor={`${id}-trust`}>
            Trust bundle (optional)
          </label>
          <div className="nhsuk-hint" id={`${id}-trust-hint`}>
            The CA certificates to trust, in PEM form. Without them the certificate chain and revocation are not
            checked.
          </div>
          <textarea
            className="nhsuk-textarea scrip-mono"
            id={`${id}-trust`}
            name="trust"
            rows={4}
            spellCheck={false}
            value={trust}
            onChange={(e) => setTrust(e.target.value)}
            aria-describedby={`${id}-trust-hint`}
          />
          <label className="nhsuk-label" htmlFor={`${id}-trust-file`}>
            Or choose a PEM file
          </label>
          <input
            className="nhsuk-file-upload"
            id={`${id}-trust-file`}
            type="file"
            accept=".pem,.crt,.cer,text/plain"
            onChange={(e) => load(e.target.files?.[0], setTrust)}
          />
        </div>
        <div className="nhsuk-form-group">
          <div className="nhsuk-checkboxes">
            <div className="nhsuk-checkboxes__item">
              <input
                className="nhsuk-checkboxes__input"
                id={`${id}-crl`}
                type="checkbox"
                checked={revocation}
                onChange={(e) => setRevocation(e.target.checked)}
                aria-describedby={`${id}-crl-hint`}
              />
              <label className="nhsuk-label nhsuk-checkboxes__label" htmlFor={`${id}-crl`}>
                Fetch the certificate's revocation list (CRL)
              </label>
              <div className="nhsuk-hint nhsuk-checkboxes__hint" id={`${id}-crl-hint`}>
                Only with a trust bundle. If the list cannot be fetched, revocation is shown as not checked.
              </div>
            </div>
          </div>
        </div>
        <button className="nhsuk-button" type="submit" disabled={form.busy}>
          {form.busy ? 'Checking…' : 'Check the signature'}
        </button>
      </form>
      {report ? (
        <section aria-labelledby={`${id}-verdict`} data-testid="signature-report" data-verdict={report.verdict}>
          <div className={report.verdict === 'invalid' ? 'nhsuk-warning-callout' : 'nhsuk-inset-text'}>
            <h2
              id={`${id}-verdict`}
              tabIndex={-1}
              ref={resultRef}
              className={report.verdict === 'invalid' ? 'nhsuk-warning-callout__label' : undefined}
            >
              {report.verdict === 'invalid' ? (
                <span role="text">
                  <span className="nhsuk-u-visually-hidden">Important: </span>Signature not valid
                </span>
              ) : report.verdict === 'valid' ? (
                'Signature valid'
              ) : (
                'Signature not fully checked'
              )}
            </h2>
            <p>{verdictText[report.verdict]}</p>
            <p className="nhsuk-body-s nhsuk-u-margin-bottom-0">
              {report.kind === 'fhir' ? 'FHIR Bundle' : 'HL7 v3 ParentPrescription'}
              {report.prescriptionId ? ` ${report.prescriptionId}` : ''}
              {report.signer ? `, signed by ${report.signer.subject}` : ''}
              {report.signedAt ? ` at ${report.signedAt}` : ''}
              {report.algorithm ? ` (${report.algorithm === 'RS256' ? 'RSA-SHA256' : 'RSA-SHA1'})` : ''}.
            </p>
          </div>
          <table className="nhsuk-table" data-testid="signature-checks">
            <caption className="nhsuk-table__caption">Each check, in the order EPS makes them</caption>
            <thead className="nhsuk-table__head">
              <tr>
                <th scope="col">Check</th>
                <th scope="col">Result</th>
                <th scope="col">What was found</th>
              </tr>
            </thead>
            <tbody className="nhsuk-table__body">
              {report.checks.map((c) => (
                <tr key={c.id} data-check={c.id} data-result={c.result}>
                  <th scope="row">{c.name}</th>
                  <td>
                    <strong className={`nhsuk-tag nhsuk-tag--${resultTag[c.result].tag}`}>
                      {resultTag[c.result].text}
                    </strong>
                  </td>
                  <td>
                    {c.detail}
                    {c.epsError ? (
                      <>
                        <br />
                        <span className="nhsuk-body-s">EPS says: "{c.epsError}"</span>
                      </>
                    ) : null}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </section>
      ) : null}
    </>
  );
}
