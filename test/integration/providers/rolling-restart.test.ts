/**
 * The rolling-restart provider against the emulator: after a new config file, the brokers whose
 * process has not read it are restarted through the control API, followers first, the leader last.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { provider, type RollingRestartInputs } from "../../../providers/rolling-restart";
import { Cluster } from "../../../procedures/client";
import type { TestSim } from "../helpers/sim";
import { TOKEN, startProviderSim } from "./helpers";

let t: TestSim;
let cluster: Cluster;
beforeAll(async () => {
  t = await startProviderSim({ brokers: 3 });
  const values: Record<string, string> = { "streambus:adminToken": TOKEN };
  await provider.configure!({
    config: { get: (k: string) => values[k], require: (k: string) => values[k] ?? "" },
  });
  cluster = new Cluster(t.urls(1, 2, 3), { token: TOKEN });
  await vi.waitFor(async () => expect((await cluster.refresh()).leader_id).not.toBeNull(), {
    timeout: 15_000,
  });
});
afterAll(async () => {
  await cluster.close();
  await t.stop();
});

function inputs(configHash: string): RollingRestartInputs {
  return {
    adminUrls: Object.fromEntries([1, 2, 3].map((id) => [String(id), t.sim.brokerUrl(id)])),
    controlUrl: `${t.sim.controlUrl}/`,
    brokers: [1, 2, 3],
    configHash,
    timeoutMs: 60_000,
  };
}

describe("rolling restart provider", () => {
  it("restarts only the brokers whose config file changed, the leader last", async () => {
    const leader = (await cluster.refresh()).leader_id!;
    const follower = [1, 2, 3].find((id) => id !== leader)!;
    for (const id of [leader, follower])
      await t.client.writeConfig(id, { config: `broker: {id: ${id}}\n# v2\n` });
    const r = await provider.update!("rolling-restart", { ...inputs("v1"), restarted: [] }, inputs("v2"));
    expect(r.outs?.restarted).toEqual([follower, leader]);
    expect((await t.client.restarts()).map((x) => x.broker_id)).toEqual([follower, leader]);
    expect((await t.client.brokers()).filter((b) => b.restart_pending)).toEqual([]);
  });

  it("leaves a stopped broker alone: it reads the new file when it starts", async () => {
    await t.client.writeConfig(1, { config: "broker: {id: 1}\n# v3\n" });
    await t.client.stop(1);
    try {
      const r = await provider.update!("rolling-restart", { ...inputs("v2"), restarted: [] }, inputs("v3"));
      expect(r.outs?.restarted).toEqual([]);
    } finally {
      await t.client.start(1);
    }
    expect((await t.client.brokers()).find((b) => b.broker_id === 1)?.restart_pending).toBe(false);
  });
});
