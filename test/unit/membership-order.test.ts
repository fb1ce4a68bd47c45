import { beforeAll, describe, expect, it } from "vitest";
import { declareCluster, find, installRecordingMocks, ofType } from "./recording-mocks";

/**
 * Where each platform puts the membership resource in Pulumi's order of operations. Pulumi runs
 * creates and updates first and deletes at the end, so: on local (and aws) one membership resource
 * that depends on every broker's machine is updated after new machines exist and before removed
 * ones are deleted; on kubernetes a StatefulSet shrinks by an update, so a drain gate must come
 * before it and a join gate after it.
 */
const { recorded, ready } = installRecordingMocks("order");
beforeAll(() => ready);

const MEMBERSHIP = "pulumi-nodejs:dynamic/streambus:ClusterMembership";
const declare = (name: string, raw: Record<string, unknown>) => declareCluster(recorded, name, raw);

describe("the membership resource's place in the order", () => {
  it("local: one membership that depends on every broker, with the declared set and rebalance settings", async () => {
    const { options, mine } = await declare("loc", {
      platform: "local",
      brokers: [1, 2, 4],
      rebalance: { maxConcurrentMoves: 3, throttle: "10MB/s", timeout: "15m" },
      adminEndpoints: { "4": "http://127.0.0.1:19004" },
      local: { controlUrl: "http://127.0.0.1:7070" },
    });
    const memberships = ofType(mine, MEMBERSHIP);
    expect(memberships.map((m) => m.name)).toEqual(["loc-membership"]);
    const inputs = memberships[0]!.inputs;
    expect(inputs).toMatchObject({
      brokers: [1, 2, 4],
      phase: "all",
      maxConcurrentMoves: 3,
      throttleBytesPerS: 10 * 1024 * 1024, // MB is MiB in the config, as the runbook means it
      timeoutMs: 15 * 60_000,
      force: false,
    });
    // The operator's endpoint wins over the platform's URL; the others are the emulator's.
    expect(inputs.adminUrls).toEqual({
      "1": "http://127.0.0.1:18001",
      "2": "http://127.0.0.1:18002",
      "4": "http://127.0.0.1:19004",
    });
    expect(JSON.stringify(inputs)).not.toMatch(/token/i);
    expect(options.get("loc-membership")?.dependsOn.sort()).toEqual([
      "loc-broker-1",
      "loc-broker-2",
      "loc-broker-4",
    ]);
    expect(String(memberships[0]!.inputs.__provider)).toContain("streambus-infra/dist/");
  });

  it("kubernetes: the StatefulSet depends on the drain gate, the join gate on the StatefulSet", async () => {
    const { options, mine } = await declare("k8s", {
      platform: "kubernetes",
      brokers: 3,
      adminToken: "t0ken",
      kubernetes: { namespace: "streambus", image: "ghcr.io/streambus/broker:1.4.2" },
    });
    const drain = find(mine, MEMBERSHIP, "k8s-membership-drain");
    const join = find(mine, MEMBERSHIP, "k8s-membership-join");
    expect(drain.inputs).toMatchObject({ phase: "drain", brokers: [1, 2, 3] });
    expect(join.inputs).toMatchObject({ phase: "join", brokers: [1, 2, 3] });
    expect(options.get("k8s-broker")?.type).toBe("kubernetes:apps/v1:StatefulSet");
    expect(options.get("k8s-broker")?.dependsOn).toContain("k8s-membership-drain");
    expect(options.get("k8s-membership-join")?.dependsOn).toContain("k8s-broker");
    // No cycle: the drain gate must not wait for the StatefulSet it gates.
    expect(options.get("k8s-membership-drain")?.dependsOn).not.toContain("k8s-broker");
    expect(drain.inputs.adminUrls).toEqual({
      "1": "https://k8s-broker-0.k8s-brokers.streambus.svc.cluster.local:8080",
      "2": "https://k8s-broker-1.k8s-brokers.streambus.svc.cluster.local:8080",
      "3": "https://k8s-broker-2.k8s-brokers.streambus.svc.cluster.local:8080",
    });
  });
});
