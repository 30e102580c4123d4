import { useEffect, useRef, useState } from 'react';
import type { ReadersView } from '../transport';
import { cardAnnouncements } from '../announce';
import { useEvents } from '../hooks/useEvents';
import { useReaders } from '../hooks/useReaders';
import { SAY_EVENT } from './say';

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
  // Pages announce results (search hits, saves, signing outcomes) through say().
  useEffect(() => {
    const on = (e: Event) => setMessage((e as CustomEvent<string>).detail);
    addEventListener(SAY_EVENT, on);
    return () => removeEventListener(SAY_EVENT, on);
  }, []);
  useEvents((e) => {
    if (e.type === 'session.ended')
      setMessage(e.data.reason === 'card-removed' ? 'Card removed: you are logged out' : 'You are logged out');
    else if (e.type === 'connection.lost') setMessage('Connection to Scrip lost');
    else if (e.type === 'connection.restored') setMessage('Connection to Scrip restored');
  });
  return (
    <div className="scrip-visually-hidden" aria-live="polite" role="status" data-testid="live-region">
      {message}
    </div>
  );
}
