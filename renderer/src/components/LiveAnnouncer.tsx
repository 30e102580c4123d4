import { useRef, useState } from 'react';
import type { ReaderState } from '../../../main/card/reader-state';
import { useEvents } from '../hooks/useEvents';

/** Announces card events to screen readers (a polite live region). */
export function LiveAnnouncer() {
  const [message, setMessage] = useState('');
  const last = useRef(new Map<string, boolean>());
  useEvents((e) => {
    if (e.type === 'reader.changed') {
      const said: string[] = [];
      for (const r of e.data.readers as ReaderState[]) {
        const before = last.current.get(r.name);
        if (before !== undefined && before !== r.present) said.push(r.present ? `Card inserted in ${r.name}` : `Card removed from ${r.name}`);
        last.current.set(r.name, r.present);
      }
      if (e.data.service === 'stopped') said.push('The smartcard service has stopped');
      if (said.length) setMessage(said.join('. '));
    } else if (e.type === 'session.ended') {
      setMessage(e.data.reason === 'card-removed' ? 'Card removed: you are logged out' : 'You are logged out');
    }
  });
  return <div className="scrip-visually-hidden" aria-live="polite" role="status" data-testid="live-region">{message}</div>;
}
