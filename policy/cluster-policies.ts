import type { ResourceValidationPolicy } from "@pulumi/policy";
import { formatSize } from "../components/broker-config";
import { formatPromDuration, parseDuration, parseRate, parseSize } from "../common/units";
import { PROD_STACK_PATTERN, STREAMBUS_TYPES, isProdStack, known, stackOf } from "./support";

/**
 * The policies on the live cluster's own resources (membership, cluster config, topics). They
 * are dynamic-provider resources on every platform, so these policies hold on local, aws and
 * kubernetes alike, and are the ones the real engine runs offline (local).
 */

/** `prod-cluster-size`'s config. */
export interface ProdClusterConfig {
  /** A stack whose name matches this (case-insensitive) is a production stack. */
  prodStackPattern: string;
  minBrokers: number;
  minReplicationFactor: number;
}

const PROD_DEFAULTS: ProdClusterConfig = {
  prodStackPattern: PROD_STACK_PATTERN,
  minBrokers: 3,
  minReplicationFactor: 2,
};

/**
 * Mandatory: a production stack declares at least 3 brokers (a Raft majority that survives losing
 * one) and topics replicated at least twice (a broker's loss loses no data).
 */
export const prodClusterSize: ResourceValidationPolicy = {
  name: "prod-cluster-size",
  description:
    "Stacks named prod have at least 3 brokers and topics with a replication factor of at least 2.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      prodStackPattern: { type: "string", default: PROD_DEFAULTS.prodStackPattern },
      minBrokers: { type: "integer", minimum: 1, default: PROD_DEFAULTS.minBrokers },
      minReplicationFactor: { type: "integer", minimum: 1, default: PROD_DEFAULTS.minReplicationFactor },
    },
  },
  validateResource: (args, report) => {
    const c = { ...PROD_DEFAULTS, ...args.getConfig<Partial<ProdClusterConfig>>() };
    const stack = stackOf(args.urn);
    if (!isProdStack(stack, c.prodStackPattern)) return;
    if (args.type === STREAMBUS_TYPES.membership) {
      // kubernetes declares the member set twice (drain and join gates): judge it once.
      if (args.props.phase === "join") return;
      const brokers = known(() => args.props.brokers as number[]);
      if (brokers === undefined || brokers.length >= c.minBrokers) return;
      report(
        `${args.name}: stack "${stack}" is a production stack and declares ${brokers.length} ` +
          `broker(s) [${brokers.join(", ")}]; it needs at least ${c.minBrokers} (a Raft majority that ` +
          `survives losing one). Fix: set streambus:brokers to ${c.minBrokers} or more in Pulumi.${stack}.yaml ` +
          "(and drop streambus:testCluster).",
      );
    }
    if (args.type === STREAMBUS_TYPES.topic) {
      const rf = known(() => args.props.replicationFactor as number);
      if (rf === undefined || rf >= c.minReplicationFactor) return;
      const topic = String(known(() => args.props.name) ?? args.name);
      report(
        `${args.name}: topic "${topic}" has replicationFactor ${rf} in production stack "${stack}"; it needs ` +
          `at least ${c.minReplicationFactor} so that losing a broker loses no data. Fix: set replicationFactor: ` +
          `${c.minReplicationFactor} (or more) on topic "${topic}" under streambus:topics in Pulumi.${stack}.yaml.`,
      );
    }
  },
};

/** `retention-within-bounds`'s config: sizes and durations as the stack config writes them. */
export interface RetentionBoundsConfig {
  minBytes: string;
  maxBytes: string;
  minAge: string;
  maxAge: string;
}

const RETENTION_DEFAULTS: RetentionBoundsConfig = {
  minBytes: "1GB",
  maxBytes: "10TB",
  minAge: "1h",
  maxAge: "365d",
};

/** The bounds in bytes and milliseconds; a bound that does not parse is the policy's own error. */
export function retentionBounds(c: RetentionBoundsConfig): {
  bytes: [number, number];
  age: [number, number];
} {
  const bytes = [parseSize(c.minBytes), parseSize(c.maxBytes)];
  const age = [parseDuration(c.minAge, "ms"), parseDuration(c.maxAge, "ms")];
  if (bytes.some((b) => b === undefined) || age.some((a) => a === undefined)) {
    throw new Error(
      `retention-within-bounds: bad policy config ${JSON.stringify(c)}: sizes like "1GB", durations like "7d"`,
    );
  }
  return { bytes: bytes as [number, number], age: age as [number, number] };
}

