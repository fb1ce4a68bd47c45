import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import * as pulumi from "@pulumi/pulumi";
import { StackConfigError, configWarnings, parseStackConfig, type StackConfig } from "./config";

const root = join(__dirname, "..");

/** A stack file's `streambus:` keys, as `pulumi.Config` would hand them over, plus its secrets. */
function stackFile(name: string, secrets: Record<string, string> = {}): Record<string, unknown> {
  const doc = parse(readFileSync(join(root, `Pulumi.${name}.yaml`), "utf8")) as {
    config: Record<string, unknown>;
  };
  const raw: Record<string, unknown> = { ...secrets };
  for (const [key, value] of Object.entries(doc.config)) {
    // `pulumi config set streambus:brokers 3` writes the string "3": the program reads it as JSON.
    if (key.startsWith("streambus:")) raw[key.slice("streambus:".length)] = asConfigValue(value);
  }
  return raw;
}

function asConfigValue(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value) as unknown;
  } catch {
    return value;
  }
}

const awsSecrets = { adminToken: "t0ken", sshPrivateKey: "-----BEGIN KEY-----" };
const prod = () => stackFile("prod", awsSecrets);
const local = () => stackFile("local");
const emulator = (): Record<string, unknown> => ({
  platform: "local",
  local: { controlUrl: "http://127.0.0.1:7070" },
});
const kube = (): Record<string, unknown> => ({
  platform: "kubernetes",
  brokers: 3,
  adminToken: "t0ken",
  kubernetes: { image: "ghcr.io/streambus/broker:1.4.2" },
});

function problemsOf(raw: Record<string, unknown>): string[] {
  try {
    parseStackConfig(raw);
  } catch (error) {
    if (error instanceof StackConfigError) return [...error.problems];
    throw error;
  }
  throw new Error("the config was accepted");
}

describe("the stack files", () => {
  it("prod: aws, 5 brokers, the runbook's retention and compaction", () => {
    const config = parseStackConfig(prod());
    expect(config.platform).toBe("aws");
    expect(config.brokerIds).toEqual([1, 2, 3, 4, 5]);
    expect(config.retention).toEqual({ maxBytes: 107374182400, maxAge: 604_800_000 });
    expect(config.compaction).toEqual({ enabled: true, interval: 3_600_000, targetSize: 53687091200 });
    expect(config.storage.flushInterval).toBe(5000);
    expect(config.rebalance.throttle).toBe(52428800);
    expect(config.rebalance.timeout).toBe(7_200_000);
    if (config.platform !== "aws") throw new Error("unreachable");
    expect(config.aws.subnets.map((s) => s.availabilityZone)).toEqual([
      "us-east-1a",
      "us-east-1b",
      "us-east-1c",
    ]);
    expect(config.aws.dataVolume.size).toBe(1024 ** 4);
  });

  it("staging: aws, 3 smaller brokers, prod's retention", () => {
    const staging = parseStackConfig(stackFile("staging", awsSecrets));
    const production = parseStackConfig(prod());
    expect(staging.brokerIds).toEqual([1, 2, 3]);
    if (staging.platform !== "aws" || production.platform !== "aws") throw new Error("unreachable");
    expect(staging.aws.dataVolume.size).toBeLessThan(production.aws.dataVolume.size);
    expect(staging.aws.instanceType).not.toBe(production.aws.instanceType);
    expect(staging.retention).toEqual(production.retention);
    expect(staging.compaction).toEqual(production.compaction);
  });

  it("local: the emulator, with defaults filled in", () => {
    const config = parseStackConfig(local());
    expect(config.platform).toBe("local");
    if (config.platform !== "local") throw new Error("unreachable");
    expect(config.local.controlUrl).toBe("http://127.0.0.1:7070");
    expect(config.quotas.default).toEqual({ produceRate: 10000 });
    expect(config.ports).toEqual({ client: 9092, admin: 8080, raft: 9093 });
    expect(config.adminToken).toBeUndefined();
  });

  it("hold no plaintext secret", () => {
    for (const name of ["prod", "staging", "local"]) {
      const text = readFileSync(join(root, `Pulumi.${name}.yaml`), "utf8");
      expect(text).not.toMatch(/^\s*streambus:(adminToken|sshPrivateKey):/m);
      expect(text).toContain("pulumi config set --secret streambus:adminToken");
    }
  });
});

