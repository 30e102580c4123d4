// One typed event bus in main; the IPC bridge and the SSE endpoint forward what it emits.
import { EventEmitter } from 'node:events';
import type { EventName, EventPayload, ScripEvent } from './event-types';

export { eventSchemas, type EventName, type EventPayload, type ScripEvent } from './event-types';

export class EventBus {
  readonly #emitter = new EventEmitter();
  constructor() {
    this.#emitter.setMaxListeners(0);
  }
  emit<N extends EventName>(type: N, data: EventPayload<N>): void {
    const event = { type, at: new Date().toISOString(), data } as ScripEvent;
    this.#emitter.emit('event', event);
  }
  /** Listens to every event; returns the function that stops listening. */
  subscribe(listener: (e: ScripEvent) => void): () => void {
    this.#emitter.on('event', listener);
    return () => this.#emitter.off('event', listener);
  }
}
