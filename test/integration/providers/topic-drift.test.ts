/**
 * The topic provider against the emulator: a key set on the topic by hand that the stack leaves
 * out is drift (read shows it, diff sees it, update writes the declared keys alone, so the key
 * follows the cluster's again), while the cluster's values the broker echoes are not; and a delete
 * that finds every broker refusing the connection says what happened and the way out, and with
 * `STREAMBUS_CLUSTER_GONE=true` in its environment lets the topic go, deleting nothing.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { provider as topicProvider, type TopicInputs } from "../../../providers/topic";
import type { TestSim } from "../helpers/sim";
import { TOKEN, capture, startProviderSim } from "./helpers";

let t: TestSim;
beforeAll(async () => {
  t = await startProviderSim({ brokers: 3, topics: [] });
  // The provider configured as the engine does: the stack's config, the token in it.
  const values: Record<string, string> = { "streambus:adminToken": TOKEN };
  await topicProvider.configure!({
    config: { get: (k: string) => values[k], require: (k: string) => values[k] ?? "" },
  });
});
afterAll(async () => {
  vi.unstubAllEnvs();
  await t.stop();
});

/** The consent as the user gives it: `STREAMBUS_CLUSTER_GONE=true pulumi destroy` (the plugin inherits it). */
const consent = () => vi.stubEnv("STREAMBUS_CLUSTER_GONE", "true");

const urls = (...ids: number[]) => Object.fromEntries(ids.map((id) => [String(id), t.sim.brokerUrl(id)]));
const admin = () => t.cluster({ token: TOKEN }).admin;
const live = async (name: string) => (await admin().topics()).topics.find((x) => x.name === name);

const HOUR_MS = 3_600_000;
const WEEK_MS = 7 * 86_400_000;

describe("a topic's config set by hand", () => {
  const clicks = (): TopicInputs => ({
    adminUrls: urls(1, 2, 3),
    name: "clicks",
    partitions: 3,
    replicationFactor: 3,
    cleanupPolicy: "delete",
    allowDelete: true,
    timeoutMs: 10_000,
  });

  it("a retention the stack leaves out, set by hand, is drift; the update puts it back to the cluster's", async () => {
    const inputs = clicks();
    const { outs } = await topicProvider.create(inputs);
    expect(outs).not.toHaveProperty("retention");
    // Right after create, nothing differs: the cluster's retention the broker echoes is no drift.
    const clean = await topicProvider.read!("clicks", outs);
    expect(clean.props).toEqual(outs);
    expect((await topicProvider.diff!("clicks", clean.props as TopicInputs, inputs)).changes).toBe(false);

    // The operator's curl: `PUT /admin/topics/clicks` with a 1 h retention.
    await admin().putTopic("clicks", {
      partitions: 3,
      replication_factor: 3,
      config: { retention_ms: HOUR_MS },
    });
    const read = await topicProvider.read!("clicks", outs);
    // The curl left cleanup_policy out too: it has no cluster value to follow, and its value is the same.
    expect(read.props).toMatchObject({ retention: { maxAge: HOUR_MS }, cleanupPolicy: "delete" });
    // Refresh's diff (olds: the live values, news: the inputs in the state) and up's both see it.
    const refreshed = read.props as TopicInputs;
    expect((await topicProvider.diff!("clicks", refreshed, inputs)).changes).toBe(true);

    const { outs: after } = await topicProvider.update!("clicks", refreshed, inputs);
    expect(after).not.toHaveProperty("retention");
    expect(await live("clicks")).toMatchObject({
      overrides: ["cleanup_policy"],
      config: { retention_ms: WEEK_MS, cleanup_policy: "delete" },
    });
    expect((await topicProvider.read!("clicks", after)).props).toEqual(after);
  });

  it("a declared retention removed by hand (the topic follows the cluster's) is drift too", async () => {
    const inputs = { ...clicks(), retention: { maxAge: WEEK_MS } };
    const { outs } = await topicProvider.update!("clicks", clicks(), inputs);
    expect((await live("clicks"))?.overrides).toEqual(["cleanup_policy", "retention_ms"]);
    // Same value in force (the cluster's is a week too), but the topic no longer holds it itself.
    await admin().putTopic("clicks", {
      partitions: 3,
      replication_factor: 3,
      config: { cleanup_policy: "delete" },
    });
    const read = await topicProvider.read!("clicks", outs);
    expect(read.props).toMatchObject({ retention: { maxAge: null } });
    expect((await topicProvider.diff!("clicks", read.props as TopicInputs, inputs)).changes).toBe(true);
    await topicProvider.update!("clicks", read.props as TopicInputs, inputs);
    expect((await live("clicks"))?.overrides).toEqual(["cleanup_policy", "retention_ms"]);
  });
});

describe("a delete when every broker refuses the connection", () => {
  const gone = (allowDelete: boolean): TopicInputs => ({
    adminUrls: urls(1, 2, 3),
    name: "gone",
    partitions: 1,
    replicationFactor: 3,
    cleanupPolicy: "delete",
    allowDelete,
    timeoutMs: 10_000,
  });

  it("a failing (500) broker is not gone: the delete fails as before, even with consent", async () => {
    await topicProvider.create(gone(true));
    consent();
    await t.fault({ error_rate: 1 });
    try {
      await expect(topicProvider.delete!("gone", gone(true))).rejects.toThrow(/topic gone delete: .*500/);
    } finally {
      await t.clearFaults();
      vi.unstubAllEnvs();
    }
  }, 60_000);

  it("names what happened and the ways out; with STREAMBUS_CLUSTER_GONE=true it finishes, deleting nothing", async () => {
    // (Half the injected 500s above struck after the delete took effect: the topic is made again.)
    await topicProvider.create(gone(true));
    for (const id of [1, 2, 3]) await t.stopBroker(id);
    try {
      const refused = await capture(() => topicProvider.delete!("gone", gone(true)));
      const message = String((refused.error as Error | undefined)?.message);
      expect(message).toContain(
        "topic gone delete: the cluster does not answer: every broker refused the connection",
      );
      for (const id of [1, 2, 3]) expect(message).toContain(t.sim.brokerUrl(id));
      expect(message).toContain("`STREAMBUS_CLUSTER_GONE=true pulumi destroy`");
      expect(message).toContain("`pulumi state delete '<URN>'`");

      consent();
      const consented = await capture(() => topicProvider.delete!("gone", gone(true)));
      expect(consented.error).toBeUndefined();
      expect(consented.lines.join("\n")).toMatch(
        /WARNING: topic gone dropped from the stack's state without deleting anything: every broker refused/,
      );
      // A topic that does not allow its deletion goes too: nothing is deleted either way.
      const kept = await capture(() => topicProvider.delete!("gone", gone(false)));
      expect(kept.error).toBeUndefined();
    } finally {
      vi.unstubAllEnvs();
      for (const id of [1, 2, 3]) await t.startBroker(id);
    }
    // The cluster is back: the topic was never deleted.
    await expect.poll(() => live("gone").catch(() => undefined), { timeout: 15_000 }).toBeDefined();
  }, 120_000);
});
