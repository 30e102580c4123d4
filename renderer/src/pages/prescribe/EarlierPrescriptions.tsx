import { useEffect, useState } from 'react';
import { useTransport } from '../../hooks/transport-context';
import { ErrorSummary } from '../../components/ErrorSummary';
import { statusWords } from '../../prescribing/status';
import { dayWords } from '../../dates';
import { formatDate, type DraftContent } from '../../prescribing/rx-words';
import type { AgainMode } from '../../prescribing/again';
import { todayIso } from '../../dates';
import { useFormState } from '../../hooks/useFormState';

interface Earlier {
  id: string;
  status: string;
  shortFormId: string | null;
  signedAt: string | null;
  updatedAt: string;
  draft: DraftContent;
}

/**
 * The patient's earlier prescriptions written in Scrip (signed ones, refused included), newest
 * first, each with "Prescribe again" (prescription.copy); a signed repeat (repeat prescribing,
 * review date not passed) is a template with "Re-issue" (prescription.reissue) as well.
 */
export function EarlierPrescriptions({
  nhsNumber,
  exclude,
  onAgain,
}: {
  nhsNumber: string;
  exclude?: string;
  onAgain: (id: string, mode: AgainMode) => Promise<void>;
}) {
  const transport = useTransport();
  const [list, setList] = useState<Earlier[] | null>(null);
  // The list's own error (not read) and the chosen action's share the one error summary.
  const form = useFormState();
  useEffect(() => {
    transport.invoke('prescription.list', { nhsNumber, limit: 20 }).then(
      (r) => setList(r.prescriptions.filter((p) => p.status !== 'draft' && p.id !== exclude)),
      (e: unknown) => form.fail(e),
    );
  }, [transport, nhsNumber, exclude, form.fail]);

  const today = todayIso();
  const reissuable = (p: Earlier) =>
    p.draft.treatmentType === 'repeat-prescribing' &&
    p.status !== 'rejected' &&
    !(p.draft.reviewDate && p.draft.reviewDate < today);

  async function again(id: string, mode: AgainMode) {
    await form.run(() => onAgain(id, mode));
  }

  return (
    <section aria-labelledby="earlier-title" data-testid="earlier-prescriptions">
      <h2 id="earlier-title" className="nhsuk-heading-s">
        Earlier prescriptions from Scrip
      </h2>
      {form.error ? <ErrorSummary error={form.error} title="Earlier prescriptions could not be read" /> : null}
      {!list ? (
        <p>Looking for earlier prescriptions…</p>
      ) : !list.length ? (
        <p>None written in Scrip for this patient.</p>
      ) : (
        <table className="nhsuk-table">
          <caption className="nhsuk-table__caption nhsuk-u-visually-hidden">
            Earlier prescriptions for this patient
          </caption>
          <thead className="nhsuk-table__head">
            <tr>
              <th scope="col">Signed</th>
              <th scope="col">Items</th>
              <th scope="col">Status</th>
              <th scope="col">
                <span className="nhsuk-u-visually-hidden">Action</span>
              </th>
            </tr>
          </thead>
          <tbody className="nhsuk-table__body">
            {list.map((p) => {
              const items = p.draft.items.map((i) => i.medication.display).join('; ');
              return (
                <tr key={p.id} data-earlier={p.id}>
                  <td>
                    {dayWords(p.signedAt ?? p.updatedAt)}
                    {p.shortFormId ? (
                      <>
                        <br />
                        <span className="scrip-mono nhsuk-body-s">{p.shortFormId}</span>
                      </>
                    ) : null}
                  </td>
                  <td>
                    {items}
                    {p.draft.treatmentType === 'repeat-prescribing' ? (
                      <>
                        <br />
                        <span className="nhsuk-body-s">
                          Repeat{p.draft.reviewDate ? `, review by ${formatDate(p.draft.reviewDate)}` : ''}
                        </span>
                      </>
                    ) : null}
                  </td>
                  <td>{statusWords(p.status).text}</td>
                  <td>
                    {reissuable(p) ? (
                      <button
                        type="button"
                        className="nhsuk-button nhsuk-u-margin-bottom-2"
                        disabled={form.busy}
                        onClick={() => void again(p.id, 'reissue')}
                      >
                        Re-issue<span className="nhsuk-u-visually-hidden"> repeat: {items}</span>
                      </button>
                    ) : null}
                    <button
                      type="button"
                      className="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0"
                      disabled={form.busy}
                      onClick={() => void again(p.id, 'again')}
                    >
                      Prescribe again<span className="nhsuk-u-visually-hidden">: {items}</span>
                    </button>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      )}
    </section>
  );
}
