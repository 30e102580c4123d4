// One draft prescription for the pages of the pad: read once, changed locally at once, saved to
// Scrip on every change (debounced, one save at a time, always the newest), problems read back.
import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import { asCommandError, type CommandError, type CommandOutput } from '../transport';
import { useTransport } from '../hooks/transport-context';
import { useEvents } from '../hooks/useEvents';
import type { DraftContent } from './rx-words';

/** The draft's record as prescription.get answers it, with the draft's problems. */
type RxRecord = CommandOutput<'prescription.get'>;

export type SaveState = 'saved' | 'waiting' | 'saving' | 'failed';

interface DraftApi {
  record: RxRecord | null;
  error: CommandError | null;
  saveError: CommandError | null;
  saveState: SaveState;
  /** Applies a change at once and saves it shortly after. */
  change(update: (d: DraftContent) => DraftContent): void;
  /** Saves now what is waiting; resolves with the newest record (and its problems). */
  flush(): Promise<RxRecord | null>;
  reload(): void;
  /** Throws the draft away (prescription.discard); nothing waiting is saved after it. */
  discard(): Promise<void>;
}

const DraftContext = createContext<DraftApi | null>(null);
const SAVE_AFTER_MS = 400;
const RETRY_MS = 3000;

export function DraftProvider({ id, children }: { id: string; children: ReactNode }) {
  const transport = useTransport();
  const [record, setRecord] = useState<RxRecord | null>(null);
  const [error, setError] = useState<CommandError | null>(null);
  const [saveError, setSaveError] = useState<CommandError | null>(null);
  const [saveState, setSaveState] = useState<SaveState>('saved');
  const pending = useRef<DraftContent | null>(null);
  const timer = useRef<ReturnType<typeof setTimeout> | null>(null);
  const chain = useRef<Promise<RxRecord | null>>(Promise.resolve(null));
  const latest = useRef<RxRecord | null>(null);
  const saveNowRef = useRef<() => Promise<RxRecord | null>>(() => Promise.resolve(null));

  const reload = useCallback(() => {
    transport.invoke('prescription.get', { id }).then(
      (r) => {
        // A change typed meanwhile wins over what was read.
        const merged = pending.current ? { ...r, draft: pending.current } : r;
        latest.current = merged;
        setRecord(merged);
        setError(null);
      },
      (e: unknown) => setError(asCommandError(e)),
    );
  }, [transport, id]);
  useEffect(reload, [reload]);

  const saveNow = useCallback((): Promise<RxRecord | null> => {
    if (timer.current) {
      clearTimeout(timer.current);
      timer.current = null;
    }
    chain.current = chain.current.then(async () => {
      const draft = pending.current;
      if (!draft) return latest.current;
      pending.current = null;
      setSaveState('saving');
      try {
        await transport.invoke('prescription.update', { id, draft });
        const r = await transport.invoke('prescription.get', { id });
        const merged = pending.current ? { ...r, draft: pending.current } : r;
        latest.current = merged;
        setRecord(merged);
        setSaveError(null);
        setSaveState(pending.current ? 'waiting' : 'saved');
        return merged;
      } catch (e) {
        // Keep the change so the next save sends it again; nothing typed is lost.
        pending.current ??= draft;
        setSaveError(asCommandError(e));
        setSaveState('failed');
        // Gone or signed meanwhile (another window): there is nothing to save it to, so stop trying.
        const code = asCommandError(e).body.code;
        if (code === 'not-found' || code === 'bad-state') {
          pending.current = null;
          return latest.current;
        }
        if (!timer.current)
          timer.current = setTimeout(() => {
            timer.current = null;
            void saveNowRef.current();
          }, RETRY_MS);
        return latest.current;
      }
    });
    return chain.current;
  }, [transport, id]);
  saveNowRef.current = saveNow;

  const change = useCallback(
    (update: (d: DraftContent) => DraftContent) => {
      const base = pending.current ?? latest.current?.draft;
      if (!base) return;
      const next = update(base);
      pending.current = next;
      if (latest.current) {
        latest.current = { ...latest.current, draft: next };
        setRecord(latest.current);
      }
      setSaveState('waiting');
      if (timer.current) clearTimeout(timer.current);
      timer.current = setTimeout(() => {
        void saveNow();
      }, SAVE_AFTER_MS);
    },
    [saveNow],
  );

  const discard = useCallback(async () => {
    if (timer.current) {
      clearTimeout(timer.current);
      timer.current = null;
    }
    pending.current = null;
    await chain.current;
    await transport.invoke('prescription.discard', { id });
  }, [transport, id]);

  // Leaving the pad saves what is waiting.
  useEffect(
    () => () => {
      if (pending.current) void saveNow();
    },
    [saveNow],
  );
  useEffect(() => {
    const before = () => {
      if (pending.current) void saveNow();
    };
    addEventListener('pagehide', before);
    return () => removeEventListener('pagehide', before);
  }, [saveNow]);

  useEvents((e) => {
    if (e.type === 'prescription.changed' && e.data.id === id && e.data.status !== 'draft') reload();
    if (e.type === 'connection.restored') {
      if (pending.current) void saveNow();
      else reload();
    }
  });

  const api = useMemo<DraftApi>(
    () => ({ record, error, saveError, saveState, change, flush: saveNow, reload, discard }),
    [record, error, saveError, saveState, change, saveNow, reload, discard],
  );
  return <DraftContext.Provider value={api}>{children}</DraftContext.Provider>;
}

export function useDraft(): DraftApi {
  const d = useContext(DraftContext);
  if (!d) throw new Error('No draft: wrap the page in <DraftProvider>.');
  return d;
}
