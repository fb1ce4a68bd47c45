import type { ParsedStackConfig } from "../common/config-schema";
import { caProblems } from "../common/ca";
import { formatSize } from "../common/units";
import {
  brokerIdsOf,
  contiguousBrokerIdProblems,
  duplicateBrokerIdProblems,
  topicProblems,
} from "../components/cluster-args";

export { brokerIdsOf };

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

/**
 * The fields of a config that parsed, each on its own: what the cross-field rules can check while
 * other fields are bad. `topics` keeps each topic at its index (`undefined` where one is bad), so
 * a problem names the right `topics[i]`.
 */
export type ParsedFields = Partial<Omit<ParsedStackConfig, "topics">> & {
  topics?: Array<ParsedStackConfig["topics"][number] | undefined>;
};

/**
 * Checks the rules that tie keys together, on whichever of their keys parsed: a rule runs as soon
 * as the keys it reads are valid, whatever else is wrong, so every problem is reported in one pass.
 * The ones that need only the raw config run apart (see {@link requiredKeyProblems}).
 */
export function crossFieldProblems(config: ParsedFields): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (path: Array<string | number>, message: string) => problems.push({ path, message });
  const { brokers, platform } = config;
  const ids = brokers === undefined ? undefined : brokerIdsOf(brokers);

  // The component's own checks (components/cluster-args.ts), written once there.
  if (brokers !== undefined) problems.push(...duplicateBrokerIdProblems(brokers));
  if (ids !== undefined && platform !== undefined && config.testCluster !== undefined)
    problems.push(...fewBrokersProblems(ids.length, platform, config.testCluster));

  if (platform !== undefined && brokers !== undefined)
    problems.push(...contiguousBrokerIdProblems(platform, brokers));

  if (config.aws !== undefined && platform === "aws") problems.push(...awsProblems(config.aws, ids?.length));

  if (brokers !== undefined && platform !== undefined && config.testCluster !== undefined)
    problems.push(...tooFewForTopicsProblems(brokers, config.topics ?? [], platform, config.testCluster));

  for (const problem of topicProblems(ids, config.topics ?? [])) {
    const [, i, key] = problem.path;
    const topic = config.topics?.[i as number];
    // The stack's fix: the command that declares enough brokers.
    if (key === "replicationFactor" && topic !== undefined && ids !== undefined)
      problem.message += `: \`${setBrokers(brokers ?? ids, Math.max(topic.replicationFactor, 3))}\``;
    problems.push(problem);
  }

  if (config.tls !== undefined) problems.push(...tlsProblems(config.tls));

  const { backup, compaction, retention, ports } = config;
  if (backup !== undefined && backup.expireAfterDays <= backup.archiveAfterDays) {
    add(
      ["backup", "expireAfterDays"],
      `is ${backup.expireAfterDays}, not after archiveAfterDays (${backup.archiveAfterDays}): ` +
        "backups must be archived before they expire",
    );
  }
  if (compaction !== undefined && retention !== undefined && compaction.targetSize > retention.maxBytes) {
    add(
      ["compaction", "targetSize"],
      "must not exceed retention.maxBytes (a segment larger than the log is kept): " +
        `\`pulumi config set --path streambus:compaction.targetSize ${formatSize(retention.maxBytes, "exact")}\``,
    );
  }

  if (ports !== undefined) {
    const { client, admin, raft } = ports;
    if (new Set([client, admin, raft]).size !== 3) {
      add(
        ["ports"],
        `client, admin and raft must be three different ports: got ${client}, ${admin}, ${raft}`,
      );
    }
  }
  return problems;
}

/**
 * Fewer than 3 brokers: 1 or 2 voters cannot lose one and keep a Raft majority (with 2, losing
 * either stops every write, so 2 is no safer than 1). Refused unless the stack says it is a test
 * or single-node cluster (`testCluster: true`) or runs on the emulator (`local`, which exists for
 * tests); those get a warning instead (see {@link configWarnings}).
 */
export function fewBrokersProblems(count: number, platform: string, testCluster: boolean): ConfigProblem[] {
  if (count >= 3 || testCluster || platform === "local") return [];
  return [
    {
      path: ["brokers"],
      message:
        `has ${count} broker${count === 1 ? "" : "s"}, which cannot survive the loss of one broker ` +
        "(a Raft majority of 1 or 2 voters is all of them): declare at least 3, or, for a test or " +
        "single-node cluster, set streambus:testCluster: true",
    },
  ];
}

