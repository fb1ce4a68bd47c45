/** A fault injected into one broker's API (or every broker's, with no id). */
export interface Fault {
  latencyMs: number;
  errorRate: number;
}

/**
 * Injected faults and network cuts. A cut splits brokers into groups that cannot reach each
 * other; clients (and the synthetic producer) still reach every broker, as when the network
 * between brokers fails and the one to them does not. A broker named in no group is cut off alone.
 */
export class Faults {
  private readonly perBroker = new Map<number, Fault>();
  private everyBroker: Fault | undefined;
  private groups: number[][] | undefined;
  private groupIndex = new Map<number, number>();

  /** Sets a fault on one broker, or on every broker when `brokerId` is undefined. */
  setFault(brokerId: number | undefined, fault: Fault): void {
    if (brokerId === undefined) this.everyBroker = fault;
    else this.perBroker.set(brokerId, fault);
  }

  /** Clears every fault. */
  clearFaults(): void {
    this.perBroker.clear();
    this.everyBroker = undefined;
  }

  /** The fault in force on a broker: its own, else the one on every broker. */
  faultOf(brokerId: number): Fault | undefined {
    return this.perBroker.get(brokerId) ?? this.everyBroker;
  }

  /** Every fault in force, for `GET /sim/faults`. */
  describeFaults(): { broker_id: number | null; latency_ms: number; error_rate: number }[] {
    const out = [...this.perBroker].map(([id, f]) => ({
      broker_id: id as number | null,
      latency_ms: f.latencyMs,
      error_rate: f.errorRate,
    }));
    if (this.everyBroker) {
      out.push({
        broker_id: null,
        latency_ms: this.everyBroker.latencyMs,
        error_rate: this.everyBroker.errorRate,
      });
    }
    return out;
  }

  /** Cuts the network into groups. */
  cut(groups: number[][]): void {
    this.groups = groups.map((g) => [...g]);
    this.groupIndex = new Map(groups.flatMap((g, i) => g.map((id) => [id, i] as const)));
  }

  /** Heals every cut. */
  heal(): void {
    this.groups = undefined;
    this.groupIndex.clear();
  }

  /** The groups in force, or undefined while the network is whole. */
  currentGroups(): number[][] | undefined {
    return this.groups;
  }

  /** Which side of the cut a broker is on; every broker is on side 0 while the network is whole. */
  sideOf(brokerId: number): string {
    if (!this.groups) return "all";
    const i = this.groupIndex.get(brokerId);
    return i === undefined ? `alone-${brokerId}` : `g${i}`;
  }

  /** Whether two brokers can reach each other. */
  canReach(a: number, b: number): boolean {
    return this.sideOf(a) === this.sideOf(b);
  }
}
