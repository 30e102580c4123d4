import { useState } from 'react';
import { useEvents } from '../hooks/useEvents';

/** Says plainly when a session ended, or is about to, and why. */
export function SessionNotices() {
  const [notice, setNotice] = useState<{ kind: 'ended' | 'expiring'; text: string } | null>(null);
  useEvents((e) => {
    if (e.type === 'session.ended') {
      const why = { 'card-removed': 'your card was removed', logout: 'you logged out', timeout: 'the session timed out', 'broker-refused': 'the security broker no longer knows the session' }[e.data.reason];
      setNotice({ kind: 'ended', text: `You have been logged out because ${why}. Your drafts are saved.` });
    } else if (e.type === 'session.expiring') {
      setNotice({ kind: 'expiring', text: `Your session will end at ${new Date(e.data.at).toLocaleTimeString('en-GB')} (${e.data.reason === 'idle' ? 'after a time without activity' : 'its maximum length'}).` });
    } else if (e.type === 'session.changed' && e.data.state === 'role-selected') {
      setNotice(null);
    }
  });
  if (!notice) return null;
  return (
    <div className="nhsuk-notification-banner" role="region" aria-labelledby="session-notice-title" data-testid="session-notice">
      <div className="nhsuk-notification-banner__header"><h2 className="nhsuk-notification-banner__title" id="session-notice-title">{notice.kind === 'ended' ? 'Logged out' : 'Session ending soon'}</h2></div>
      <div className="nhsuk-notification-banner__content"><p className="nhsuk-notification-banner__heading">{notice.text}</p></div>
    </div>
  );
}
