// One typed event bus in main; the IPC bridge and the SSE endpoint forward what it emits.
import { EventEmitter } from 'node:events';
import { z } from 'zod';
import { readerState } from './card/reader-state';

export const eventSchemas = {
  'reader.changed': z.object({ readers: z.array(readerState), service: z.enum(['running', 'stopped']) }).describe('A reader was attached or detached, or a card inserted or removed.'),
} as const;

export type EventName = keyof typeof eventSchemas;
export type EventPayload<N extends EventName> = z.infer<(typeof eventSchemas)[N]>;
export interface ScripEvent<N extends EventName = EventName> { type: N; at: string; data: EventPayload<N> }

export class EventBus {
  readonly #emitter = new EventEmitter();
  constructor() { this.#emitter.setMaxListeners(0); }
  emit<N extends EventName>(type: N, data: EventPayload<N>): void {
    const event: ScripEvent<N> = { type, at: new Date().toISOString(), data };
    this.#emitter.emit('event', event);
  }
  /** Listens to every event; returns the function that stops listening. */
  subscribe(listener: (e: ScripEvent) => void): () => void {
    this.#emitter.on('event', listener);
    return () => this.#emitter.off('event', listener);
  }
}
