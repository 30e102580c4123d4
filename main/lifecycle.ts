// Stopping what was started, in one place: each service says how it stops (`dispose`), the
// composition root adds them to one store in the order it makes them, and closing the app disposes
// of them newest first, so nothing is stopped while something made after it may still use it.
import { logFailure } from './log';

interface Disposable {
  dispose(): void | Promise<void>;
}

export class DisposableStore implements Disposable {
  readonly #items: Disposable[] = [];
  #disposed = false;

  /** Adds `d` (returned unchanged, so a service can be made and added in one expression). */
  add<T extends Disposable>(d: T): T {
    if (this.#disposed) throw new Error('a service was added after the app was closed');
    this.#items.push(d);
    return d;
  }

  /** Disposes of everything once, newest first; one that fails is logged and the rest still stop. */
  async dispose(): Promise<void> {
    if (this.#disposed) return;
    this.#disposed = true;
    for (const d of this.#items.reverse()) {
      try {
        await d.dispose();
      } catch (e) {
        logFailure('a service failed to stop; the others were stopped')(e);
      }
    }
  }
}

export const toDisposable = (dispose: () => void | Promise<void>): Disposable => ({ dispose });
