import { z } from "zod";
import {
  bool,
  cidr,
  decimal,
  duration,
  matching,
  operatorCidr,
  quantity,
  quotaRates,
  rate,
  size,
  text,
  topicName,
  wholeNumber,
  wholeSeconds,
} from "./config-fields";

/**
 * The zod schema of every block of the `streambus` stack config, with the runbook's defaults.
 * Cross-field rules (kubernetes ids, AZ spread, replication factors) live in `stacks/config-rules.ts`.
 */

/** `brokers`: a count (ids 1..N) or a list of broker ids. */
export const brokersSchema = z.union(
  [wholeNumber(1, 99), z.array(wholeNumber(1, 999), { error: "must be a list of broker ids" }).min(1)],
  { error: "must be a broker count from 1 to 99, or a non-empty list of broker ids (whole numbers from 1)" },
);

const retention = z.strictObject({ maxBytes: size.prefault("100GB"), maxAge: wholeSeconds.prefault("7d") });

const compaction = z.strictObject({
  enabled: bool.default(true),
  interval: wholeSeconds.prefault("1h"),
  targetSize: size.prefault("50GB"),
});

const storage = z.strictObject({ flushInterval: duration.prefault("5s") });

const network = z.strictObject({ compression: bool.default(true) });

const quotas = z.strictObject({
  default: quotaRates.prefault({ produceRate: 10000 }),
  clients: z.record(text("a client name"), quotaRates).default({}),
});

const topic = z.strictObject({
  name: topicName,
  partitions: wholeNumber(1, 10_000),
  replicationFactor: wholeNumber(1, 7).default(3),
  cleanupPolicy: z.enum(["delete", "compact"], { error: 'must be "delete" or "compact"' }).default("delete"),
  retention: z.strictObject({ maxBytes: size.optional(), maxAge: duration.optional() }).optional(),
  /** Removing the topic from the stack deletes it and its data only when this is true (set it, `up`, then remove). */
  allowDelete: bool.default(false),
});

const rebalance = z.strictObject({
  maxConcurrentMoves: wholeNumber(1, 100).default(5),
  throttle: rate.prefault("50MB/s"),
  timeout: duration.prefault("2h"),
});

const backup = z.strictObject({
  enabled: bool.default(true),
  bucketPrefix: matching(
    /^[a-z0-9][a-z0-9-]{1,36}$/,
    "2 to 37 lowercase letters, digits or '-' (an S3 name prefix)",
  ).optional(),
  archiveAfterDays: wholeNumber(1, 3650).default(30),
  expireAfterDays: wholeNumber(2, 36500).default(365),
  noncurrentExpireDays: wholeNumber(1, 3650).default(30),
  kmsKeyArn: matching(/^arn:aws[a-z-]*:kms:/, "a KMS key ARN").optional(),
  forceDestroy: bool.default(false),
});

/** `alerts`: the thresholds of the six alert rules (also read alone by `streambus-ops alerts`). */
export const alertsSchema = z.strictObject({
  job: text("a Prometheus job name").default("streambus"),
  runbookUrl: text("the URL of the runbooks page").default("streambus-runbooks.md"),
  rateWindow: duration.prefault("5m"),
  replicationLagEntries: wholeNumber(1).default(10_000),
  latencyP99: duration.prefault("1s"),
  diskFreeRatio: decimal("must be a fraction between 0 and 1, like 0.2", (n) => n.gt(0).lt(1)).default(0.2),
  errorRate: decimal("must be errors per second above 0, like 10", (n) => n.positive()).default(10),
});

const ports = z.strictObject({
  client: wholeNumber(1, 65535).default(9092),
  admin: wholeNumber(1, 65535).default(8080),
  raft: wholeNumber(1, 65535).default(9093),
});

const local = z.strictObject({
  controlUrl: z.url({
    protocol: /^https?$/,
    error: 'must be the emulator\'s control URL, like "http://127.0.0.1:7070"',
  }),
  racks: z.array(text("a rack name")).min(1).default(["a", "b", "c"]),
  outputDir: text("a directory path").optional(),
});

const subnet = z.strictObject({
  id: matching(/^subnet-[0-9a-f]+$/, 'a subnet id like "subnet-0abc12"'),
  availabilityZone: matching(/^[a-z]{2}(-[a-z]+)+-\d[a-z]$/, 'an availability zone like "us-east-1a"'),
});

