import type { EngineEvent } from "@pulumi/pulumi/automation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { RestartsResponse } from "../../sim";
import type { TestSim } from "../integration/helpers/sim";
import { createE2EStack, type E2EStack } from "./harness";
import { expectIntact, membersIn, startEmptySim, upWithOutput } from "./membership-helpers";
import {
  changedResources,
  changedValues,
  curl,
  requestCount,
  declare,
  type Settings,
} from "./settings-helpers";

/**
 * The live settings as resources, through the `pulumi` CLI and the Node.js language host: one
 * `pulumi up` from an empty emulator brings members, config, quotas and topics; a second preview
 * shows nothing to do; a retention change is one `PUT /admin/config`; changes made by hand with
 * the admin API show on `pulumi refresh --preview-only` and `pulumi up --refresh` undoes them.
 * Steps run in order on one stack and one emulator.
 */
const SETTINGS: Settings = {
  retention: { maxBytes: "50GB", maxAge: "3d" },
  compaction: { enabled: true, interval: "30m", targetSize: "10GB" },
  storage: { flushInterval: "2s" },
  network: { compression: false },
  quotas: { default: { produceRate: 5000 }, clients: { billing: { produceRate: 500, consumeRate: 900 } } },
  topics: [
    { name: "events", partitions: 6, allowDelete: true },
    {
      name: "audit",
      partitions: 3,
      replicationFactor: 2,
      cleanupPolicy: "compact",
      retention: { maxAge: "30d" },
      allowDelete: true,
    },
  ],
};

/** The topics of SETTINGS with events' partitions at `n`. */
const withEvents = (n: number) =>
  SETTINGS.topics!.map((x) => (x.name === "events" ? { ...x, partitions: n } : x));

