import { useEffect, useRef, useState } from 'react';
import type { ReadersView } from '../../../main/card/reader-state';
import { cardAnnouncements } from '../announce';
import { useEvents } from '../hooks/useEvents';
import { useReaders } from '../hooks/useReaders';

/** Announces card and session events to screen readers (a polite live region). */
export function LiveAnnouncer() {
  const [message, setMessage] = useState('');
  const { value } = useReaders();
  // Compared against the first readers.list answer too, so the first event after load is told right.
  const last = useRef<ReadersView | null>(null);
  useEffect(() => {
    if (!value) return;
    const said = cardAnnouncements(last.current, value);
    last.current = value;
    if (said.length) setMessage(said.join('. '));
  }, [value]);
  useEvents((e) => {
    if (e.type === 'session.ended') setMessage(e.data.reason === 'card-removed' ? 'Card removed: you are logged out' : 'You are logged out');
    else if (e.type === 'connection.lost') setMessage('Connection to Scrip lost');
    else if (e.type === 'connection.restored') setMessage('Connection to Scrip restored');
  });
  return <div className="scrip-visually-hidden" aria-live="polite" role="status" data-testid="live-region">{message}</div>;
}
