import { useEffect, useRef } from 'react';
import type { AppEvent } from '../transport';
import { useTransport } from './transport-context';

/** Calls `listener` for every app event while the component is mounted. */
export function useEvents(listener: (e: AppEvent) => void): void {
  const transport = useTransport();
  const ref = useRef(listener);
  ref.current = listener;
  useEffect(() => transport.on((e) => ref.current(e)), [transport]);
}