describe("pulumi up owns the live settings", () => {
  let t: TestSim;
  let e2e: E2EStack;
  const set = (s: Settings) => declare(e2e, t, s);

  beforeAll(async () => {
    t = await startEmptySim({ topics: [] });
    e2e = await createE2EStack("settings");
  });
  afterAll(async () => {
    // Every topic says allowDelete: true, so the cleanup's destroy may delete them.
    await e2e?.cleanup();
    await t?.stop();
  }, 240_000);

  it("from an empty emulator, one up creates members, config, quotas and topics as declared", async () => {
    await set(SETTINGS);
    const up = await upWithOutput(e2e);
    expect(up.ok, up.text).toBe(true);
    expect(await membersIn(t)).toEqual([1, 2, 3]);
    const config = await curl(t, "GET", "/admin/config");
    expect(config).toMatchObject({
      retention: { max_bytes: 50 * 2 ** 30, max_age_s: 3 * 86_400 },
      compaction: { enabled: true, interval_s: 1_800, target_size_bytes: 10 * 2 ** 30 },
      storage: { flush_interval_ms: 2_000 },
      network: { compression: false },
    });
    expect(await curl(t, "GET", "/admin/quotas")).toMatchObject({
      default: { produce_rate: 5000 },
      clients: { billing: { produce_rate: 500, consume_rate: 900 } },
    });
    const { topics } = await curl(t, "GET", "/admin/topics");
    expect(topics.map((x: { name: string }) => x.name).sort()).toEqual(["audit", "events"]);
    const audit = topics.find((x: { name: string }) => x.name === "audit");
    expect(audit).toMatchObject({
      partitions: 3,
      replication_factor: 2,
      config: { cleanup_policy: "compact", retention_ms: 30 * 86_400_000 },
    });
    expect(await e2e.readStateFile()).not.toContain("sb-e2e-membership-token");
    await expectIntact(t);
  }, 180_000);

  it("a second preview right after up has nothing to do, for every resource type", async () => {
    const events: EngineEvent[] = [];
    const preview = await e2e.stack.preview({ onEvent: (e) => events.push(e) });
    expect(Object.keys(preview.changeSummary)).toEqual(["same"]);
    const ops = new Map<string, Set<string>>();
    for (const e of events) {
      const meta = e.resourcePreEvent?.metadata;
      if (meta)
        ops.set(
          meta.type.split(":").pop()!,
          (ops.get(meta.type.split(":").pop()!) ?? new Set()).add(meta.op),
        );
    }
    for (const type of [
      "ClusterConfig",
      "ClusterQuotas",
      "Topic",
      "ClusterMembership",
      "LocalBroker",
      "LocalFile",
    ])
      expect([type, [...(ops.get(type) ?? [])]]).toEqual([type, ["same"]]);
  }, 120_000);

  it("retention changed in the stack: preview --diff shows that field alone; up sends one PUT /admin/config and restarts no broker", async () => {
    await set({ ...SETTINGS, retention: { maxBytes: "50GB", maxAge: "5d" } });
    const preview = await e2e.pulumi("preview", "--diff");
    expect(preview.code, preview.stderr).toBe(0);
    expect(changedResources(preview.stdout)).toEqual(["update streambus-cluster-config"]);
    expect(changedValues(preview.stdout)).toEqual([
      expect.stringMatching(/maxAge\s*:\s*259200000\s*=>\s*432000000/),
    ]);
    await t.control("DELETE", "/sim/requests");
    const up = await upWithOutput(e2e);
    expect(up.ok, up.text).toBe(true);
    expect(await requestCount(t, "PUT", "/admin/config")).toBe(1);
    expect((await curl(t, "GET", "/admin/config")).retention.max_age_s).toBe(5 * 86_400);
    // A live setting: no broker restarted (the emulator logs every restart).
    expect(RestartsResponse.parse(await t.control("GET", "/sim/restarts")).restarts).toEqual([]);
  }, 120_000);

  it("quotas, retention and partitions changed by hand: refresh --preview-only shows those three; the next preview says to raise the partitions; up --refresh restores the rest", async () => {
    await curl(t, "POST", "/admin/quotas", {
      default: { produce_rate: 1 },
      clients: { billing: { produce_rate: 500, consume_rate: 900 }, adhoc: { produce_rate: 7 } },
    });
    const live = await curl(t, "GET", "/admin/config");
    await curl(t, "PUT", "/admin/config", { ...live, retention: { ...live.retention, max_age_s: 3_600 } });
    await curl(t, "PUT", "/admin/topics/events", { partitions: 8, replication_factor: 3, config: {} });

    const refresh = await e2e.pulumi("refresh", "--preview-only", "--diff");
    expect(refresh.code, refresh.stdout + refresh.stderr).toBe(0);
    expect(changedResources(refresh.stdout)).toEqual([
      "update streambus-cluster-config",
      "update streambus-quotas",
      "update streambus-topic-events",
    ]);
    expect(refresh.stdout).toMatch(/produceRate\s*:\s*5000\s*=>\s*1\b/);
    expect(refresh.stdout).toMatch(/maxAge\s*:\s*432000000\s*=>\s*3600000\b/);
    expect(refresh.stdout).toMatch(/partitions\s*:\s*6\s*=>\s*8\b/);

    // Partitions cannot shrink: the preview says what to declare, before anything is written.
    const preview = await e2e.pulumi("preview");
    expect(preview.code).not.toBe(0);
    expect(preview.stdout + preview.stderr).toMatch(
      /streambus:topics \(name: events\)\.partitions: is 6, but topic "events" has 8 partitions \(in the live cluster\).*raise it to 8 or more/,
    );

    await set({ ...SETTINGS, retention: { maxBytes: "50GB", maxAge: "5d" }, topics: withEvents(8) });
    const up = await e2e.pulumi("up", "--refresh", "--yes");
    expect(up.code, up.stdout + up.stderr).toBe(0);
    // The default quota and the retention are back; a client no stack declares keeps its quota and is named.
    expect(await curl(t, "GET", "/admin/quotas")).toMatchObject({
      default: { produce_rate: 5000 },
      clients: { billing: { produce_rate: 500, consume_rate: 900 }, adhoc: { produce_rate: 7 } },
    });
    expect(up.stdout).toMatch(/no stack declares.*adhoc/);
    expect((await curl(t, "GET", "/admin/config")).retention.max_age_s).toBe(5 * 86_400);
  }, 180_000);
});
