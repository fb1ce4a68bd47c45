import { beforeAll, describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  assetText,
  find,
  installRecordingMocks,
  ofType,
  declareCluster,
  type Recorded,
} from "./recording-mocks";

/**
 * Resource options that decide what a replacement or an update does to running brokers, and
 * where the live settings sit in Pulumi's order, recorded through a component transformation
 * (mocks see inputs only): each assertion fails if the hazard it names comes back.
 */
const { recorded, ready } = installRecordingMocks("options");
beforeAll(() => ready);

const AWS = {
  platform: "aws",
  brokers: 3,
  adminToken: "t0ken",
  sshPrivateKey: "-----BEGIN KEY-----",
  aws: {
    region: "us-east-1",
    vpcId: "vpc-0a1b2c3d",
    subnets: [
      { id: "subnet-0a1", availabilityZone: "us-east-1a" },
      { id: "subnet-0a2", availabilityZone: "us-east-1b" },
      { id: "subnet-0a3", availabilityZone: "us-east-1c" },
    ],
    ami: "ami-0f1e2d3c4b5a69788",
    clientCidrs: ["10.0.0.0/8"],
    operatorCidrs: ["10.20.0.0/24"],
    ssh: { keyName: "k" },
  },
};
const KUBE = {
  platform: "kubernetes",
  brokers: 3,
  adminToken: "t0ken",
  kubernetes: { namespace: "streambus", image: "ghcr.io/streambus/broker:1.4.2" },
};
const LOCAL = { platform: "local", brokers: 3, local: { controlUrl: "http://127.0.0.1:7070" } };
const TOPICS = [{ name: "events", partitions: 6 }];

const declare = (name: string, raw: Record<string, unknown>) => declareCluster(recorded, name, raw);

const DYNAMIC = "pulumi-nodejs:dynamic/streambus:";

describe("aws: a new config restarts each broker and leaves it running", () => {
  it("the start command stops nothing when it is replaced; a command of its own stops the broker when it goes", async () => {
    const { options, mine } = await declare("aw", { ...AWS, topics: TOPICS });
    for (const id of [1, 2, 3]) {
      const start = find(mine, "command:remote:Command", `aw-broker-${id}-start`);
      // Replaced on a config change (its triggers hold the config's hash): Pulumi creates the
      // replacement first and deletes the old one after, so that delete must not stop the service.
      expect(start.inputs.delete).toBeUndefined();
      expect(options.get(`aw-broker-${id}-start`)?.deleteBeforeReplace).toBe(false);
      const stop = find(mine, "command:remote:Command", `aw-broker-${id}-stop`);
      expect(String(stop.inputs.delete)).toContain("systemctl stop streambus-broker");
      expect(stop.inputs.triggers).toEqual([`aw-broker-${id}-id`]); // the instance only, never the config
      expect(options.get(`aw-broker-${id}-stop`)?.dependsOn).toEqual([`aw-broker-${id}-start`]);
    }
    // One broker after another, each start waiting until the broker is ready (caught up).
    expect(options.get("aw-broker-2-start")?.dependsOn).toContain("aw-broker-1-start");
    expect(options.get("aw-broker-3-start")?.dependsOn).toContain("aw-broker-2-start");
    const script = String(find(mine, "command:remote:Command", "aw-broker-1-start").inputs.create);
    expect(script).toContain("/health/ready");
    // Membership waits for the stop command too: it exists before membership acts.
    expect(options.get("aw-membership")?.dependsOn).toContain("aw-broker-3-stop");
  });

  it("a retention change rewrites no broker file; a port change does, and restarts the brokers", async () => {
    const base = await declare("awA", AWS);
    const retention = await declare("awB", { ...AWS, retention: { maxAge: "3d" } });
    const ports = await declare("awC", { ...AWS, ports: { admin: 8081 } });
    const triggers = (d: { mine: Recorded[] }, n: string) =>
      find(d.mine, "command:remote:Command", `${n}-broker-1-start`).inputs.triggers as unknown[];
    expect(triggers(retention, "awB")[0]).toEqual(triggers(base, "awA")[0]);
    expect(triggers(ports, "awC")[0]).not.toEqual(triggers(base, "awA")[0]);
    const text = await assetText(
      find(retention.mine, "command:remote:CopyToRemote", "awB-broker-1-config").inputs.source,
    );
    expect(parse(text).storage).toEqual({ data_dir: "/var/lib/streambus/data" });
    expect(find(retention.mine, `${DYNAMIC}ClusterConfig`, "awB-cluster-config").inputs.retention).toEqual({
      maxBytes: 100 * 2 ** 30,
      maxAge: 3 * 86_400_000,
    });
  });
});

