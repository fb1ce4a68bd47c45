import type { PolicyResource } from "@pulumi/policy";

/**
 * What the policies share: the type tokens of the StreamBus resources as the engine sees them,
 * the stack's name (from a URN), the ports and CIDRs that count as "open", and reading a value
 * that may be unknown during a preview.
 */

/**
 * The live-cluster resources are dynamic-provider resources on every platform (local, aws,
 * kubernetes); `pulumi.dynamic.Resource` with a module and a type gives them these tokens.
 */
export const STREAMBUS_TYPES = {
  membership: "pulumi-nodejs:dynamic/streambus:ClusterMembership",
  clusterConfig: "pulumi-nodejs:dynamic/streambus:ClusterConfig",
  topic: "pulumi-nodejs:dynamic/streambus:Topic",
  localBroker: "pulumi-nodejs:dynamic/streambus:LocalBroker",
} as const;

/** The aws and kubernetes resource types the policies look at. */
export const CLOUD_TYPES = {
  bucket: ["aws:s3/bucket:Bucket", "aws:s3/bucketV2:BucketV2"],
  bucketVersioning: [
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketVersioningV2:BucketVersioningV2",
  ],
  bucketEncryption: [
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration",
    "aws:s3/bucketServerSideEncryptionConfigurationV2:BucketServerSideEncryptionConfigurationV2",
  ],
  bucketPublicAccessBlock: ["aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"],
  bucketAcl: ["aws:s3/bucketAcl:BucketAcl", "aws:s3/bucketAclV2:BucketAclV2"],
  securityGroup: "aws:ec2/securityGroup:SecurityGroup",
  securityGroupRule: "aws:ec2/securityGroupRule:SecurityGroupRule",
  ingressRule: "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule",
  ebsVolume: "aws:ebs/volume:Volume",
  instance: "aws:ec2/instance:Instance",
  networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
  service: "kubernetes:core/v1:Service",
  storageClass: "kubernetes:storage.k8s.io/v1:StorageClass",
} as const;

/** The stack's name, from a URN (`urn:pulumi:<stack>::<project>::<type>::<name>`). */
export function stackOf(urn: string): string {
  return /^urn:pulumi:([^:]+)::/.exec(urn)?.[1] ?? "";
}

/** The default test of a production stack's name: a `prod` or `production` word in it. */
export const PROD_STACK_PATTERN = "(^|[^a-z0-9])prod(uction)?([^a-z0-9]|$)";

/** Whether `stack` is a production stack: its name matches `pattern` (case-insensitive). */
export function isProdStack(stack: string, pattern: string = PROD_STACK_PATTERN): boolean {
  return new RegExp(pattern, "i").test(stack);
}

/** Whether a CIDR block is the whole internet (IPv4 or IPv6). */
export function isOpenToWorld(cidr: unknown): boolean {
  return typeof cidr === "string" && /\/0$/.test(cidr.trim());
}

/** The ports of the admin API and Raft: the stack config's defaults (`streambus:ports`). */
export const DEFAULT_PORTS = { admin: 8080, raft: 9093 } as const;

/**
 * The guarded ports (`admin`, `raft`) that a range opens. A protocol of `-1`/`all` opens every
 * port whatever the range says.
 */
export function guardedPortsIn(
  range: { fromPort?: unknown; toPort?: unknown; protocol?: unknown },
  ports: { admin: number; raft: number },
): Array<"admin" | "raft"> {
  const all = range.protocol === "-1" || range.protocol === "all";
  const from = typeof range.fromPort === "number" ? range.fromPort : 0;
  const to = typeof range.toPort === "number" ? range.toPort : 65535;
  return (["admin", "raft"] as const).filter((p) => all || (from <= ports[p] && ports[p] <= to));
}

/**
 * A value that may be unknown during a preview: the policy SDK's proxy throws on reading one.
 * Returns `undefined` instead, for the checks that can do without it.
 */
export function known<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (e) {
    if (e instanceof Error && e.constructor.name === "UnknownValueError") return undefined;
    throw e;
  }
}

/** Whether `r` is one of `types`. */
export function isOneOf(r: { type: string }, types: readonly string[] | string): boolean {
  return typeof types === "string" ? r.type === types : types.includes(r.type);
}

/**
 * The resources of `types` that refer to `target` through their `property` (the engine's
 * property dependencies; after an update, also the bucket's name or id as a plain value).
 */
export function referring(
  resources: readonly PolicyResource[],
  types: readonly string[],
  target: PolicyResource,
  property = "bucket",
): PolicyResource[] {
  const names = new Set(
    [known(() => target.props.bucket), known(() => target.props.id)].filter((v) => typeof v === "string"),
  );
  return resources.filter((r) => {
    if (!isOneOf(r, types)) return false;
    if ((r.propertyDependencies[property] ?? []).some((d) => d.urn === target.urn)) return true;
    const value = known(() => r.props[property]);
    return typeof value === "string" && names.has(value);
  });
}
