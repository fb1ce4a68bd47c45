import type { PolicyResource, ResourceValidationPolicy, StackValidationPolicy } from "@pulumi/policy";
import { CLOUD_TYPES, isOneOf, known, referring } from "./support";

/** The canned ACLs that make a bucket readable (or writable) beyond its account. */
const PUBLIC_ACLS = ["public-read", "public-read-write", "authenticated-read"];

/** The four switches of a public access block, all of which must be on. */
const BLOCK_SWITCHES = ["blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets"];

/** What is wrong with one bucket, judged with the resources that configure it. */
export function bucketProblems(bucket: PolicyResource, resources: readonly PolicyResource[]): string[] {
  const problems: string[] = [];
  const p = bucket.props;

  const inlineVersioning = known(() => p.versioning?.enabled) === true;
  const versioned =
    inlineVersioning ||
    referring(resources, CLOUD_TYPES.bucketVersioning, bucket).some(
      (v) => known(() => v.props.versioningConfiguration?.status) === "Enabled",
    );
  if (!versioned) {
    problems.push("is not versioned (add an aws.s3.BucketVersioning with status Enabled)");
  }

  const sse = (rules: unknown): boolean =>
    Array.isArray(rules) &&
    rules.some((r) => {
      const algorithm = known(() => r?.applyServerSideEncryptionByDefault?.sseAlgorithm);
      return typeof algorithm === "string" && algorithm.length > 0;
    });
  const encrypted =
    sse(
      known(() => p.serverSideEncryptionConfiguration?.rule && [p.serverSideEncryptionConfiguration.rule]),
    ) ||
    referring(resources, CLOUD_TYPES.bucketEncryption, bucket).some((e) => sse(known(() => e.props.rules)));
  if (!encrypted) {
    problems.push("is not encrypted (add an aws.s3.BucketServerSideEncryptionConfiguration with aws:kms)");
  }

  const acls = [
    known(() => p.acl),
    ...referring(resources, CLOUD_TYPES.bucketAcl, bucket).map((a) => known(() => a.props.acl)),
  ];
  const publicAcl = acls.find((a) => typeof a === "string" && PUBLIC_ACLS.includes(a));
  if (publicAcl !== undefined) problems.push(`has the public ACL "${String(publicAcl)}" (remove it)`);

  const blocks = referring(resources, CLOUD_TYPES.bucketPublicAccessBlock, bucket);
  const blocked = blocks.some((b) => BLOCK_SWITCHES.every((s) => known(() => b.props[s]) === true));
  if (!blocked) {
    problems.push(
      `may be made public (add an aws.s3.BucketPublicAccessBlock with ${BLOCK_SWITCHES.join(", ")} all true)`,
    );
  }
  return problems;
}

/**
 * Mandatory: every S3 bucket of the stack (the backup and archive buckets) is versioned,
 * encrypted at rest and closed to the public. A stack policy, since the settings live on their
 * own resources that refer to the bucket (the engine's property dependencies link them).
 */
export const backupBucketsProtected: StackValidationPolicy = {
  name: "backup-buckets-protected",
  description: "Backup and archive buckets are versioned, encrypted and not public.",
  enforcementLevel: "mandatory",
  validateStack: (args, report) => {
    for (const bucket of args.resources.filter((r) => isOneOf(r, CLOUD_TYPES.bucket))) {
      const problems = bucketProblems(bucket, args.resources);
      if (problems.length === 0) continue;
      report(
        `${bucket.name}: backup bucket ${problems.join("; ")}. Fix: declare it through ` +
          "createBackupBuckets (components/backup), which sets all of these.",
        bucket.urn,
      );
    }
  },
};

/** The EBS provisioners whose StorageClass says whether volumes are encrypted. */
const EBS_PROVISIONERS = ["ebs.csi.aws.com", "kubernetes.io/aws-ebs"];

/**
 * Mandatory: the brokers' volumes are encrypted at rest: aws EBS volumes, an instance's root and
 * extra block devices, and a kubernetes StorageClass of the stack on EBS.
 */
export const dataVolumesEncrypted: ResourceValidationPolicy = {
  name: "data-volumes-encrypted",
  description: "Broker data and root volumes are encrypted at rest.",
  enforcementLevel: "mandatory",
  validateResource: (args, report) => {
    const p = args.props;
    if (args.type === CLOUD_TYPES.ebsVolume && known(() => p.encrypted) !== true) {
      report(
        `${args.name}: EBS volume is not encrypted. Fix: set encrypted: true (components/aws/broker.ts does).`,
      );
    }
    if (args.type === CLOUD_TYPES.instance) {
      const root = known(() => p.rootBlockDevice) as { encrypted?: unknown } | undefined;
      if (known(() => root?.encrypted) !== true) {
        report(`${args.name}: root volume is not encrypted. Fix: set rootBlockDevice.encrypted: true.`);
      }
      const extra = (known(() => p.ebsBlockDevices) ?? []) as Array<{
        deviceName?: unknown;
        encrypted?: unknown;
      }>;
      for (const d of extra) {
        if (known(() => d.encrypted) === true) continue;
        report(
          `${args.name}: block device ${String(known(() => d.deviceName))} is not encrypted. ` +
            "Fix: set encrypted: true on it, or use a separate encrypted aws.ebs.Volume.",
        );
      }
    }
    if (args.type === CLOUD_TYPES.storageClass) {
      const provisioner = known(() => p.provisioner);
      if (typeof provisioner !== "string" || !EBS_PROVISIONERS.includes(provisioner)) return;
      if (String(known(() => p.parameters?.encrypted)) !== "true") {
        report(
          `${args.name}: StorageClass on ${provisioner} makes unencrypted volumes. Fix: set parameters.encrypted: "true".`,
        );
      }
    }
  },
};
