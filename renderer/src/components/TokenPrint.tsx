import { useId, useRef, useState } from 'react';
import { useTransport } from '../hooks/transport-context';
import { ErrorSummary } from './ErrorSummary';
import { say } from './say';
import { useFormState } from '../hooks/useFormState';

/** Opens the token as a PDF file for the system's print dialog (A5, with the barcode). */
function downloadToken(t: { filename: string; pdfBase64: string }): void {
  const bytes = Uint8Array.from(atob(t.pdfBase64), (c) => c.charCodeAt(0));
  const url = URL.createObjectURL(new Blob([bytes], { type: 'application/pdf' }));
  const a = document.createElement('a');
  a.href = url;
  a.download = t.filename;
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

/** "Print token": a dialog that says what the token is for, then hands the PDF to the printer. */
export function TokenPrint({ id, shortFormId, nominated }: { id: string; shortFormId: string; nominated: boolean }) {
  const transport = useTransport();
  const dialog = useRef<HTMLDialogElement>(null);
  const opener = useRef<HTMLButtonElement>(null);
  const form = useFormState();
  const [saved, setSaved] = useState<string | null>(null);
  const titleId = useId();

  // The PDF is saved as a download (a sandboxed page cannot print a PDF itself): say where it went.
  async function print() {
    await form.run(async () => {
      const token = await transport.invoke('prescription.token', { id });
      downloadToken(token);
      setSaved(token.filename);
      say(`The token was saved as ${token.filename} in your downloads. Open it and print it at full size.`);
    });
  }

  return (
    <>
      <button
        ref={opener}
        type="button"
        className="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0"
        onClick={() => {
          form.fail(null);
          setSaved(null);
          dialog.current?.showModal();
        }}
      >
        Print token<span className="nhsuk-u-visually-hidden"> for {shortFormId}</span>
      </button>
      <dialog
        ref={dialog}
        className="scrip-dialog"
        aria-labelledby={titleId}
        onClose={() => opener.current?.focus()}
        data-testid="token-dialog"
      >
        <h2 id={titleId}>Print the token for {shortFormId}</h2>
        {form.error ? <ErrorSummary error={form.error} title="The token could not be made" /> : null}
        <p>
          {nominated
            ? "This prescription goes to the patient's nominated pharmacy. A token is optional: it helps the patient and the pharmacy find it."
            : 'This prescription has no nominated pharmacy: give the patient the token to take to any pharmacy.'}
        </p>
        <p>
          The token is an A5 PDF with the prescription ID as a barcode. It is saved to your downloads: open it there and
          print it at full size.
        </p>
        {saved ? (
          <div className="nhsuk-inset-text" data-testid="token-saved">
            <p>
              Saved as <strong>{saved}</strong> in your downloads folder.
            </p>
          </div>
        ) : null}
        <div className="nhsuk-button-group">
          <button type="button" className="nhsuk-button" onClick={() => void print()} disabled={form.busy}>
            {form.busy ? 'Making the token…' : 'Save the token PDF'}
          </button>
          <button
            type="button"
            className="nhsuk-button nhsuk-button--secondary"
            onClick={() => dialog.current?.close()}
          >
            Close
          </button>
        </div>
      </dialog>
    </>
  );
}