describe("brokers", () => {
  it("a count stands for ids 1..N, a list for itself, sorted", () => {
    expect(parseStackConfig({ ...local(), brokers: 4 }).brokerIds).toEqual([1, 2, 3, 4]);
    const listed = parseStackConfig({ ...local(), brokers: [5, 1, 3] });
    expect(listed.brokerIds).toEqual([1, 3, 5]);
    expect(listed.brokersGivenAs).toBe("list");
  });

  it("kubernetes takes a list only when it is 1..N", () => {
    expect(parseStackConfig({ ...kube(), brokers: [1, 2, 3] }).brokerIds).toEqual([1, 2, 3]);
    expect(() => parseStackConfig({ ...kube(), brokers: [1, 2, 4] })).toThrow(
      "streambus:brokers: must be contiguous from 1 on kubernetes (a StatefulSet removes the highest ordinal): got [1, 2, 4]",
    );
  });
});

/** [what is wrong, the config, a piece of the message that must name the key]. */
const malformed: Array<[string, () => Record<string, unknown>, string]> = [
  ["no platform", () => ({ brokers: 3 }), 'streambus:platform: must be one of "local", "aws", "kubernetes"'],
  [
    "unknown platform",
    () => ({ ...local(), platform: "gcp" }),
    'streambus:platform: must be one of "local", "aws", "kubernetes" (got "gcp")',
  ],
  [
    "zero brokers",
    () => ({ ...local(), brokers: 0 }),
    "streambus:brokers: must be a whole number from 1 to 99 (got 0)",
  ],
  [
    "brokers as text",
    () => ({ ...local(), brokers: "three" }),
    'streambus:brokers: must be a broker count from 1 to 99, or a non-empty list of broker ids (whole numbers from 1) (got "three")',
  ],
  [
    "a broker listed twice",
    () => ({ ...local(), brokers: [1, 2, 2] }),
    "streambus:brokers: lists broker 2 more than once",
  ],
  [
    "a bad size",
    () => ({ ...local(), retention: { maxBytes: "100 gigs" } }),
    'streambus:retention.maxBytes: must be a size like "100GB"',
  ],
  [
    "a bad duration",
    () => ({ ...local(), retention: { maxAge: "7 days" } }),
    'streambus:retention.maxAge: must be a duration like "5s", "1h30m", "7d" (units ms, s, m, h, d, w) or whole milliseconds, above zero (got "7 days")',
  ],
  [
    "a duration in fractions of a millisecond",
    () => ({ ...local(), alerts: { latencyP99: "1.5ms" } }),
    "streambus:alerts.latencyP99: must be a duration like",
  ],
  [
    "a misspelt key",
    () => ({ ...local(), retention: { maxbytes: "1GB" } }),
    "streambus:retention.maxbytes: unknown key; allowed here: maxBytes, maxAge",
  ],
  [
    "an unknown top-level key",
    () => ({ ...local(), retentoin: {} }),
    "streambus:retentoin: unknown key; allowed here: platform, brokers",
  ],
  [
    "compaction not a boolean",
    () => ({ ...local(), compaction: { enabled: "yes" } }),
    'streambus:compaction.enabled: must be true or false (got "yes")',
  ],
  [
    "a zero flush interval",
    () => ({ ...local(), storage: { flushInterval: "0s" } }),
    "streambus:storage.flushInterval: must be a duration",
  ],
  [
    "a throttle without /s",
    () => ({ ...local(), rebalance: { throttle: "50MB" } }),
    'streambus:rebalance.throttle: must be a rate like "50MB/s"',
  ],
  [
    "too many concurrent moves",
    () => ({ ...local(), rebalance: { maxConcurrentMoves: 1000 } }),
    "streambus:rebalance.maxConcurrentMoves: must be a whole number from 1 to 100 (got 1000)",
  ],
  [
    "a negative quota",
    () => ({ ...local(), quotas: { default: { produceRate: -5 } } }),
    "streambus:quotas.default.produceRate: must be a whole number, at least 0 (got -5)",
  ],
  [
    "a misspelt client quota",
    () => ({ ...local(), quotas: { clients: { billing: { produce_rate: 5 } } } }),
    "streambus:quotas.clients.billing.produce_rate: unknown key; allowed here: produceRate, consumeRate",
  ],
  [
    "a topic with no partitions",
    () => ({ ...local(), topics: [{ name: "events", partitions: 0 }] }),
    "streambus:topics[0].partitions: must be a whole number from 1 to 10000 (got 0)",
  ],
  [
    "a topic with a bad name",
    () => ({ ...local(), topics: [{ name: "bad name!", partitions: 3 }] }),
    "streambus:topics[0].name: must be 1 to 249 characters",
  ],
  [
    "a replication factor above the brokers",
    () => ({ ...local(), topics: [{ name: "e", partitions: 3, replicationFactor: 5 }] }),
    "streambus:topics[0].replicationFactor: is 5, more than the 3 broker(s) declared: declare at least 5 brokers " +
      "(a topic's replication factor never changes once the topic exists): `pulumi config set streambus:brokers 5`",
  ],
  [
    "a topic twice",
    () => ({
      ...local(),
      topics: [
        { name: "e", partitions: 3 },
        { name: "e", partitions: 3 },
      ],
    }),
    'streambus:topics[1].name: names topic "e" twice',
  ],
  [
    "backups expiring before archive",
    () => ({ ...local(), backup: { archiveAfterDays: 30, expireAfterDays: 10 } }),
    "streambus:backup.expireAfterDays: is 10, not after archiveAfterDays (30)",
  ],
  [
    "a disk ratio above 1",
    () => ({ ...local(), alerts: { diskFreeRatio: 20 } }),
    "streambus:alerts.diskFreeRatio: must be",
  ],
  [
    "two ports the same",
    () => ({ ...local(), ports: { client: 8080 } }),
    "streambus:ports: client, admin and raft must be three different ports: got 8080, 8080, 9093",
  ],
  [
    "local without its block",
    () => ({ platform: "local" }),
    'streambus:local: is required when platform is "local"',
  ],
  [
    "a control URL that is no URL",
    () => ({ ...local(), local: { controlUrl: "localhost" } }),
    "streambus:local.controlUrl: must be the emulator's control URL",
  ],
  [
    "aws without an admin token",
    () => ({ ...prod(), adminToken: undefined }),
    "streambus:adminToken: is required on aws: set it with `pulumi config set --secret streambus:adminToken <token>`",
  ],
  [
    "aws without an ssh key",
    () => ({ ...prod(), sshPrivateKey: undefined }),
    "streambus:sshPrivateKey: is required on aws",
  ],
  [
    "a bad AMI",
    () => withAws({ ami: "ubuntu" }),
    'streambus:aws.ami: must be an AMI id like "ami-0abc1234def567890" (got "ubuntu")',
  ],
  [
    "admin open to the internet",
    () => withAws({ operatorCidrs: ["0.0.0.0/0"] }),
    "streambus:aws.operatorCidrs[0]: must not be open to the whole internet",
  ],
  [
    "a CIDR that is no CIDR",
    () => withAws({ clientCidrs: ["10.0.0.0"] }),
    'streambus:aws.clientCidrs[0]: must be a CIDR block like "10.0.0.0/16" (got "10.0.0.0")',
  ],
  [
    "two subnets in one zone",
    () => withAws({ subnets: [subnet("1", "a"), subnet("2", "a"), subnet("3", "b")] }),
    "streambus:aws.subnets: must be in distinct availability zones (brokers are spread across them): us-east-1a holds subnet-1 and subnet-2",
  ],
  [
    "too few zones for 5 brokers",
    () => withAws({ subnets: [subnet("1", "a"), subnet("2", "b")] }),
    "streambus:aws.subnets: 5 brokers need subnets in at least 3 availability zones",
  ],
  [
    "a data volume in bytes",
    () => withAws({ dataVolume: { size: "1.5GB" } }),
    "streambus:aws.dataVolume.size: must be a whole number of GB",
  ],
  [
    "a volume type EBS has not",
    () => withAws({ dataVolume: { type: "gp2" } }),
    'streambus:aws.dataVolume.type: must be "gp3" or "io2" (got "gp2")',
  ],
  [
    "kubernetes without an image",
    () => ({ ...kube(), kubernetes: {} }),
    "streambus:kubernetes.image: must be a container image",
  ],
  [
    "kubernetes with a bad quantity",
    () => ({ ...kube(), kubernetes: { image: "x", resources: { limits: { cpu: "two", memory: "1Gi" } } } }),
    'streambus:kubernetes.resources.limits.cpu: must be a Kubernetes quantity like "500m" or "4Gi" (got "two")',
  ],
];

