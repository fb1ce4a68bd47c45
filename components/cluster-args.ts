import * as pulumi from "@pulumi/pulumi";
import type { z } from "zod";
import { describeValue, issueMessage, valueAt } from "../common/config-messages";
import { stackConfigSchema, type ParsedStackConfig } from "../common/config-schema";
import type { StackConfig } from "../common/config-types";

/**
 * The arguments of a `StreamBusCluster` as a user's own program writes them, and the component's
 * own checks of them. The stack program (`stacks/`) reads the same shape from its config and its
 * rules (`stacks/config-rules.ts`) import the validators below rather than copying them.
 */

type SchemaInput = z.input<typeof stackConfigSchema>;

/**
 * The typed arguments of a `StreamBusCluster`: the same keys as the stack config
 * (docs/cluster-config.md), with human units accepted where the config takes them (`"100GB"`,
 * `"7d"`, `"50MB/s"`) and the runbook's defaults for what is left out. `brokers` is a count
 * (ids 1..N) or a list of ids; the platform's block (`local`, `aws` or `kubernetes`) is required.
 */
export type StreamBusClusterArgs = Omit<SchemaInput, "adminToken" | "sshPrivateKey" | "tls"> & {
  /** The admin API's bearer token (keep it a secret: `pulumi.secret(...)` or `config.requireSecret`); required but on `local`. */
  adminToken?: pulumi.Input<string>;
  /** The SSH private key the aws brokers are provisioned with (a secret); aws only. */
  sshPrivateKey?: pulumi.Input<string>;
  /** TLS on the admin API; `caKey` a secret. */
  tls?: Omit<NonNullable<SchemaInput["tls"]>, "caKey"> & { caKey?: pulumi.Input<string> };
};

/** One problem with the arguments: where (the key's path), and what is wrong and how to fix it. */
export interface ClusterArgProblem {
  path: Array<string | number>;
  message: string;
}

/** The broker ids a `brokers` value stands for, sorted and unique. */
export function brokerIdsOf(brokers: number | readonly number[]): number[] {
  if (typeof brokers === "number") return Array.from({ length: brokers }, (_, i) => i + 1);
  return [...new Set(brokers)].sort((a, b) => a - b);
}

/** An id listed twice in `brokers`: each id is one broker. */
export function duplicateBrokerIdProblems(brokers: number | readonly number[]): ClusterArgProblem[] {
  if (typeof brokers === "number") return [];
  const twice = brokers.filter((id, i) => brokers.indexOf(id) !== i);
  if (twice.length === 0) return [];
  return [
    { path: ["brokers"], message: `lists broker ${twice.join(", ")} more than once: each id is one broker` },
  ];
}

/**
 * On kubernetes the brokers are one StatefulSet's pods, and a StatefulSet scales down by removing
 * its highest ordinal: it can only hold brokers 1..N, never a gap. The one place this rule is
 * written: the stack config's rules and the kubernetes platform both call it.
 */
export function contiguousBrokerIdProblems(
  platform: string,
  brokers: number | readonly number[],
): ClusterArgProblem[] {
  if (platform !== "kubernetes") return [];
  const ids = brokerIdsOf(brokers);
  if (ids.every((id, i) => id === i + 1)) return [];
  return [
    {
      path: ["brokers"],
      message:
        `must be contiguous from 1 on kubernetes (a StatefulSet removes the highest ordinal): got [${ids.join(", ")}]; ` +
        `use a count, or ids 1..N`,
    },
  ];
}

/** The platform's own block (`local`, `aws`, `kubernetes`) must be given: it says where the brokers run. */
function platformBlockProblems(args: Record<string, unknown>): ClusterArgProblem[] {
  const platform = args.platform;
  if (platform !== "local" && platform !== "aws" && platform !== "kubernetes") return [];
  const problems: ClusterArgProblem[] = [];
  if (args[platform] === undefined) {
    const example =
      platform === "local" ? '{ controlUrl: "http://127.0.0.1:7070" }' : "(see docs/cluster-config.md)";
    problems.push({
      path: [platform],
      message: `is required when platform is "${platform}": add ${platform}: ${example}`,
    });
  }
  if (platform !== "local" && args.adminToken === undefined)
    problems.push({
      path: ["adminToken"],
      message: `is required on ${platform}: pass it as a secret, like adminToken: config.requireSecret("adminToken")`,
    });
  if (platform === "aws" && args.sshPrivateKey === undefined)
    problems.push({
      path: ["sshPrivateKey"],
      message:
        'is required on aws: pass it as a secret, like sshPrivateKey: config.requireSecret("sshPrivateKey")',
    });
  return problems;
}

/**
 * Each topic once by name, and none replicated wider than the cluster (it could never be placed).
 * `topics` may hold `undefined` where a topic did not parse (the stack config's rules run on what
 * parsed), so that each problem names the right `topics[i]`.
 */
