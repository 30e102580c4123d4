// Where the time of signing and sending goes, added up in milliseconds: waiting on the card,
// waiting on the national services, and all of it. Scrip's own time is the rest (benchmarks).
export class PrescribingTimings {
  card = 0;
  service = 0;
  total = 0;
  reset(): void {
    this.card = this.service = this.total = 0;
  }
}
