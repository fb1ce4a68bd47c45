import { describe, expect, it } from "vitest";
import type { Member, Partition } from "./contract";
import { balanceOf, describeBalance, diskOf } from "./facts";
import { parsePrometheusText } from "./metrics/prometheus";

const p = (partition: number, replicas: number[]): Partition => ({
  topic: "events",
  partition,
  leader: replicas[0] ?? null,
  replicas,
  isr: replicas,
  size_bytes: 1,
  log_end_offset: 1,
});

describe("balanceOf", () => {
  it("is balanced when replica counts are within one", () => {
    const b = balanceOf([p(0, [1, 2, 3]), p(1, [2, 3, 4]), p(2, [3, 4, 1])], [1, 2, 3, 4]);
    expect(b.replicas).toEqual({ 1: 2, 2: 2, 3: 3, 4: 2 });
    expect(b.leaders).toEqual({ 1: 1, 2: 1, 3: 1, 4: 0 });
    expect(b.balanced).toBe(true);
  });

  it("is unbalanced when a new broker holds nothing", () => {
    const b = balanceOf([p(0, [1, 2, 3]), p(1, [1, 2, 3])], [1, 2, 3, 4]);
    expect(b.spread).toBe(2);
    expect(b.balanced).toBe(false);
  });

  it("is unbalanced while a broker outside the set still holds replicas", () => {
    expect(balanceOf([p(0, [1, 2, 4])], [1, 2, 3]).balanced).toBe(false);
  });
});

describe("diskOf", () => {
  it("computes percent used from the gauges", () => {
    const s = parsePrometheusText('disk_free_bytes{broker_id="1"} 55\ndisk_total_bytes{broker_id="1"} 100\n');
    expect(diskOf(1, s)).toEqual({ brokerId: 1, freeBytes: 55, totalBytes: 100, usedPercent: 45 });
    expect(diskOf(1, parsePrometheusText("raft_term 1\n"))).toBeUndefined();
  });
});

describe("describeBalance", () => {
  const member = (broker_id: number, state: Member["state"]): Member => ({
    broker_id,
    address: `b${broker_id}:9092`,
    admin_url: `http://b${broker_id}:8080`,
    rack: null,
    state,
    raft_role: "follower",
    partitions: 0,
    last_heartbeat_ms: 0,
  });

  it("names an offline broker that still holds replicas, not equal counts as unbalanced", () => {
    const parts = [p(0, [1, 2, 3]), p(1, [1, 2, 3])];
    const b = balanceOf(parts, [1, 2]);
    const words = describeBalance(b, [member(1, "active"), member(2, "active"), member(3, "offline")]);
    expect(words).toBe("broker-3 (offline) still holds 2 replicas");
  });

  it("gives the active members' counts when they differ by more than one", () => {
    const b = balanceOf([p(0, [1, 2, 3]), p(1, [1, 2, 3])], [1, 2, 3, 4]);
    expect(describeBalance(b, [])).toBe(
      "unbalanced: broker-1 2, broker-2 2, broker-3 2, broker-4 0 replicas (spread 2, at most 1)",
    );
    expect(describeBalance(balanceOf([p(0, [1, 2, 3])], [1, 2, 3]), [])).toBe("balanced");
  });
});