function withAws(patch: Record<string, unknown>): Record<string, unknown> {
  const raw = prod();
  return { ...raw, aws: { ...(raw.aws as Record<string, unknown>), ...patch } };
}

function subnet(id: string, zone: string) {
  return { id: `subnet-${id}`, availabilityZone: `us-east-1${zone}` };
}

/** Blocks and lists given as something else: zod's own wording ("Invalid input: ...") once leaked here. */
const misshapen: Array<[string, () => Record<string, unknown>, string]> = [
  [
    "a block given as a single value",
    () => ({ ...local(), local: "http://127.0.0.1:7070" }),
    "streambus:local: must be a block of keys (controlUrl, racks, outputDir), not a single value " +
      '(got "http://127.0.0.1:7070"); e.g. `pulumi config set --path streambus:local.controlUrl http://127.0.0.1:7070`',
  ],
  [
    "an empty list of racks",
    () => ({ ...local(), local: { controlUrl: "http://127.0.0.1:7070", racks: [] } }),
    "streambus:local.racks: must list at least one item (it is empty) (got []); " +
      "e.g. `pulumi config set --path 'streambus:local.racks[0]' a`",
  ],
  [
    "retention as a duration",
    () => ({ ...local(), retention: "7d" }),
    'streambus:retention: must be a block of keys (maxBytes, maxAge), not a single value (got "7d"); ' +
      "e.g. `pulumi config set --path streambus:retention.maxBytes 100GB`",
  ],
  [
    "no subnets",
    () => withAws({ subnets: [] }),
    "streambus:aws.subnets: must be a list of {id, availabilityZone} (got []); e.g. " +
      "`pulumi config set --path 'streambus:aws.subnets[0].id' subnet-0abc12` then " +
      "`pulumi config set --path 'streambus:aws.subnets[0].availabilityZone' us-east-1a`",
  ],
  [
    "quotas for a client as a number",
    () => ({ ...local(), quotas: { clients: { "billing-app": 5 } } }),
    "streambus:quotas.clients.billing-app: must be a block of keys (produceRate, consumeRate), not a single value " +
      "(got 5); e.g. `pulumi config rm --path 'streambus:quotas.clients[\"billing-app\"]'` then " +
      "`pulumi config set --path 'streambus:quotas.clients[\"billing-app\"].produceRate' 5000`",
  ],
  [
    "an empty namespace",
    () => ({ ...kube(), kubernetes: { image: "x", adminAccess: { namespaces: [""] } } }),
    'streambus:kubernetes.adminAccess.namespaces[0]: must be a namespace (got ""); ' +
      "e.g. `pulumi config set --path 'streambus:kubernetes.adminAccess.namespaces[0]' monitoring`",
  ],
];

