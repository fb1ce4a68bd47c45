import type { ParsedStackConfig } from "./config-schema";

/**
 * The stack config's cross-field rules: the ones no single field can check. Each returns problems
 * as `{path, message}` so they are reported with the schema's, all together.
 */

/** One problem with the config: where, and what is wrong and allowed. */
export interface ConfigProblem {
  path: Array<string | number>;
  message: string;
}

const GIB = 1024 ** 3;

/** The broker ids a `brokers` value stands for, sorted. */
export function brokerIdsOf(brokers: number | number[]): number[] {
  if (typeof brokers === "number") return Array.from({ length: brokers }, (_, i) => i + 1);
  return [...new Set(brokers)].sort((a, b) => a - b);
}

/**
 * Checks the rules that need the whole config parsed: they tie keys together. The ones that need
 * only the raw config run even when a field is invalid (see {@link requiredKeyProblems}).
 */
export function crossFieldProblems(config: ParsedStackConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (path: Array<string | number>, message: string) => problems.push({ path, message });
  const ids = brokerIdsOf(config.brokers);

  if (Array.isArray(config.brokers) && ids.length !== config.brokers.length) {
    const twice = config.brokers.filter(
      (id, i) => config.brokers instanceof Array && config.brokers.indexOf(id) !== i,
    );
    add(["brokers"], `lists broker ${twice.join(", ")} more than once: each id is one broker`);
  }

  const platform = config.platform;
  if (platform === "kubernetes" && Array.isArray(config.brokers)) {
    const contiguous = ids.every((id, i) => id === i + 1);
    if (!contiguous) {
      add(
        ["brokers"],
        `must be contiguous from 1 on kubernetes (a StatefulSet removes the highest ordinal): got [${ids.join(", ")}]; ` +
          `use a count, or ids 1..N`,
      );
    }
  }

  if (config.aws !== undefined && platform === "aws") problems.push(...awsProblems(config.aws, ids.length));

  const names = new Set<string>();
  config.topics.forEach((topic, i) => {
    if (names.has(topic.name))
      add(["topics", i, "name"], `names topic "${topic.name}" twice: each topic once`);
    names.add(topic.name);
    if (topic.replicationFactor > ids.length) {
      add(
        ["topics", i, "replicationFactor"],
        `is ${topic.replicationFactor}, more than the ${ids.length} broker(s) declared: at most ${ids.length}`,
      );
    }
  });

  if (config.backup.expireAfterDays <= config.backup.archiveAfterDays) {
    add(
      ["backup", "expireAfterDays"],
      `is ${config.backup.expireAfterDays}, not after archiveAfterDays (${config.backup.archiveAfterDays}): ` +
        "backups must be archived before they expire",
    );
  }
  if (config.compaction.targetSize > config.retention.maxBytes) {
    add(
      ["compaction", "targetSize"],
      "must not exceed retention.maxBytes (a segment larger than the log is kept)",
    );
  }

  const { client, admin, raft } = config.ports;
  if (new Set([client, admin, raft]).size !== 3) {
    add(["ports"], `client, admin and raft must be three different ports: got ${client}, ${admin}, ${raft}`);
  }
  return problems;
}

const PLATFORMS = ["local", "aws", "kubernetes"];

/**
 * The keys a platform requires: its own block, the admin token (but on the emulator) and the
 * ssh key (aws). Run on the raw config, so they are reported together with any field's problem.
 * `hasSecret` tells whether a secret was given; its value is never looked at here.
 */
export function requiredKeyProblems(
  raw: Record<string, unknown>,
  hasSecret: (key: "adminToken" | "sshPrivateKey") => boolean,
): ConfigProblem[] {
  const platform = raw.platform;
  if (typeof platform !== "string" || !PLATFORMS.includes(platform)) return [];
  const problems: ConfigProblem[] = [];
  if (raw[platform] === undefined) {
    problems.push({
      path: [platform],
      message: `is required when platform is "${platform}" (see docs/cluster-config.md)`,
    });
  }
  if (platform !== "local" && !hasSecret("adminToken")) {
    problems.push({
      path: ["adminToken"],
      message: `is required on ${platform}: set it with \`pulumi config set --secret streambus:adminToken <token>\``,
    });
  }
  if (platform === "aws" && !hasSecret("sshPrivateKey")) {
    problems.push({
      path: ["sshPrivateKey"],
      message:
        "is required on aws (the broker config is pushed over ssh): set it with " +
        '`pulumi config set --secret streambus:sshPrivateKey -- "$(cat key.pem)"`',
    });
  }
  return problems;
}

function awsProblems(aws: NonNullable<ParsedStackConfig["aws"]>, brokerCount: number): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const byZone = new Map<string, string[]>();
  for (const subnet of aws.subnets)
    byZone.set(subnet.availabilityZone, [...(byZone.get(subnet.availabilityZone) ?? []), subnet.id]);
  for (const [zone, subnets] of byZone) {
    if (subnets.length > 1) {
      problems.push({
        path: ["aws", "subnets"],
        message: `must be in distinct availability zones (brokers are spread across them): ${zone} holds ${subnets.join(" and ")}`,
      });
    }
  }
  const needed = Math.min(3, brokerCount);
  if (byZone.size < needed) {
    problems.push({
      path: ["aws", "subnets"],
      message:
        `${brokerCount} brokers need subnets in at least ${needed} availability zones, so that losing one zone ` +
        `keeps a Raft majority: got ${byZone.size}`,
    });
  }
  for (const key of ["rootVolumeSize"] as const) {
    if (aws[key] % GIB !== 0 || aws[key] < GIB) {
      problems.push({
        path: ["aws", key],
        message: "must be a whole number of GB (EBS sizes are in GiB), at least 1GB",
      });
    }
  }
  if (aws.dataVolume.size % GIB !== 0 || aws.dataVolume.size < GIB) {
    problems.push({
      path: ["aws", "dataVolume", "size"],
      message: "must be a whole number of GB (EBS sizes are in GiB), at least 1GB",
    });
  }
  if (aws.dataVolume.type === "gp3" && aws.dataVolume.iops > 16_000) {
    problems.push({
      path: ["aws", "dataVolume", "iops"],
      message: "must be at most 16000 on gp3 (use io2 for more)",
    });
  }
  return problems;
}