/**
 * Fewer brokers than 3 where they are allowed (the emulator, a test cluster) but a topic wants 3
 * replicas or more: the real problem is the broker count, not the topic. Fewer than 3 voters is
 * also below the minimum the membership guards keep (`min_voters` refuses a change that leaves
 * fewer), so the fix is to declare at least 3 brokers (more when a topic's replication factor
 * asks for more), said once on `brokers`, before the topics' own lines.
 */
export function tooFewForTopicsProblems(
  brokers: number | number[],
  topics: ReadonlyArray<{ name: string; replicationFactor: number } | undefined>,
  platform: string,
  testCluster: boolean,
): ConfigProblem[] {
  const ids = brokerIdsOf(brokers);
  const n = ids.length;
  // Outside the emulator and a test cluster, fewBrokersProblems has said it already.
  if (n >= 3 || !(testCluster || platform === "local")) return [];
  const wanting = topics.flatMap((t) => (t !== undefined && t.replicationFactor > n ? [t] : []));
  if (wanting.length === 0) return [];
  const needed = Math.max(3, ...wanting.map((t) => t.replicationFactor));
  return [
    {
      path: ["brokers"],
      message:
        `has ${n} broker${n === 1 ? "" : "s"}: fewer than 3 voters, the minimum the membership guards keep ` +
        `(min_voters), and fewer than the replication factor of topic${wanting.length > 1 ? "s" : ""} ` +
        `${wanting.map((t) => `"${t.name}" (${t.replicationFactor})`).join(", ")}, which never changes once a topic exists: ` +
        `declare at least ${needed} brokers: \`${setBrokers(brokers, needed)}\``,
    },
  ];
}

/**
 * The command that declares at least `count` brokers, in the form given: a count stays a count,
 * a list keeps its ids and gains the lowest free ones.
 */
function setBrokers(brokers: number | number[], count: number): string {
  if (typeof brokers === "number") return `pulumi config set streambus:brokers ${Math.max(brokers, count)}`;
  const out = brokerIdsOf(brokers);
  for (let id = 1; out.length < count; id++) if (!out.includes(id)) out.push(id);
  return `pulumi config set streambus:brokers '${JSON.stringify(out.sort((a, b) => a - b))}'`;
}

/** What the program should warn about on a valid config: a cluster that cannot lose a broker. */
export function configWarnings(config: { brokerIds: readonly number[] }): string[] {
  const n = config.brokerIds.length;
  if (n >= 3) return [];
  return [
    `streambus:brokers: ${n} broker${n === 1 ? "" : "s"} cannot survive the loss of one broker: a test cluster only`,
  ];
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

function awsProblems(
  aws: NonNullable<ParsedStackConfig["aws"]>,
  brokerCount: number | undefined,
): ConfigProblem[] {
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
  const needed = Math.min(3, brokerCount ?? 0);
  if (brokerCount !== undefined && byZone.size < needed) {
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

/** How to set the operator's CA key, as the messages say it. */
const SET_CA_KEY = '`pulumi config set --secret --path streambus:tls.caKey -- "$(cat ca.key)"`';

/**
 * The `tls` block's rules: the operator's CA comes as a pair (its certificate, and its key to sign
 * each broker's certificate) that belongs together, and only where TLS is on. Never quotes the key.
 */
export function tlsProblems(tls: NonNullable<ParsedStackConfig["tls"]>): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const add = (key: string, message: string) => problems.push({ path: ["tls", key], message });
  const hasKey = tls.caKey !== undefined;
  if (tls.enabled === false && (tls.caCertificate !== undefined || hasKey)) {
    add(
      tls.caCertificate !== undefined ? "caCertificate" : "caKey",
      "is set while tls.enabled is false: remove it, or set tls.enabled: true",
    );
  }
  if (hasKey && tls.caCertificate === undefined) {
    add(
      "caKey",
      "is set without tls.caCertificate: give the CA's certificate too " +
        '(`pulumi config set --path streambus:tls.caCertificate -- "$(cat ca.pem)"`), or neither and the stack makes its own CA',
    );
  }
  if (!hasKey && tls.caCertificate !== undefined) {
    add(
      "caCertificate",
      `needs tls.caKey, the CA's private key, to sign each broker's certificate: ${SET_CA_KEY}`,
    );
  }
  if (typeof tls.caKey === "string" && tls.caCertificate !== undefined) {
    for (const problem of caProblems({ certificate: tls.caCertificate, privateKey: tls.caKey })) {
      const [key, message] = problem.split(": ", 2) as [string, string];
      add(key, `${message}${key === "caKey" ? `: ${SET_CA_KEY}` : ""}`);
    }
  }
  return problems;
}
