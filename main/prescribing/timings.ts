// Where the time of signing and sending goes, added up in milliseconds: waiting on the card,
// waiting on the national services, and all of it. Scrip's own time is the rest (benchmarks).
import { performance } from 'node:perf_hooks';

export class PrescribingTimings {
  card = 0;
  service = 0;
  total = 0;
  /** Runs a call to a national service, adding its time to `service`. */
  async onService<T>(f: () => Promise<T>): Promise<T> {
    const t0 = performance.now();
    try {
      return await f();
    } finally {
      this.service += performance.now() - t0;
    }
  }
  reset(): void {
    this.card = this.service = this.total = 0;
  }
}