/** What is out of bounds in one retention (bytes and milliseconds), as message parts. */
export function retentionProblems(
  retention: { maxBytes?: unknown; maxAge?: unknown },
  bounds: ReturnType<typeof retentionBounds>,
): string[] {
  const problems: string[] = [];
  const [minB, maxB] = bounds.bytes;
  const [minA, maxA] = bounds.age;
  const b = retention.maxBytes;
  if (typeof b === "number" && (b < minB || b > maxB)) {
    problems.push(`maxBytes ${formatSize(b)} is outside ${formatSize(minB)}..${formatSize(maxB)}`);
  }
  const a = retention.maxAge;
  if (typeof a === "number" && (a < minA || a > maxA)) {
    problems.push(
      `maxAge ${formatPromDuration(a)} is outside ${formatPromDuration(minA)}..${formatPromDuration(maxA)}`,
    );
  }
  return problems;
}

/**
 * Mandatory: the cluster's retention and each topic's own stay within bounds: too little loses
 * data consumers have not read, too much fills the brokers' disks.
 */
export const retentionWithinBounds: ResourceValidationPolicy = {
  name: "retention-within-bounds",
  description:
    "The cluster's and each topic's retention (maxBytes, maxAge) stay within the configured bounds.",
  enforcementLevel: "mandatory",
  configSchema: {
    properties: {
      minBytes: { type: "string", default: RETENTION_DEFAULTS.minBytes },
      maxBytes: { type: "string", default: RETENTION_DEFAULTS.maxBytes },
      minAge: { type: "string", default: RETENTION_DEFAULTS.minAge },
      maxAge: { type: "string", default: RETENTION_DEFAULTS.maxAge },
    },
  },
  validateResource: (args, report) => {
    if (args.type !== STREAMBUS_TYPES.clusterConfig && args.type !== STREAMBUS_TYPES.topic) return;
    const bounds = retentionBounds({
      ...RETENTION_DEFAULTS,
      ...args.getConfig<Partial<RetentionBoundsConfig>>(),
    });
    const retention = known(() => args.props.retention as { maxBytes?: unknown; maxAge?: unknown });
    if (retention === undefined || retention === null) return;
    const problems = retentionProblems(
      { maxBytes: known(() => retention.maxBytes), maxAge: known(() => retention.maxAge) },
      bounds,
    );
    if (problems.length === 0) return;
    const stack = stackOf(args.urn);
    const where =
      args.type === STREAMBUS_TYPES.topic
        ? `retention of topic "${String(known(() => args.props.name) ?? args.name)}" under streambus:topics`
        : "streambus:retention";
    report(
      `${args.name}: ${problems.join("; ")}. Fix: set ${where} in Pulumi.${stack}.yaml within those bounds ` +
        "(or change the bounds in the policy pack's config).",
    );
  },
};

/** `rebalance-throttle-set`'s config. */
export interface ThrottleConfig {
  /** The highest throttle per move that leaves the brokers room for clients. */
  maxThrottle: string;
}

const THROTTLE_DEFAULTS: ThrottleConfig = { maxThrottle: "200MB/s" };

/**
 * Advisory: rebalances copy under a throttle the stack sets, so that moving partitions leaves the
 * brokers' disks and network to the clients.
 */
export const rebalanceThrottleSet: ResourceValidationPolicy = {
  name: "rebalance-throttle-set",
  description:
    "The membership's rebalances run under a throttle (streambus:rebalance.throttle), not unlimited.",
  enforcementLevel: "advisory",
  configSchema: {
    properties: { maxThrottle: { type: "string", default: THROTTLE_DEFAULTS.maxThrottle } },
  },
  validateResource: (args, report) => {
    if (args.type !== STREAMBUS_TYPES.membership || args.props.phase === "drain") return;
    const c = { ...THROTTLE_DEFAULTS, ...args.getConfig<Partial<ThrottleConfig>>() };
    const max = parseRate(c.maxThrottle) ?? Number.POSITIVE_INFINITY;
    const throttle = known(() => args.props.throttleBytesPerS as number | undefined);
    const stack = stackOf(args.urn);
    if (throttle === undefined || throttle === null) {
      report(
        `${args.name}: no rebalance throttle: moves copy as fast as the brokers can. ` +
          `Fix: set streambus:rebalance.throttle (e.g. 50MB/s) in Pulumi.${stack}.yaml.`,
      );
    } else if (throttle > max) {
      report(
        `${args.name}: rebalance throttle ${formatSize(throttle)}/s is above ${c.maxThrottle}. ` +
          `Fix: lower streambus:rebalance.throttle in Pulumi.${stack}.yaml.`,
      );
    }
  },
};
