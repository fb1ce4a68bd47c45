import * as aws from "@pulumi/aws";
import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../../common/config-types";
import type { PolicyDocument } from "../aws/iam";

/** The stack config's `backup` block. */
export type BackupSettings = StackConfig["backup"];

/** The backup and archive buckets and the key that encrypts both. */
export interface BackupBuckets {
  backup: aws.s3.Bucket;
  archive: aws.s3.Bucket;
  /** The ARN of the KMS key objects are encrypted with (created here unless the config names one). */
  kmsKeyArn: pulumi.Output<string>;
}

/**
 * The lifecycle of both buckets: objects move to Glacier after `archiveAfterDays` and expire
 * after `expireAfterDays`; old versions expire after `noncurrentExpireDays`; abandoned uploads
 * after a week. Pure, for tests.
 */
export function lifecycleRules(
  settings: BackupSettings,
): aws.types.input.s3.BucketLifecycleConfigurationRule[] {
  return [
    {
      id: "archive-then-expire",
      status: "Enabled",
      filter: {},
      transitions: [{ days: settings.archiveAfterDays, storageClass: "GLACIER" }],
      expiration: { days: settings.expireAfterDays },
      noncurrentVersionExpiration: { noncurrentDays: settings.noncurrentExpireDays },
      abortIncompleteMultipartUpload: { daysAfterInitiation: 7 },
    },
  ];
}

/** A bucket policy that refuses every request not made over TLS. */
export function tlsOnlyPolicy(bucketArn: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "RefusePlainHttp",
        Effect: "Deny",
        Principal: { AWS: ["*"] },
        Action: ["s3:*"],
        Resource: [bucketArn, `${bucketArn}/*`],
        Condition: { Bool: { "aws:SecureTransport": "false" } },
      },
    ],
  };
}

/**
 * Creates the backup bucket (snapshots and metadata exports) and the archive bucket (old
 * segments, as the runbook's archive script moves them), each versioned, SSE-KMS encrypted,
 * closed to the public, TLS-only and with the lifecycle above.
 */
export function createBackupBuckets(
  name: string,
  settings: BackupSettings,
  opts: pulumi.CustomResourceOptions,
): BackupBuckets {
  const kmsKeyArn =
    settings.kmsKeyArn !== undefined
      ? pulumi.output(settings.kmsKeyArn)
      : new aws.kms.Key(
          `${name}-backup-key`,
          {
            description: `${name}: StreamBus backups and archive`,
            enableKeyRotation: true,
            deletionWindowInDays: 30,
          },
          opts,
        ).arn;
  const prefix = settings.bucketPrefix ?? name;
  const bucket = (kind: "backup" | "archive"): aws.s3.Bucket => {
    const b = new aws.s3.Bucket(
      `${name}-${kind}`,
      { bucketPrefix: `${prefix}-${kind}-`, forceDestroy: settings.forceDestroy },
      opts,
    );
    new aws.s3.BucketVersioning(
      `${name}-${kind}-versioning`,
      { bucket: b.id, versioningConfiguration: { status: "Enabled" } },
      opts,
    );
    new aws.s3.BucketServerSideEncryptionConfiguration(
      `${name}-${kind}-encryption`,
      {
        bucket: b.id,
        rules: [
          {
            applyServerSideEncryptionByDefault: { sseAlgorithm: "aws:kms", kmsMasterKeyId: kmsKeyArn },
            bucketKeyEnabled: true,
          },
        ],
      },
      opts,
    );
    const publicAccess = new aws.s3.BucketPublicAccessBlock(
      `${name}-${kind}-public-access`,
      {
        bucket: b.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      opts,
    );
    new aws.s3.BucketPolicy(
      `${name}-${kind}-tls-only`,
      { bucket: b.id, policy: b.arn.apply((arn) => JSON.stringify(tlsOnlyPolicy(arn))) },
      // S3 refuses a policy change while the public access block is being set.
      { ...opts, dependsOn: [publicAccess] },
    );
    new aws.s3.BucketLifecycleConfiguration(
      `${name}-${kind}-lifecycle`,
      { bucket: b.id, rules: lifecycleRules(settings) },
      opts,
    );
    return b;
  };
  return { backup: bucket("backup"), archive: bucket("archive"), kmsKeyArn };
}
