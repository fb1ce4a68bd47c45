/**
 * The contract's topic config, as a 1.5.0 broker serves it: `config` is what is in force,
 * `overrides` names the keys set on the topic itself, the others follow `GET /admin/config` (also
 * after a `PUT /admin/config`), and `PUT /admin/topics/{name}`'s `config` replaces the topic's own
 * keys whole, so a key left out follows the cluster's from then on.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ClusterConfig, MetadataExport, Topic, TopicsResponse } from "../../../procedures/contract";
import type { SimCluster } from "../../../sim";
import { call, obj, startFormed } from "./helpers";

const HOUR_MS = 3_600_000;

describe("topic config: overrides, replace-whole, following the cluster's", () => {
  let sim: SimCluster;
  let url: string;
  const topic = async (name: string): Promise<Topic> => {
    const res = TopicsResponse.parse(obj(await call(url, "GET", "/admin/topics")));
    const found = res.topics.find((t) => t.name === name);
    if (!found) throw new Error(`no topic ${name}`);
    return found;
  };
  const putTopic = async (name: string, config?: Record<string, unknown>) => {
    const res = await call(url, "PUT", `/admin/topics/${name}`, {
      partitions: 2,
      replication_factor: 2,
      ...(config === undefined ? {} : { config }),
    });
    expect(res.status, res.text).toBe(200);
    return Topic.parse(res.body);
  };

  beforeAll(async () => {
    sim = await startFormed({ brokers: 3 });
    url = sim.brokerUrl(2);
  });
  afterAll(() => sim.stop());

  it("a seeded topic sets no key itself: every key in force is the cluster's", async () => {
    const events = await topic("events");
    expect(events.overrides).toEqual([]);
    expect(events.config).toEqual({
      retention_ms: 604_800_000,
      retention_bytes: 107_374_182_400,
      cleanup_policy: "delete",
    });
  });

  it("PUT names the keys it set in overrides; the others follow the cluster's, also after PUT /admin/config", async () => {
    const created = await putTopic("billing", { retention_ms: HOUR_MS, cleanup_policy: "compact" });
    expect(created.overrides).toEqual(["cleanup_policy", "retention_ms"]);
    expect(created.config).toEqual({
      retention_ms: HOUR_MS,
      retention_bytes: 107_374_182_400,
      cleanup_policy: "compact",
    });

    const config = ClusterConfig.parse(obj(await call(url, "GET", "/admin/config")));
    const { stale: _stale, ...body } = config;
    const put = await call(url, "PUT", "/admin/config", {
      ...body,
      retention: { max_bytes: 2 ** 30, max_age_s: 7_200 },
    });
    expect(put.status, put.text).toBe(200);

    // The key set on the topic stays; the one it leaves out follows the new cluster value.
    expect((await topic("billing")).config).toEqual({
      retention_ms: HOUR_MS,
      retention_bytes: 2 ** 30,
      cleanup_policy: "compact",
    });
    expect((await topic("events")).config.retention_ms).toBe(7_200_000);
  });

  it("PUT's config replaces the topic's own keys whole: a key left out follows the cluster's from then on", async () => {
    const replaced = await putTopic("billing", { cleanup_policy: "compact" });
    expect(replaced.overrides).toEqual(["cleanup_policy"]);
    expect(replaced.config.retention_ms).toBe(7_200_000);
    expect((await topic("billing")).overrides).toEqual(["cleanup_policy"]);

    const none = await putTopic("billing", {});
    expect(none.overrides).toEqual([]);
    expect(none.config).toEqual({
      retention_ms: 7_200_000,
      retention_bytes: 2 ** 30,
      cleanup_policy: "delete",
    });
  });

  it("a PUT without config leaves the topic's own keys as they are", async () => {
    await putTopic("billing", { retention_bytes: 5 * 2 ** 20 });
    const same = await putTopic("billing");
    expect(same.overrides).toEqual(["retention_bytes"]);
    expect(same.config.retention_bytes).toBe(5 * 2 ** 20);
  });

  it("the metadata export carries each topic's overrides", async () => {
    const exp = MetadataExport.parse(obj(await call(url, "GET", "/admin/metadata/export")));
    expect(exp.topics.find((t) => t.name === "billing")?.overrides).toEqual(["retention_bytes"]);
    expect(exp.topics.find((t) => t.name === "events")?.overrides).toEqual([]);
  });
});
