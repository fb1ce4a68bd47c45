/**
 * Counts the admin API requests each broker served, by method and path (`GET /sim/requests`):
 * tests bound how many calls a procedure costs (status polls of a long wait, rebalance starts).
 */
export class RequestCounter {
  private readonly counts = new Map<
    string,
    { broker_id: number; method: string; path: string; count: number }
  >();

  /** Counts one request (its path without the query). */
  record(brokerId: number, method: string, path: string): void {
    const key = `${brokerId} ${method} ${path}`;
    const entry = this.counts.get(key) ?? { broker_id: brokerId, method, path, count: 0 };
    entry.count += 1;
    this.counts.set(key, entry);
  }

  /** Every count, sorted by path, method and broker, with the total. */
  describe(): {
    total: number;
    requests: Array<{ broker_id: number; method: string; path: string; count: number }>;
  } {
    const requests = [...this.counts.values()]
      .map((e) => ({ ...e }))
      .sort(
        (a, b) =>
          a.path.localeCompare(b.path) || a.method.localeCompare(b.method) || a.broker_id - b.broker_id,
      );
    return { total: requests.reduce((s, e) => s + e.count, 0), requests };
  }

  /** Starts counting from zero. */
  reset(): void {
    this.counts.clear();
  }
}
