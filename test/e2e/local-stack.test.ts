import type { ConfigMap, EngineEvent } from "@pulumi/pulumi/automation";
import { readdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SimBrokersResponse, startSim, type SimCluster } from "../../sim";
import { createE2EStack, repoRoot, type E2EStack } from "./harness";

/** Every resource type the engine announced in an operation's events. */
function resourceTypes(events: EngineEvent[]): Set<string> {
  const types = new Set<string>();
  for (const event of events) {
    const type = event.resourcePreEvent?.metadata.type;
    if (type) types.add(type);
  }
  return types;
}

async function simBrokerIds(sim: SimCluster): Promise<number[]> {
  const { body } = await request(`${sim.controlUrl}/sim/brokers`);
  return SimBrokersResponse.parse(await body.json())
    .brokers.map((b) => b.broker_id)
    .sort((a, b) => a - b);
}

// The emulator runs with an admin token, and the stack holds it as a secret config value.
const ADMIN_TOKEN = "sb-local-admin-token-41c7e09b";

describe("the local stack through the real engine, against the emulator", () => {
  let sim: SimCluster;
  let e2e: E2EStack;
  const config = (brokers: number[] | number): ConfigMap => ({
    "streambus:platform": { value: "local" },
    "streambus:adminToken": { value: ADMIN_TOKEN, secret: true },
    "streambus:brokers": { value: JSON.stringify(brokers) },
    "streambus:local": {
      value: JSON.stringify({ controlUrl: sim.controlUrl, racks: ["a", "b", "c"], outputDir: outDir }),
    },
  });
  let outDir: string;

  beforeAll(async () => {
    sim = await startSim({
      basePort: 0,
      token: ADMIN_TOKEN,
      registerDelayMs: 100,
      electionDelayMs: 100,
      moveOverheadMs: 100,
      topics: [{ name: "events", partitions: 6, replicationFactor: 3, sizeBytes: 4 * 2 ** 20 }],
    });
    e2e = await createE2EStack("local"); // the project's program, through the CLI and language host
    outDir = join(repoRoot, ".streambus", e2e.stack.name);
    await e2e.stack.setAllConfig(config([1, 2, 3, 4]));
  });
  afterAll(async () => {
    await e2e?.cleanup();
    await sim?.stop();
  }, 180_000);

  it("previews without loading any aws, kubernetes or command plugin", async () => {
    const events: EngineEvent[] = [];
    const preview = await e2e.stack.preview({ onEvent: (e) => events.push(e) });
    expect(preview.changeSummary.create).toBeGreaterThanOrEqual(8); // stack, cluster, 4 brokers, membership, rules, dashboard
    const types = [...resourceTypes(events)];
    expect(types).toContain("streambus:index:StreamBusCluster");
    expect(types.filter((t) => /^(aws|kubernetes|command):/.test(t))).toEqual([]);
    // Nothing was fetched or installed: the project-local PULUMI_HOME holds no plugin.
    const plugins = await readdir(join(process.env.PULUMI_HOME!, "plugins")).catch(() => []);
    expect(plugins.filter((p) => /aws|kubernetes|command/.test(p))).toEqual([]);
    expect(await simBrokerIds(sim)).toEqual([]); // preview changed nothing
  }, 180_000);

  it("provisions the brokers on up, and outputs their admin URLs", async () => {
    const up = await e2e.stack.up();
    expect(up.summary.result).toBe("succeeded");
    expect(await simBrokerIds(sim)).toEqual([1, 2, 3, 4]);
    const adminUrls = up.outputs.adminUrls?.value as Record<string, string>;
    expect(Object.keys(adminUrls)).toEqual(["1", "2", "3", "4"]);
    const { statusCode } = await request(`${adminUrls["1"]}/health/live`);
    expect(statusCode).toBe(200);
    // The token is in the state and the stack file only encrypted, and never in an output.
    const state = await e2e.readStateFile();
    expect(state).not.toContain(ADMIN_TOKEN);
    expect(state).toContain("ciphertext");
    expect(await readFile(join(repoRoot, `Pulumi.${e2e.stack.name}.yaml`), "utf8")).not.toContain(
      ADMIN_TOKEN,
    );
    expect(JSON.stringify(up.outputs)).not.toContain(ADMIN_TOKEN);
  }, 180_000);

  it("removing broker 2 from the list drains it and removes broker 2's machine and no other", async () => {
    await e2e.stack.setAllConfig(config([1, 3, 4]));
    const preview = await e2e.stack.preview();
    expect(preview.changeSummary.delete).toBe(1); // broker-2's machine
    expect(preview.changeSummary.update).toBeGreaterThanOrEqual(1); // the membership, and what names the URLs
    await e2e.stack.up();
    expect(await simBrokerIds(sim)).toEqual([1, 3, 4]);
  }, 180_000);

  it("refresh sees a broker destroyed by hand", async () => {
    await request(`${sim.controlUrl}/sim/brokers/3`, { method: "DELETE" });
    const refresh = await e2e.stack.refresh();
    expect(refresh.summary.resourceChanges).toMatchObject({ delete: 1 });
  }, 180_000);

  it("destroys what is left", async () => {
    await e2e.stack.destroy();
    expect(await simBrokerIds(sim)).toEqual([]);
  }, 180_000);
});