describe("kubernetes: an immutable change never deletes every broker", () => {
  it("the StatefulSet's deletion orphans its pods (the provider deletes it before its replacement); the other named objects are deleteBeforeReplace", async () => {
    const { mine, options } = await declare("ku", KUBE);
    expect(options.get("ku-broker")?.type).toBe("kubernetes:apps/v1:StatefulSet");
    const set = find(mine, "kubernetes:apps/v1:StatefulSet", "ku-broker").inputs as unknown as {
      metadata: { annotations: Record<string, string> };
    };
    // Without it, the delete the provider makes first would cascade to every broker's pod at once.
    expect(set.metadata.annotations["pulumi.com/deletionPropagationPolicy"]).toBe("orphan");
    expect(options.get("ku-config")?.deleteBeforeReplace).toBe(true);
    expect(options.get("ku-brokers")?.deleteBeforeReplace).toBe(true);
  });

  it("a retention change does not roll the pods", async () => {
    type Spec = { spec: { template: { metadata: { annotations: Record<string, string> } } } };
    const hash = (d: { mine: Recorded[] }, n: string) =>
      (find(d.mine, "kubernetes:apps/v1:StatefulSet", `${n}-broker`).inputs as unknown as Spec).spec.template
        .metadata.annotations["streambus.io/config-hash"];
    const a = await declare("kuA", KUBE);
    const b = await declare("kuB", { ...KUBE, retention: { maxAge: "1d" } });
    const c = await declare("kuC", { ...KUBE, ports: { raft: 9191 } });
    expect(hash(b, "kuB")).toBe(hash(a, "kuA"));
    expect(hash(c, "kuC")).not.toBe(hash(a, "kuA"));
  });
});

describe("the live settings come after the members", () => {
  it("local: config, quotas and each topic depend on the membership, and carry the declared values in stack units", async () => {
    const { options, mine } = await declare("lo", {
      ...LOCAL,
      quotas: { default: { produceRate: 100 }, clients: { billing: { consumeRate: 5 } } },
      topics: [{ name: "events", partitions: 6, retention: { maxAge: "30d" }, allowDelete: true }],
    });
    for (const name of ["lo-cluster-config", "lo-quotas", "lo-topic-events"])
      expect([name, options.get(name)?.dependsOn]).toEqual([name, ["lo-membership"]]);
    expect(find(mine, `${DYNAMIC}ClusterQuotas`, "lo-quotas").inputs).toMatchObject({
      default: { produceRate: 100 },
      clients: { billing: { consumeRate: 5 } },
    });
    const topic = find(mine, `${DYNAMIC}Topic`, "lo-topic-events").inputs;
    expect(topic).toMatchObject({
      name: "events",
      partitions: 6,
      replicationFactor: 3,
      cleanupPolicy: "delete",
      retention: { maxAge: 30 * 86_400_000 },
      allowDelete: true,
    });
    expect(JSON.stringify(topic)).not.toMatch(/token/i);
    expect(ofType(mine, `${DYNAMIC}Topic`)).toHaveLength(1);
  });

  it("kubernetes: they depend on both membership gates, so the join after the StatefulSet comes first", async () => {
    const { options } = await declare("kt", { ...KUBE, topics: TOPICS });
    for (const name of ["kt-cluster-config", "kt-quotas", "kt-topic-events"])
      expect(options.get(name)?.dependsOn.sort()).toEqual(["kt-membership-drain", "kt-membership-join"]);
  });
});
