/**
 * Counts by name, kept where the work happens (one add per request or per room event, never
 * per delivery) and read when metrics are scraped. Pure bookkeeping: no I/O.
 */
export class Tally<K extends string | number> {
  private readonly counts = new Map<K, number>();

  add(key: K, n = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + n);
  }

  get(key: K): number {
    return this.counts.get(key) ?? 0;
  }

  entries(): IterableIterator<[K, number]> {
    return this.counts.entries();
  }
}