/** zod's own English, which must never reach a user. */
const ZOD_WORDING =
  /Invalid (input|option|key|element|URL|string|number)|Too (small|big)|Unrecognized key|expected \w+, received|>=\d/;

describe("malformed configs", () => {
  it("has at least 20 cases", () => expect(malformed.length).toBeGreaterThanOrEqual(20));

  it.each(malformed)("%s fails naming the key", (_what, make, expected) => {
    expect(() => parseStackConfig(make())).toThrow(expected);
  });

  it.each(misshapen)(
    "%s fails naming the key, what it must be, what was given and a fix",
    (_what, make, expected) => {
      expect(() => parseStackConfig(make())).toThrow(expected);
    },
  );

  it.each([...malformed, ...misshapen])(
    "%s: no zod wording, and a `pulumi config` fix on every line",
    (_what, make) => {
      const problems = problemsOf(make());
      for (const problem of problems) {
        expect(problem).toMatch(/^streambus:[\w.[\]"-]+: /);
        expect(problem).not.toMatch(ZOD_WORDING);
        expect(problem).toMatch(/`pulumi config (set|rm) [^`]+`/);
      }
    },
  );

  it("reports several problems together, one line each", () => {
    const problems = problemsOf({
      ...local(),
      brokers: 0,
      retention: { maxAge: "soon" },
      rebalance: { throttle: "x" },
    });
    expect(problems).toHaveLength(3);
    expect(problems.map((p) => p.split(":")[1])).toEqual([
      "brokers",
      "retention.maxAge",
      "rebalance.throttle",
    ]);
  });

  it("never prints a secret's value", () => {
    const error = (() => {
      try {
        parseStackConfig({ ...prod(), adminToken: 12345, brokers: 0 });
      } catch (e) {
        return e as Error;
      }
      throw new Error("accepted");
    })();
    expect(error.message).toContain(
      "streambus:adminToken: must be a non-empty secret string (got (value hidden))",
    );
    expect(error.message).not.toContain("12345");
  });
});

/** Lets a test name the narrowed type: `StackConfig` must carry the platform block. */
export type _PlatformBlocks = Extract<StackConfig, { platform: "aws" }>["aws"];

describe("every problem in one pass", () => {
  it("checks the cross-field rules even when another field is bad", () => {
    const problems = problemsOf({
      ...local(),
      storage: { flushInterval: "0s" },
      brokers: [1, 1, 2, 3],
      retention: { maxBytes: "10GB" },
      compaction: { targetSize: "50GB" },
      topics: [
        { name: "ok", partitions: 3, replicationFactor: 5 },
        { name: "bad name!", partitions: 3 },
      ],
    });
    expect(problems.map((p) => p.slice(0, p.indexOf(": ")))).toEqual([
      "streambus:storage.flushInterval",
      "streambus:topics[1].name",
      "streambus:brokers",
      "streambus:topics[0].replicationFactor",
      "streambus:compaction.targetSize",
    ]);
  });

  it("counts each unknown key as one problem", () => {
    let error: unknown;
    try {
      parseStackConfig({ ...emulator(), retentoin: {}, compactoin: {} });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(StackConfigError);
    expect((error as StackConfigError).problems).toHaveLength(2);
    expect((error as Error).message.split("\n")[0]).toBe("invalid stack config (2 problems):");
  });

  it("ends a Pulumi program as a RunError: the engine prints its message once, without a stack", () => {
    const error = new StackConfigError(["streambus:brokers: must be 3"]);
    expect(pulumi.RunError.isInstance(error)).toBe(true);
    expect(error.message).toBe("invalid stack config (1 problem):\n  - streambus:brokers: must be 3");
  });
});

describe("fractions", () => {
  it("are taken as the text `pulumi config set --path` stores them (it types only whole numbers)", () => {
    const { alerts } = parseStackConfig({ ...local(), alerts: { diskFreeRatio: "0.35", errorRate: "2.5" } });
    expect([alerts.diskFreeRatio, alerts.errorRate]).toEqual([0.35, 2.5]);
    expect(() => parseStackConfig({ ...local(), alerts: { diskFreeRatio: "0.35x" } })).toThrow(
      'streambus:alerts.diskFreeRatio: must be a fraction between 0 and 1, like 0.2 (got "0.35x"); ' +
        "e.g. `pulumi config set --path streambus:alerts.diskFreeRatio 0.2`",
    );
    expect(() => parseStackConfig({ ...local(), alerts: { diskFreeRatio: "1.5" } })).toThrow(
      'streambus:alerts.diskFreeRatio: must be a fraction between 0 and 1, like 0.2 (got "1.5")',
    );
  });
});

describe("fewer brokers than a topic's replication factor", () => {
  it("names the broker count first, with the guards' minimum, and never asks for a smaller replication factor", () => {
    // Pulumi.local.yaml's topic `clicks` has replication factor 3; the operator sets brokers: [1].
    const problems = problemsOf({ ...local(), brokers: [1] });
    expect(problems).toEqual([
      "streambus:brokers: has 1 broker: fewer than 3 voters, the minimum the membership guards keep (min_voters), " +
        'and fewer than the replication factor of topic "clicks" (3), which never changes once a topic exists: ' +
        "declare at least 3 brokers: `pulumi config set streambus:brokers '[1,2,3]'` (got [1])",
      "streambus:topics[0].replicationFactor: is 3, more than the 1 broker(s) declared: declare at least 3 brokers " +
        "(a topic's replication factor never changes once the topic exists): " +
        "`pulumi config set streambus:brokers '[1,2,3]'` (got 3)",
    ]);
    expect(problems.join("\n")).not.toMatch(/at most 1|replicationFactor 1/);
  });

  it("keeps the form given: a count stays a count, the largest factor sets the number", () => {
    const problems = problemsOf({
      ...emulator(),
      brokers: 2,
      topics: [
        { name: "a", partitions: 1, replicationFactor: 3 },
        { name: "b", partitions: 1, replicationFactor: 5 },
      ],
    });
    expect(problems[0]).toContain(
      'replication factor of topics "a" (3), "b" (5), which never changes once a topic exists: ' +
        "declare at least 5 brokers: `pulumi config set streambus:brokers 5`",
    );
    expect(problems).toHaveLength(3);
  });
});

describe("fewer than 3 brokers", () => {
  it.each([[1], [[1, 2]], [2]])("refuses brokers: %j outside a test cluster", (brokers) => {
    expect(() => parseStackConfig({ ...kube(), brokers })).toThrow(
      "cannot survive the loss of one broker (a Raft majority of 1 or 2 voters is all of them)",
    );
    expect(() => parseStackConfig({ ...prod(), brokers })).toThrow("set streambus:testCluster: true");
  });

  it("takes them on a test cluster or the emulator, with a warning", () => {
    const test = parseStackConfig({ ...kube(), brokers: [1, 2], testCluster: true });
    expect(test.brokerIds).toEqual([1, 2]);
    expect(configWarnings(test)).toEqual([
      "streambus:brokers: 2 brokers cannot survive the loss of one broker: a test cluster only",
    ]);
    expect(configWarnings(parseStackConfig({ ...emulator(), brokers: 1 }))).toHaveLength(1);
    expect(configWarnings(parseStackConfig(emulator()))).toEqual([]);
  });
});
