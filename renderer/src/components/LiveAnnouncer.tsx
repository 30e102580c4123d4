import { useEffect, useRef, useState } from 'react';
import { useEvents } from '../hooks/useEvents';
import { useReaders } from '../hooks/useReaders';

/** Announces card events to screen readers (a polite live region). */
export function LiveAnnouncer() {
  const [message, setMessage] = useState('');
  const { value } = useReaders();
  const last = useRef<Map<string, boolean> | null>(null);
  useEffect(() => {
    if (!value) return;
    const said: string[] = [];
    const before = last.current;
    const now = new Map(value.readers.map((r) => [r.name, r.present]));
    if (before) {
      for (const [name, present] of now) {
        if (before.has(name) && before.get(name) !== present) said.push(present ? `Card inserted in ${name}` : `Card removed from ${name}`);
      }
    }
    last.current = now;
    if (value.service === 'stopped') said.push('The smartcard service has stopped');
    if (said.length) setMessage(said.join('. '));
  }, [value]);
  useEvents((e) => {
    if (e.type === 'session.ended') setMessage(e.data.reason === 'card-removed' ? 'Card removed: you are logged out' : 'You are logged out');
  });
  return <div className="scrip-visually-hidden" aria-live="polite" role="status" data-testid="live-region">{message}</div>;
}