export function topicProblems(
  ids: readonly number[] | undefined,
  topics: ReadonlyArray<Pick<ParsedStackConfig["topics"][number], "name" | "replicationFactor"> | undefined>,
): ClusterArgProblem[] {
  const problems: ClusterArgProblem[] = [];
  const names = new Set<string>();
  topics.forEach((topic, i) => {
    if (topic === undefined) return;
    if (names.has(topic.name))
      problems.push({
        path: ["topics", i, "name"],
        message: `names topic "${topic.name}" twice: each topic once`,
      });
    names.add(topic.name);
    // The broker count is what to change: a topic's replication factor never changes once the
    // topic exists (docs/cluster-config.md), so lowering it is no fix for a running cluster.
    if (ids !== undefined && topic.replicationFactor > ids.length)
      problems.push({
        path: ["topics", i, "replicationFactor"],
        message:
          `is ${topic.replicationFactor}, more than the ${ids.length} broker(s) declared: declare at least ` +
          `${topic.replicationFactor} brokers (a topic's replication factor never changes once the topic exists)`,
      });
  });
  return problems;
}

/** `topics[0].name` for `["topics", 0, "name"]`. */
export function formatArgPath(path: ReadonlyArray<PropertyKey>): string {
  return path.reduce<string>(
    (text, key) =>
      typeof key === "number" ? `${text}[${key}]` : text === "" ? String(key) : `${text}.${String(key)}`,
    "",
  );
}

/** The arguments are invalid: `problems` lists each one as `<key>: <what is wrong and the fix>`. */
export class ClusterArgsError extends Error {
  /** One line per problem, each naming the argument's key. */
  readonly problems: readonly string[];

  constructor(problems: string[]) {
    const n = problems.length;
    super(
      `invalid StreamBusCluster arguments (${n} problem${n === 1 ? "" : "s"}):\n` +
        problems.map((p) => `  - ${p}`).join("\n"),
    );
    this.name = "ClusterArgsError";
    this.problems = problems;
  }
}

/**
 * The normalized config of parsed arguments (or a parsed stack config): broker ids as a sorted
 * list, TLS on by default but on the emulator (and there too when a CA is given), the CA key a
 * secret. Sizes, durations and rates are already numbers (bytes, ms, bytes/s) after the schema.
 */
export function normalizeClusterConfig(data: ParsedStackConfig): StackConfig {
  const { brokers, adminToken, sshPrivateKey, tls, ...rest } = data;
  const { caKey, ...tlsRest } = tls;
  return {
    ...rest,
    tls: {
      ...tlsRest,
      enabled: tls.enabled ?? (data.platform !== "local" || tls.caCertificate !== undefined),
      ...(caKey !== undefined ? { caKey: pulumi.secret(caKey as pulumi.Input<string>) } : {}),
    },
    brokerIds: brokerIdsOf(brokers),
    brokersGivenAs: typeof brokers === "number" ? "count" : "list",
    adminToken: adminToken as pulumi.Input<string> | undefined,
    sshPrivateKey: sshPrivateKey as pulumi.Input<string>,
  } as StackConfig;
}

/**
 * Checks a `StreamBusCluster`'s arguments and returns the normalized config, or throws one
 * {@link ClusterArgsError} listing every problem, each naming the key and what to write instead.
 * The secrets' values are never printed.
 */
export function validateClusterArgs(args: StreamBusClusterArgs): StackConfig {
  const raw = args as Record<string, unknown>;
  const result = stackConfigSchema.safeParse(raw);
  const problems: ClusterArgProblem[] = [];
  if (!result.success) {
    for (const issue of result.error.issues) {
      if (issue.code === "unrecognized_keys") {
        for (const key of issue.keys)
          problems.push({
            path: [...issue.path, key] as Array<string | number>,
            message: "is not an argument of StreamBusCluster: remove it",
          });
        continue;
      }
      const value = valueAt(raw, issue.path);
      const got = value === undefined ? "" : ` (got ${describeValue(issue.path, value)})`;
      problems.push({ path: issue.path as Array<string | number>, message: `${issueMessage(issue)}${got}` });
    }
  }
  problems.push(...platformBlockProblems(raw));
  if (result.success) {
    const { brokers, platform, topics } = result.data;
    problems.push(...duplicateBrokerIdProblems(brokers), ...contiguousBrokerIdProblems(platform, brokers));
    problems.push(...topicProblems(brokerIdsOf(brokers), topics));
  }
  if (problems.length > 0 || !result.success)
    throw new ClusterArgsError(problems.map((p) => `${formatArgPath(p.path)}: ${p.message}`));
  return normalizeClusterConfig(result.data);
}
