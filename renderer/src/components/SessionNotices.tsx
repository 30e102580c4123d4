import { useRef, useState } from 'react';
import { useEvents } from '../hooks/useEvents';
import { timeWords } from '../dates';

const ended: Record<'card-removed' | 'logout' | 'timeout' | 'broker-refused', string> = {
  'card-removed': 'You were logged out because your card was removed. Your drafts are saved.',
  logout: 'You have logged out. Your drafts are saved.',
  timeout: 'You were logged out because the session timed out. Your drafts are saved.',
  'broker-refused':
    'You were logged out because the security broker no longer knows the session. Your drafts are saved.',
};

/**
 * Says plainly when a session ended, or is about to, and why — to the person who was using it:
 * a card put in afterwards is the next person, so the notice goes when a card arrives.
 */
export function SessionNotices() {
  const [notice, setNotice] = useState<{ kind: 'ended' | 'expiring'; text: string } | null>(null);
  const lastState = useRef<string | null>(null);
  useEvents((e) => {
    if (e.type === 'session.ended') {
      setNotice({ kind: 'ended', text: ended[e.data.reason] });
    } else if (
      e.type === 'session.changed' &&
      e.data.state === 'card-present' &&
      (lastState.current === 'no-card' || lastState.current === 'ended')
    ) {
      setNotice(null);
    } else if (e.type === 'session.expiring') {
      setNotice({
        kind: 'expiring',
        text: `Your session will end at ${timeWords(e.data.at)} (${e.data.reason === 'idle' ? 'after a time without activity' : 'its maximum length'}).`,
      });
    } else if (e.type === 'session.changed' && e.data.state === 'role-selected') {
      setNotice(null);
    }
    if (e.type === 'session.changed') lastState.current = e.data.state;
  });
  if (!notice) return null;
  return (
    <div
      className="nhsuk-notification-banner"
      role="region"
      aria-labelledby="session-notice-title"
      data-testid="session-notice"
    >
      <div className="nhsuk-notification-banner__header">
        <h2 className="nhsuk-notification-banner__title" id="session-notice-title">
          {notice.kind === 'ended' ? 'Logged out' : 'Session ending soon'}
        </h2>
      </div>
      <div className="nhsuk-notification-banner__content">
        <p className="nhsuk-notification-banner__heading">{notice.text}</p>
      </div>
    </div>
  );
}
