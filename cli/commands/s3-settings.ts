import type { S3Target } from "../../procedures/backup/s3";
import { UsageError } from "../errors";

/** The flags of the S3 target, shared by `backup` and `backups`. */
export const S3_OPTIONS = {
  bucket: { type: "string" },
  prefix: { type: "string" },
  "s3-endpoint": { type: "string" },
  region: { type: "string" },
} as const;

/**
 * The S3 target from flags, then `STREAMBUS_BACKUP_BUCKET`, `STREAMBUS_BACKUP_PREFIX`,
 * `STREAMBUS_S3_ENDPOINT` (or `AWS_ENDPOINT_URL_S3`), `AWS_REGION`. Credentials come from
 * the AWS SDK's own chain (`AWS_ACCESS_KEY_ID`/`AWS_SECRET_ACCESS_KEY`, a profile, a role).
 */
export function s3Target(
  values: Record<string, string | boolean | undefined>,
  env: NodeJS.ProcessEnv,
): S3Target {
  const pick = (flag: string, ...vars: string[]) =>
    typeof values[flag] === "string" ? (values[flag] as string) : vars.map((v) => env[v]).find((v) => v);
  const bucket = pick("bucket", "STREAMBUS_BACKUP_BUCKET");
  if (!bucket) throw new UsageError("no bucket: pass --bucket NAME or set STREAMBUS_BACKUP_BUCKET");
  const endpoint = pick("s3-endpoint", "STREAMBUS_S3_ENDPOINT", "AWS_ENDPOINT_URL_S3");
  if (endpoint !== undefined && !isHttpUrl(endpoint)) {
    throw new UsageError(`--s3-endpoint must be an http(s) URL: got "${endpoint}"`);
  }
  let prefix = pick("prefix", "STREAMBUS_BACKUP_PREFIX") ?? "";
  if (prefix && !prefix.endsWith("/")) prefix += "/";
  const region = pick("region", "AWS_REGION");
  return { bucket, prefix, ...(endpoint ? { endpoint } : {}), ...(region ? { region } : {}) };
}

/** Whether `text` parses as an http(s) URL with a host (a bad port or host fails here, not in the SDK). */
function isHttpUrl(text: string): boolean {
  if (!/^https?:\/\/[^/\s]+/.test(text)) return false;
  try {
    return new URL(text).host !== "";
  } catch {
    return false;
  }
}
