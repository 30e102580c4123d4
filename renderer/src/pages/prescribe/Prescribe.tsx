// The prescription pad: one thing per page, each page a hash under #/prescribe/<draft id>/….
import { useHash } from '../../hooks/useHash';
import { padRoute } from '../../prescribing/nav';
import { DraftProvider, useDraft } from '../../prescribing/useDraft';
import { ErrorSummary } from '../../components/ErrorSummary';
import { SessionNotices } from '../../components/SessionNotices';
import { StartPage } from './StartPage';
import { FindPatient } from './FindPatient';
import { SearchPatient } from './SearchPatient';
import { ConfirmPatient } from './ConfirmPatient';
import { PatientBanner } from './PatientBanner';
import { ItemsPage } from './ItemsPage';
import { ItemEditor } from './ItemEditor';
import { ReviewPage } from './ReviewPage';
import { SentPage } from './SentPage';

export function Prescribe() {
  const route = padRoute(useHash());
  // Pulling the card mid-prescription says so here too; the draft is saved either way.
  if (route.page === 'start')
    return (
      <>
        <SessionNotices />
        <StartPage />
      </>
    );
  return (
    <DraftProvider id={route.id} key={route.id}>
      <SessionNotices />
      <PadPage page={route.page} lineId={route.lineId} />
    </DraftProvider>
  );
}

function PadPage({
  page,
  lineId,
}: {
  page: Exclude<ReturnType<typeof padRoute>['page'], 'start'>;
  lineId: string | undefined;
}) {
  const { record, error } = useDraft();
  if (error) return <ErrorSummary error={error} title="This prescription could not be opened" />;
  if (!record) return <p>Opening the prescription…</p>;
  // Who it is for, on every step once a patient is chosen (the patient pages show the details in full).
  const banner =
    record.draft.patient && !['patient', 'patient-search', 'confirm'].includes(page) ? (
      <PatientBanner patient={record.draft.patient} />
    ) : null;
  return (
    <>
      {banner}
      <PadStep page={page} lineId={lineId} status={record.status} />
    </>
  );
}

function PadStep({
  page,
  lineId,
  status,
}: {
  page: Exclude<ReturnType<typeof padRoute>['page'], 'start'>;
  lineId: string | undefined;
  status: string;
}) {
  // A signed prescription can only be looked at, never changed.
  if (status !== 'draft' && page !== 'sent') return <SentPage />;
  switch (page) {
    case 'patient':
      return <FindPatient />;
    case 'patient-search':
      return <SearchPatient />;
    case 'confirm':
      return <ConfirmPatient />;
    case 'treatment':
      return <ItemsPage focus="treatment" />;
    case 'items':
      return <ItemsPage />;
    case 'item':
      return <ItemEditor key={lineId} lineId={lineId ?? 'new'} />;
    case 'review':
      return <ReviewPage />;
    case 'sent':
      return <SentPage />;
  }
}
