/**
 * The live-settings providers against the emulator, step by step: a write never starts from a
 * stale read, the quotas' read-modify-write keeps what the stack does not own, and nothing is
 * written when the cluster already holds the declared values.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { provider as configProvider, type ClusterConfigInputs } from "../../../providers/cluster-config";
import { provider as quotasProvider, type ClusterQuotasOutputs } from "../../../providers/cluster-quotas";
import { provider as topicProvider, type TopicInputs } from "../../../providers/topic";
import type { TestSim } from "../helpers/sim";
import { TOKEN, capture, configureToken, startProviderSim } from "./helpers";

let t: TestSim;
beforeAll(async () => {
  t = await startProviderSim({ brokers: 3, topics: [] });
  // Each provider module keeps the stack's config from its own `configure`.
  for (const p of [configProvider, quotasProvider, topicProvider]) await p.configure!({ config: config() });
  await configureToken(TOKEN);
});
afterAll(() => t.stop());

function config() {
  return { get: (k: string) => (k === "streambus:adminToken" ? TOKEN : undefined), require: () => TOKEN };
}

const urls = (...ids: number[]) => Object.fromEntries(ids.map((id) => [String(id), t.sim.brokerUrl(id)]));

const CONFIG: ClusterConfigInputs = {
  adminUrls: {},
  retention: { maxBytes: 100 * 2 ** 30, maxAge: 7 * 86_400_000 },
  compaction: { enabled: true, interval: 3_600_000, targetSize: 50 * 2 ** 30 },
  storage: { flushInterval: 5_000 },
  network: { compression: true },
};

async function count(method: string, path: string): Promise<number> {
  const { requests } = await t.requests();
  return requests.filter((r) => r.method === method && r.path === path).reduce((n, r) => n + r.count, 0);
}

describe("cluster config", () => {
  it("writes nothing when the cluster already holds the declared values (the emulator's defaults here)", async () => {
    await t.control("DELETE", "/sim/requests");
    const { result } = await capture(() => configProvider.create({ ...CONFIG, adminUrls: urls(1, 2, 3) }));
    expect(result?.outs).toMatchObject({ retention: CONFIG.retention });
    expect(await count("PUT", "/admin/config")).toBe(0);
  });

  it("never writes from a stale read: through a broker cut off from the leader it waits, then writes once", async () => {
    const leader = (await t.cluster({ token: TOKEN }).refresh()).leader_id!;
    const cutOff = [1, 2, 3].find((id) => id !== leader)!;
    await t.cut([[cutOff], [1, 2, 3].filter((id) => id !== cutOff)]);
    await t.control("DELETE", "/sim/requests");
    const news = { ...CONFIG, adminUrls: urls(cutOff), network: { compression: false } };
    const pending = configProvider.update!("cluster-config", { ...CONFIG, adminUrls: urls(cutOff) }, news);
    await new Promise((r) => setTimeout(r, 1_500));
    // Reads came back stale (no leader on that side): not one write was tried.
    expect(await count("GET", "/admin/config")).toBeGreaterThan(1);
    expect(await count("PUT", "/admin/config")).toBe(0);
    await t.heal();
    const { outs } = await pending;
    expect(outs?.network).toEqual({ compression: false });
    expect(await count("PUT", "/admin/config")).toBe(1);
  });
});

describe("quotas", () => {
  it("sets the declared entries whole, drops the clients it declared before, leaves the others", async () => {
    const admin = t.cluster({ token: TOKEN }).admin;
    await admin.setQuotas({ default: { consume_rate: 3 }, clients: { adhoc: { produce_rate: 7 } } });
    const first = (
      await quotasProvider.create({
        adminUrls: urls(1, 2, 3),
        default: { produceRate: 100 },
        clients: { billing: { produceRate: 5 }, reports: { consumeRate: 9 } },
      })
    ).outs as ClusterQuotasOutputs;
    expect(await admin.quotas()).toMatchObject({
      default: { produce_rate: 100 }, // whole: the consume rate set by hand is gone
      clients: { adhoc: { produce_rate: 7 }, billing: { produce_rate: 5 }, reports: { consume_rate: 9 } },
    });
    expect((await admin.quotas()).default).toEqual({ produce_rate: 100 });
    await quotasProvider.update!("quotas", first, {
      adminUrls: urls(1, 2, 3),
      default: { produceRate: 100 },
      clients: { billing: { produceRate: 6 } },
    });
    const live = await admin.quotas();
    expect(Object.keys(live.clients).sort()).toEqual(["adhoc", "billing"]);
    expect(live.clients.billing).toEqual({ produce_rate: 6 });
  });
});

describe("topic", () => {
  const topic: TopicInputs = {
    adminUrls: {},
    name: "orders",
    partitions: 4,
    replicationFactor: 3,
    cleanupPolicy: "delete",
    allowDelete: false,
    timeoutMs: 10_000,
  };

  it("writes only the declared config: the cluster's retention the broker echoes is not pinned on the topic", async () => {
    const { outs } = await topicProvider.create({ ...topic, adminUrls: urls(1, 2, 3) });
    expect(outs).not.toHaveProperty("retention");
    await t.cluster({ token: TOKEN }).admin.putConfig({
      retention: { max_bytes: 2 ** 30, max_age_s: 3_600 },
      compaction: { enabled: true, interval_s: 3_600, target_size_bytes: 2 ** 29 },
      storage: { flush_interval_ms: 5_000 },
      network: { compression: true },
    });
    const read = await topicProvider.read!("orders", outs);
    expect(read.props).toEqual(outs); // the echoed retention changed, the declared fields did not
  });

  it("grows partitions through an update; fewer is refused at diff, naming the key and the count to declare", async () => {
    const olds = { ...topic, adminUrls: urls(1, 2, 3) };
    await topicProvider.check!(olds, olds); // the program's inputs pass check before diff
    const { outs } = await topicProvider.update!("orders", olds, { ...olds, partitions: 6 });
    expect(outs?.partitions).toBe(6);
    const live = (await t.cluster({ token: TOKEN }).admin.topics()).topics.find((x) => x.name === "orders");
    expect(live?.partitions).toBe(6);
    await expect(topicProvider.diff!("orders", { ...olds, partitions: 6 }, olds)).rejects.toThrow(
      /streambus:topics \(name: orders\)\.partitions: is 4, but topic "orders" has 6 partitions.*raise it to 6 or more/,
    );
  });

  it("refuses to delete without allowDelete, saying how; deletes with it", async () => {
    const outs = { ...topic, adminUrls: urls(1, 2, 3) };
    await expect(topicProvider.delete!("orders", outs)).rejects.toThrow(/set allowDelete: true/);
    expect((await t.cluster({ token: TOKEN }).admin.topics()).topics.map((x) => x.name)).toContain("orders");
    await topicProvider.delete!("orders", { ...outs, allowDelete: true });
    expect((await t.cluster({ token: TOKEN }).admin.topics()).topics.map((x) => x.name)).not.toContain(
      "orders",
    );
    expect(await topicProvider.read!("orders", outs)).toEqual({});
  });
});