const aws = z.strictObject({
  region: matching(/^[a-z]{2}(-[a-z]+)+-\d$/, 'an AWS region like "us-east-1"'),
  vpcId: matching(/^vpc-[0-9a-f]+$/, 'a VPC id like "vpc-0abc12"'),
  subnets: z.array(subnet, { error: "must be a list of {id, availabilityZone}" }).min(1),
  instanceType: matching(/^[a-z0-9-]+\.[a-z0-9]+$/, 'an EC2 instance type like "m6i.large"').default(
    "m6i.large",
  ),
  ami: matching(/^ami-[0-9a-f]{8,17}$/, 'an AMI id like "ami-0abc1234def567890"'),
  rootVolumeSize: size.prefault("20GB"),
  dataVolume: z
    .strictObject({
      size: size.prefault("500GB"),
      type: z.enum(["gp3", "io2"], { error: 'must be "gp3" or "io2"' }).default("gp3"),
      iops: wholeNumber(3000, 256_000).default(3000),
      throughput: wholeNumber(125, 1000).default(125),
    })
    .prefault({}),
  clientCidrs: z.array(cidr).min(1, { error: "must list at least one CIDR" }),
  operatorCidrs: z.array(operatorCidr).min(1, { error: "must list at least one CIDR" }),
  ssh: z.strictObject({
    user: text("a login name").default("ec2-user"),
    keyName: text("an EC2 key pair name"),
    proxyHost: text("a bastion host name").optional(),
  }),
  prometheusWorkspaceId: matching(/^ws-[0-9a-f-]+$/, 'an AMP workspace id like "ws-1234abcd-..."').optional(),
  tags: z.record(z.string(), z.string()).default({}),
});

const resourceList = z.strictObject({ cpu: quantity, memory: quantity });

const kubernetes = z.strictObject({
  namespace: matching(
    /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/,
    "a DNS label (lowercase letters, digits, '-')",
  ).default("streambus"),
  createNamespace: bool.default(true),
  image: matching(/^[\w.\-/:@]+$/, 'a container image like "ghcr.io/streambus/broker:1.4.2"'),
  storageClass: text("a StorageClass name").optional(),
  storageSize: size.prefault("100GB"),
  resources: z
    .strictObject({
      requests: resourceList.prefault({ cpu: "1", memory: "4Gi" }),
      limits: resourceList.prefault({ cpu: "2", memory: "8Gi" }),
    })
    .prefault({}),
  adminAccess: z
    .strictObject({
      namespaces: z.array(text("a namespace")).default(["monitoring"]),
      cidrs: z.array(operatorCidr).default([]),
    })
    .prefault({}),
  serviceMonitorLabels: z.record(z.string(), z.string()).default({ release: "prometheus" }),
});

/**
 * `tls`: the admin API over HTTPS. `enabled` defaults by platform (see `stacks/config.ts`: on for aws and
 * kubernetes, off on the emulator); without `caCertificate` the stack makes its own private CA and
 * keeps it in its state; with it, `caKey` (a secret) signs each broker's certificate. The rules in
 * `stacks/config-rules.ts` check the pair.
 */
const tls = z.strictObject({
  enabled: bool.optional(),
  caCertificate: matching(
    /-----BEGIN CERTIFICATE-----/,
    'a PEM CA certificate: `pulumi config set --path streambus:tls.caCertificate -- "$(cat ca.pem)"`',
  ).optional(),
  /** A secret: a string (or a secret Output); whether it is the certificate's own is a rule's check. */
  caKey: z
    .custom<unknown>(
      (v) => (typeof v === "string" && v !== "") || (typeof v === "object" && v !== null && "apply" in v),
      {
        error:
          "must be the CA's PEM private key, set as a secret: " +
          '`pulumi config set --secret --path streambus:tls.caKey -- "$(cat ca.key)"`',
      },
    )
    .optional(),
  validityDays: wholeNumber(1, 3650).default(825),
});

/**
 * `adminEndpoints`: broker id → an admin URL reachable from where `pulumi` runs (a tunnel, an
 * internal load balancer, a runner inside the network), for when the platform's own URLs are
 * private (aws) or cluster-internal (kubernetes). Brokers not listed use the platform's URL.
 */
const adminEndpoints = z.record(
  z.string().regex(/^[1-9]\d*$/, { error: "keys must be broker ids (whole numbers from 1)" }),
  z.url({ protocol: /^https?$/, error: 'must be an http(s) admin URL, like "https://127.0.0.1:18080"' }),
  { error: 'must map broker ids to admin URLs, like {"1": "https://127.0.0.1:18080"}' },
);

/** The whole `streambus` namespace of a stack's config, before the cross-field rules. */
export const stackConfigSchema = z.strictObject({
  platform: z.enum(["local", "aws", "kubernetes"], { error: 'must be one of "local", "aws", "kubernetes"' }),
  brokers: brokersSchema.default(3),
  /** A test or single-node cluster: fewer than 3 brokers are allowed (see `fewBrokersProblems`). */
  testCluster: bool.default(false),
  adminToken: z.unknown().optional(),
  sshPrivateKey: z.unknown().optional(),
  retention: retention.prefault({}),
  compaction: compaction.prefault({}),
  storage: storage.prefault({}),
  network: network.prefault({}),
  quotas: quotas.prefault({}),
  topics: z.array(topic, { error: "must be a list of topics" }).default([]),
  rebalance: rebalance.prefault({}),
  adminEndpoints: adminEndpoints.default({}),
  tls: tls.prefault({}),
  force: bool.default(false),
  backup: backup.prefault({}),
  alerts: alertsSchema.prefault({}),
  ports: ports.prefault({}),
  local: local.optional(),
  aws: aws.optional(),
  kubernetes: kubernetes.optional(),
});

/** The parsed config, before normalization. */
export type ParsedStackConfig = z.output<typeof stackConfigSchema>;
