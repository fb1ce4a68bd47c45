/** An IAM policy document, as much of one as the brokers' role needs. */
export interface PolicyDocument {
  Version: "2012-10-17";
  Statement: Array<{
    Sid: string;
    Effect: "Allow" | "Deny";
    Action: string[];
    Resource?: string[];
    Principal?: Record<string, string[]>;
    Condition?: Record<string, Record<string, string>>;
  }>;
}

/** Lets EC2 instances take the brokers' role. */
export function ec2AssumeRolePolicy(): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "Ec2AssumesRole",
        Effect: "Allow",
        Action: ["sts:AssumeRole"],
        Principal: { Service: ["ec2.amazonaws.com"] },
      },
    ],
  };
}

/**
 * What a broker may do: write backups into the backup bucket and nothing else. Reading,
 * deleting and every other bucket are left out on purpose: a broker that is broken into cannot
 * erase the backups (the bucket is versioned too), and restores are an operator's job.
 */
export function backupWriterPolicy(backupBucketArn: string, kmsKeyArn: string): PolicyDocument {
  return {
    Version: "2012-10-17",
    Statement: [
      {
        Sid: "WriteBackups",
        Effect: "Allow",
        Action: ["s3:PutObject", "s3:AbortMultipartUpload", "s3:ListMultipartUploadParts"],
        Resource: [`${backupBucketArn}/*`],
      },
      { Sid: "ListBackups", Effect: "Allow", Action: ["s3:ListBucket"], Resource: [backupBucketArn] },
      {
        Sid: "EncryptBackups",
        Effect: "Allow",
        Action: ["kms:GenerateDataKey", "kms:Encrypt"],
        Resource: [kmsKeyArn],
      },
    ],
  };
}
