import { isAbsolute } from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSim, type SimCluster } from "../../sim";
import { find, installRecordingMocks, ofType, settle, valueOf } from "./recording-mocks";

const { recorded, ready } = installRecordingMocks("local");
let program: typeof import("../../stacks/index.js").program;
let parseStackConfig: typeof import("../../stacks/config.js").parseStackConfig;
let cluster: typeof import("../../components/cluster.js");
// The program checks that the emulator answers before it declares anything: a real one does.
let sim: SimCluster;

beforeAll(async () => {
  sim = await startSim({ basePort: 0 });
  await ready;
  // The mocks are in place before the code under test is loaded.
  ({ program, parseStackConfig } = await import("../../stacks/index.js"));
  cluster = await import("../../components/cluster.js");
});
afterAll(async () => sim?.stop());

describe("the local platform", () => {
  it("declares one emulator broker per id, the rules file and the dashboard", async () => {
    pulumi.runtime.setAllConfig({
      "streambus:platform": "local",
      "streambus:brokers": "[1, 2, 4]",
      "streambus:local": JSON.stringify({ controlUrl: sim.controlUrl, racks: ["a", "b"] }),
    });
    const outputs = await program();
    await settle(recorded);
    const mine = recorded.filter((r) => r.name.startsWith("streambus"));
    expect(find(mine, "streambus:index:StreamBusCluster", "streambus")).toBeDefined();
    const brokers = ofType(mine, "pulumi-nodejs:dynamic/streambus:LocalBroker");
    expect(brokers.map((b) => b.name)).toEqual([
      "streambus-broker-1",
      "streambus-broker-2",
      "streambus-broker-4",
    ]);
    expect(brokers.map((b) => [b.inputs.brokerId, b.inputs.rack, b.inputs.controlUrl])).toEqual([
      [1, "a", sim.controlUrl],
      [2, "b", sim.controlUrl],
      [4, "b", sim.controlUrl],
    ]);
    // The serialized provider is the thin shim, loading today's logic at run time.
    expect(String(brokers[0]?.inputs.__provider)).toContain("streambus-infra/dist/");
    const rules = find(mine, "pulumi-nodejs:dynamic/streambus:LocalFile", "streambus-alert-rules");
    // Resolved in the program, against the project's root, not by the provider process.
    expect(isAbsolute(String(rules.inputs.path))).toBe(true);
    expect(String(rules.inputs.path).endsWith("/.streambus/local/streambus-rules.yml")).toBe(true);
    expect(String(rules.inputs.content)).toContain("alert: NoQuorum");
    const dashboard = find(mine, "pulumi-nodejs:dynamic/streambus:LocalFile", "streambus-dashboard");
    expect(JSON.parse(String(dashboard.inputs.content)).uid).toBe("streambus");

    expect(await valueOf(outputs.adminUrls as never)).toEqual({
      "1": "http://127.0.0.1:18001",
      "2": "http://127.0.0.1:18002",
      "4": "http://127.0.0.1:18004",
    });
    expect(outputs.brokerIds).toEqual([1, 2, 4]);
    expect(await valueOf(outputs.bootstrapAddresses as never)).toEqual([]);
    expect(await valueOf(outputs.alertRules as never)).toBe(`/abs/${String(rules.inputs.path)}`);
  });

  it("declares nothing of aws, kubernetes or command, and never loads their SDKs", async () => {
    await settle(recorded);
    expect(
      recorded.filter((r) =>
        /^(aws|kubernetes|command|pulumi:providers:(aws|kubernetes|command))/.test(r.type),
      ),
    ).toEqual([]);
    const loaded = Object.keys(require.cache).filter((p) =>
      /node_modules\/@pulumi\/(aws|kubernetes|command)\//.test(p),
    );
    expect(loaded).toEqual([]);
  });

  it("removing broker 2 from the list removes broker 2's resource and no other", async () => {
    const config = (brokers: number[]) =>
      parseStackConfig({ platform: "local", brokers, local: { controlUrl: "http://127.0.0.1:7070" } });
    const { StreamBusCluster, loadPlatform } = cluster;
    const provision = await loadPlatform("local");
    const before = new StreamBusCluster("before", { config: config([1, 2, 3, 4]), provision });
    const after = new StreamBusCluster("after", { config: config([1, 3, 4]), provision });
    await valueOf(pulumi.all([before.urn, after.urn]));
    await settle(recorded);
    const brokerNames = (prefix: string) =>
      ofType(recorded, "pulumi-nodejs:dynamic/streambus:LocalBroker")
        .filter((r) => r.name.startsWith(`${prefix}-`))
        .map((r) => [r.name.slice(prefix.length), r.inputs.rack]);
    const kept = brokerNames("after");
    expect(brokerNames("before").filter(([n]) => n !== "-broker-2")).toEqual(kept);
    expect(kept).toEqual([
      ["-broker-1", "a"],
      ["-broker-3", "c"],
      ["-broker-4", "a"],
    ]);
  });

  it("refuses an invalid config before declaring anything", async () => {
    const count = recorded.length;
    pulumi.runtime.setAllConfig({ "streambus:platform": "local", "streambus:brokers": "0" });
    await expect(program()).rejects.toThrow(/streambus:brokers: .*\n.*streambus:local: is required/);
    await settle(recorded);
    expect(recorded.length).toBe(count);
  });

  it("refuses to declare anything when the emulator does not answer, naming the URL and what to start", async () => {
    // A port nothing listens on: taken, then given back.
    const port = await new Promise<number>((done) => {
      const server = createServer().listen(0, "127.0.0.1", () => {
        const { port } = server.address() as { port: number };
        server.close(() => done(port));
      });
    });
    await settle(recorded);
    const count = recorded.length;
    pulumi.runtime.setAllConfig({
      "streambus:platform": "local",
      "streambus:local": JSON.stringify({ controlUrl: `http://127.0.0.1:${port}` }),
    });
    await expect(program()).rejects.toThrow(
      `streambus:local.controlUrl: the emulator's control API at http://127.0.0.1:${port} does not answer ` +
        `(GET http://127.0.0.1:${port}/sim/brokers failed: ECONNREFUSED); nothing was changed. Start the emulator ` +
        `there first: \`node dist/sim/cli.js --base-port ${port}\` (or \`streambus-sim --base-port ${port}\`), ` +
        "with `--state-dir <dir>` to keep its cluster across restarts",
    );
    await settle(recorded);
    expect(recorded.length).toBe(count);
  });

  it("refuses a secret stored in plaintext", async () => {
    pulumi.runtime.setAllConfig({
      "streambus:platform": "local",
      "streambus:local": JSON.stringify({ controlUrl: sim.controlUrl }),
      "streambus:adminToken": "plain",
    });
    await expect(program()).rejects.toThrow("streambus:adminToken: must be set as a secret");
    pulumi.runtime.setAllConfig(
      {
        "streambus:platform": "local",
        "streambus:local": JSON.stringify({ controlUrl: sim.controlUrl }),
        "streambus:adminToken": "s3cret",
      },
      ["streambus:adminToken"],
    );
    await expect(program()).resolves.toBeDefined();
  });
});
