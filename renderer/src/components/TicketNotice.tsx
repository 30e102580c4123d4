import { useState } from 'react';
import { useEvents } from '../hooks/useEvents';
import { timeWords } from '../dates';
import { href } from '../routes';

/** On every page: a program was given the session, or asks for it, as it happens. */
export function TicketNotice() {
  const [notice, setNotice] = useState<{ text: string; asked: boolean } | null>(null);
  useEvents((e) => {
    if (e.type === 'session.ticket')
      setNotice({ text: `Your session was given to ${e.data.to} at ${timeWords(e.data.at)}.`, asked: false });
    if (e.type === 'session.ticket-asked') setNotice({ text: `${e.data.to} asks for your session.`, asked: true });
  });
  if (!notice) return null;
  return (
    <div className="nhsuk-inset-text" role="status" data-testid="ticket-notice">
      <p>
        {notice.text} <a href={href('api-keys')}>{notice.asked ? 'Allow it or not' : 'Who has my session'}</a>
      </p>
      <button
        className="nhsuk-button nhsuk-button--secondary nhsuk-u-margin-bottom-0"
        type="button"
        onClick={() => setNotice(null)}
      >
        Dismiss
      </button>
    </div>
  );
}
