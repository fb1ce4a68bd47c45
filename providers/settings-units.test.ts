import { describe, expect, it } from "vitest";
import {
  CONFIG_FIELDS,
  QUOTA_FIELDS,
  TOPIC_FIELDS,
  badValue,
  changedKeys,
  fromContract,
  sameValue,
  toContract,
} from "./settings-units";

/** The one mapping between the stack's units and the contract's, as a pure function pair. */
const STACK = {
  retention: { maxBytes: 100 * 2 ** 30, maxAge: 7 * 86_400_000 },
  compaction: { enabled: true, interval: 3_600_000, targetSize: 50 * 2 ** 30 },
  storage: { flushInterval: 5_000 },
  network: { compression: true },
};
const CONTRACT = {
  retention: { max_bytes: 107374182400, max_age_s: 604800 },
  compaction: { enabled: true, interval_s: 3600, target_size_bytes: 53687091200 },
  storage: { flush_interval_ms: 5000 },
  network: { compression: true },
};

describe("settings units", () => {
  it("turns the stack's settings into the contract's example, and back", () => {
    expect(toContract(CONFIG_FIELDS, STACK)).toEqual(CONTRACT);
    expect(fromContract(CONFIG_FIELDS, CONTRACT, STACK)).toEqual(STACK);
  });

  it("writes the declared fields over what the cluster holds, and drops a read's stale flag", () => {
    const live = { ...CONTRACT, stale: false, extra: { kept: 1 } };
    const body = toContract(CONFIG_FIELDS, { retention: { maxAge: 86_400_000 } }, live);
    expect(body).toEqual({
      ...CONTRACT,
      retention: { max_bytes: 107374182400, max_age_s: 86400 },
      extra: { kept: 1 },
    });
    expect(live.retention.max_age_s).toBe(604800); // the read is not changed
  });

  it("reads only what is declared: a value the broker echoes or adds is left out; a declared one it lacks is null", () => {
    const echoed = {
      name: "t",
      partitions: 6,
      replication_factor: 3,
      config: { retention_ms: 1, retention_bytes: 2, cleanup_policy: "delete" },
    };
    expect(
      fromContract(TOPIC_FIELDS, echoed, { partitions: 6, replicationFactor: 3, cleanupPolicy: "delete" }),
    ).toEqual({
      partitions: 6,
      replicationFactor: 3,
      cleanupPolicy: "delete",
    });
    expect(fromContract(QUOTA_FIELDS, {}, { produceRate: 5 })).toEqual({ produceRate: null });
  });

  it("names the changed keys of either side, whatever the key order", () => {
    expect(
      changedKeys(CONFIG_FIELDS, STACK, {
        ...STACK,
        retention: { maxAge: 1000, maxBytes: STACK.retention.maxBytes },
      }),
    ).toEqual(["retention.maxAge"]);
    expect(changedKeys(TOPIC_FIELDS, { partitions: 1, retention: { maxAge: 5 } }, { partitions: 1 })).toEqual(
      ["retention.maxAge"],
    );
    expect(sameValue({ a: 1, b: { c: 2, d: 3 } }, { b: { d: 3, c: 2 }, a: 1 })).toBe(true);
  });

  it("refuses what the contract cannot hold", () => {
    const [maxAge] = CONFIG_FIELDS.filter((f) => f.key === "retention.maxAge");
    expect(badValue(maxAge!, 1500)).toMatch(/whole number of seconds/);
    expect(badValue(maxAge!, 2000)).toBeUndefined();
    expect(badValue(QUOTA_FIELDS[0]!, -1)).toMatch(/at least 0/);
    expect(badValue(QUOTA_FIELDS[0]!, 1.5)).toMatch(/whole number/);
    expect(
      badValue(
        TOPIC_FIELDS.find((f) => f.kind === "policy")!,
        "archive",
      ),
    ).toMatch(/"delete" or "compact"/);
  });
});
