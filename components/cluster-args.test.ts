import * as pulumi from "@pulumi/pulumi";
import { beforeAll, describe, expect, it } from "vitest";
import { installRecordingMocks } from "../test/unit/recording-mocks";
import {
  ClusterArgsError,
  contiguousBrokerIdProblems,
  duplicateBrokerIdProblems,
  validateClusterArgs,
  type StreamBusClusterArgs,
} from "./cluster-args";

const { recorded, ready } = installRecordingMocks("local");
let StreamBusCluster: typeof import("./cluster.js").StreamBusCluster;

beforeAll(async () => {
  await ready;
  ({ StreamBusCluster } = await import("./cluster.js"));
});

const local: StreamBusClusterArgs = { platform: "local", local: { controlUrl: "http://127.0.0.1:7070" } };

describe("validateClusterArgs", () => {
  it("accepts human units and normalizes them", () => {
    const config = validateClusterArgs({
      ...local,
      brokers: [3, 1, 2],
      retention: { maxBytes: "1GB", maxAge: "1d" },
      topics: [{ name: "orders", partitions: 3, retention: { maxAge: "2h" } }],
    });
    expect(config.brokerIds).toEqual([1, 2, 3]);
    expect(config.brokersGivenAs).toBe("list");
    expect(config.retention).toEqual({ maxBytes: 1024 ** 3, maxAge: 86_400_000 });
    expect(config.topics[0]?.retention?.maxAge).toBe(7_200_000);
    expect(config.tls.enabled).toBe(false);
  });

  it("names the key, the value and what is allowed", () => {
    expect(() => validateClusterArgs({ ...local, retention: { maxBytes: "lots" } })).toThrow(
      /retention\.maxBytes: .*\(got "lots"\)/,
    );
    expect(() =>
      validateClusterArgs({ ...local, topics: [{ name: "t", partitions: 0 }] } as StreamBusClusterArgs),
    ).toThrow("topics[0].partitions: must be a whole number from 1 to 10000 (got 0)");
    expect(() => validateClusterArgs({ ...local, replicas: 3 } as StreamBusClusterArgs)).toThrow(
      "replicas: is not an argument of StreamBusCluster: remove it",
    );
  });

  it("requires the platform's block and, off the emulator, the admin token", () => {
    expect(() => validateClusterArgs({ platform: "local" })).toThrow(
      'local: is required when platform is "local": add local: { controlUrl: "http://127.0.0.1:7070" }',
    );
    expect(() =>
      validateClusterArgs({
        platform: "kubernetes",
        kubernetes: { image: "ghcr.io/streambus/broker:1.4.2" },
      }),
    ).toThrow(
      'adminToken: is required on kubernetes: pass it as a secret, like adminToken: config.requireSecret("adminToken")',
    );
  });

  it("refuses a gap in the ids on kubernetes, and a topic replicated wider than the cluster", () => {
    expect(() =>
      validateClusterArgs({
        platform: "kubernetes",
        brokers: [1, 2, 4],
        adminToken: "t",
        kubernetes: { image: "ghcr.io/streambus/broker:1.4.2" },
      }),
    ).toThrow(
      "brokers: must be contiguous from 1 on kubernetes (a StatefulSet removes the highest ordinal): got [1, 2, 4]; use a count, or ids 1..N",
    );
    expect(() =>
      validateClusterArgs({
        ...local,
        brokers: 2,
        topics: [{ name: "t", partitions: 1, replicationFactor: 3 }],
      }),
    ).toThrow(
      "topics[0].replicationFactor: is 3, more than the 2 broker(s) declared: declare at least 3 brokers",
    );
  });

  it("lists every problem at once", () => {
    const error = (() => {
      try {
        validateClusterArgs({ platform: "local", brokers: [1, 1], retention: { maxAge: "soon" } });
      } catch (e) {
        return e;
      }
    })();
    expect(error).toBeInstanceOf(ClusterArgsError);
    expect((error as ClusterArgsError).problems.map((p) => p.split(":")[0])).toEqual([
      "retention.maxAge",
      "local",
    ]);
  });
});

describe("the component's validators", () => {
  it("flag duplicate ids and, on kubernetes only, gaps", () => {
    expect(duplicateBrokerIdProblems([1, 2, 2])).toEqual([
      { path: ["brokers"], message: "lists broker 2 more than once: each id is one broker" },
    ]);
    expect(duplicateBrokerIdProblems(3)).toEqual([]);
    expect(contiguousBrokerIdProblems("kubernetes", [1, 3])).toHaveLength(1);
    expect(contiguousBrokerIdProblems("kubernetes", 3)).toEqual([]);
    expect(contiguousBrokerIdProblems("local", [1, 3])).toEqual([]);
  });

  it("name a topic declared twice at its second place", () => {
    expect(() =>
      validateClusterArgs({
        ...local,
        topics: [
          { name: "a", partitions: 1 },
          { name: "a", partitions: 2 },
        ],
      }),
    ).toThrow('topics[1].name: names topic "a" twice: each topic once');
  });
});

describe("new StreamBusCluster with typed arguments", () => {
  it("fails with a ResourceError naming the field, before declaring any child", () => {
    const before = recorded.length;
    expect(() => new StreamBusCluster("bad", { ...local, brokers: [1, 2, 2] })).toThrow(pulumi.ResourceError);
    expect(() => new StreamBusCluster("bad2", { ...local, brokers: [1, 2, 2] })).toThrow(
      "brokers: lists broker 2 more than once: each id is one broker",
    );
    expect(recorded.slice(before).filter((r) => r.name.startsWith("bad-"))).toEqual([]);
  });
});
