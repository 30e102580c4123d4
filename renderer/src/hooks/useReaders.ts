import { createContext, createElement, useContext, useMemo, type ReactNode } from 'react';
import type { ReadersView } from '../transport';
import type { CommandError } from '../transport';
import { useLive } from './useLive';

interface LiveReaders {
  value: ReadersView | null;
  error: CommandError | null;
  reload: () => void;
}

// One live readers list for the whole page (card bar, panels, live region), so `readers.list`
// is asked once and every part shows the same snapshot.
const ReadersContext = createContext<LiveReaders | null>(null);

export function ReadersProvider({ children }: { children: ReactNode }) {
  const { value, error, reload } = useLive('readers.list', (e) => (e.type === 'reader.changed' ? e.data : undefined));
  const live = useMemo(() => ({ value, error, reload }), [value, error, reload]);
  return createElement(ReadersContext.Provider, { value: live }, children);
}

export function useReaders(): LiveReaders {
  const live = useContext(ReadersContext);
  if (!live) throw new Error('No readers: wrap the app in <ReadersProvider>.');
  return live;
}
