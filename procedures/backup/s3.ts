import { createHash } from "node:crypto";
import {
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from "@aws-sdk/client-s3";

/** Where backups go: a bucket on S3 or on any S3-compatible server. */
export interface S3Target {
  /** The bucket; it must exist. */
  bucket: string;
  /** Key prefix of every backup, e.g. `prod/`. Defaults to none. */
  prefix?: string;
  /** Endpoint of an S3-compatible server (`http://127.0.0.1:7070`). Defaults to AWS S3. */
  endpoint?: string;
  /** Region. Defaults to `AWS_REGION`, else `us-east-1`. */
  region?: string;
  /** Path-style URLs (`endpoint/bucket/key`). Defaults to true when `endpoint` is set. */
  forcePathStyle?: boolean;
  /** Credentials. Defaults to the AWS SDK's chain (env vars, profile, instance role). */
  credentials?: { accessKeyId: string; secretAccessKey: string; sessionToken?: string };
}

/** An S3 client for a target, with checksums only where S3 requires them (for S3-compatible servers). */
export function s3ClientFor(target: S3Target): S3Client {
  return new S3Client({
    region: target.region ?? process.env.AWS_REGION ?? "us-east-1",
    ...(target.endpoint ? { endpoint: target.endpoint } : {}),
    forcePathStyle: target.forcePathStyle ?? target.endpoint !== undefined,
    ...(target.credentials ? { credentials: target.credentials } : {}),
    requestChecksumCalculation: "WHEN_REQUIRED",
    responseChecksumValidation: "WHEN_REQUIRED",
    maxAttempts: 5,
  });
}

/** One stored object: its key, size and sha256 (hex). */
export interface StoredObject {
  /** Key in the bucket. */
  key: string;
  /** Size in bytes. */
  size_bytes: number;
  /** sha256 of the bytes, hex. */
  sha256: string;
}

/** sha256 of bytes, hex. */
export function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

/** Puts bytes and returns what was stored. PutObject is a whole replace: safe to repeat. */
export async function putObject(
  s3: S3Client,
  bucket: string,
  key: string,
  bytes: Uint8Array,
  signal?: AbortSignal,
): Promise<StoredObject> {
  const digest = sha256(bytes);
  await s3.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: bytes,
      ContentType: "application/json",
      Metadata: { sha256: digest },
    }),
    { abortSignal: signal },
  );
  return { key, size_bytes: bytes.byteLength, sha256: digest };
}

/** Gets an object's bytes, or undefined when it does not exist. */
export async function getObject(
  s3: S3Client,
  bucket: string,
  key: string,
  signal?: AbortSignal,
): Promise<Uint8Array | undefined> {
  try {
    const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    return out.Body ? await out.Body.transformToByteArray() : new Uint8Array();
  } catch (error) {
    if (isNotFound(error)) return undefined;
    throw error;
  }
}

/** Whether an object exists. */
export async function exists(
  s3: S3Client,
  bucket: string,
  key: string,
  signal?: AbortSignal,
): Promise<boolean> {
  try {
    await s3.send(new HeadObjectCommand({ Bucket: bucket, Key: key }), { abortSignal: signal });
    return true;
  } catch (error) {
    if (isNotFound(error)) return false;
    throw error;
  }
}

/** The "folders" directly under `prefix` (`ListObjectsV2` with a `/` delimiter), every page. */
export async function listFolders(
  s3: S3Client,
  bucket: string,
  prefix: string,
  signal?: AbortSignal,
): Promise<string[]> {
  const out: string[] = [];
  let token: string | undefined;
  do {
    const page = await s3.send(
      new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix, Delimiter: "/", ContinuationToken: token }),
      { abortSignal: signal },
    );
    for (const p of page.CommonPrefixes ?? []) if (p.Prefix) out.push(p.Prefix);
    token = page.IsTruncated ? page.NextContinuationToken : undefined;
  } while (token);
  return out;
}

function isNotFound(error: unknown): boolean {
  const e = error as { name?: string; $metadata?: { httpStatusCode?: number } };
  return e?.name === "NoSuchKey" || e?.name === "NotFound" || e?.$metadata?.httpStatusCode === 404;
}
