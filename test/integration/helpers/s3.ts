/**
 * A real S3-compatible server for the backup tests: versitygw (built from the Go module
 * proxy by scripts/versitygw.sh) on a loopback port, with a temporary posix backend dir.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { homedir, tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, ListBucketsCommand, S3Client } from "@aws-sdk/client-s3";
import type { S3Target } from "../../../procedures/backup";

/** Where scripts/versitygw.sh puts the binary (or `VERSITYGW_BIN`). */
export function versitygwPath(): string {
  if (process.env.VERSITYGW_BIN) return process.env.VERSITYGW_BIN;
  const cache = process.env.XDG_CACHE_HOME ?? join(homedir(), ".cache");
  return join(cache, "streambus-infra", "bin", "versitygw");
}

/** A running versitygw with one bucket. */
export interface TestS3 {
  /** The target for the backup procedures. */
  target: S3Target & { credentials: { accessKeyId: string; secretAccessKey: string } };
  /** The environment for the CLI. */
  env: Record<string, string>;
  /** A client for checks and tampering. */
  client: S3Client;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts versitygw on 127.0.0.1 with a fresh backend dir and creates `bucket`. */
export async function startVersitygw(bucket = "streambus-backups"): Promise<TestS3> {
  const bin = versitygwPath();
  if (!existsSync(bin)) {
    throw new Error(
      `versitygw is not installed at ${bin}: run scripts/versitygw.sh first (it builds it from the Go module proxy)`,
    );
  }
  const dir = mkdtempSync(join(tmpdir(), "sb-s3-"));
  const port = await freePort();
  const credentials = { accessKeyId: "testaccess", secretAccessKey: "testsecret123" };
  const child: ChildProcess = spawn(
    bin,
    [
      "--port",
      `127.0.0.1:${port}`,
      "--access",
      credentials.accessKeyId,
      "--secret",
      credentials.secretAccessKey,
      "posix",
      dir,
    ],
    { stdio: ["ignore", "ignore", "pipe"] },
  );
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ endpoint, region: "us-east-1", forcePathStyle: true, credentials });
  const until = Date.now() + 15_000;
  for (;;) {
    try {
      await client.send(new ListBucketsCommand({}));
      break;
    } catch (error) {
      if (child.exitCode !== null || Date.now() > until) {
        child.kill();
        throw new Error(`versitygw did not start on ${endpoint}: ${stderr || String(error)}`);
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  await client.send(new CreateBucketCommand({ Bucket: bucket }));
  return {
    target: { bucket, endpoint, region: "us-east-1", credentials },
    env: {
      AWS_ACCESS_KEY_ID: credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: credentials.secretAccessKey,
      AWS_REGION: "us-east-1",
      STREAMBUS_S3_ENDPOINT: endpoint,
      STREAMBUS_BACKUP_BUCKET: bucket,
    },
    client,
    async stop() {
      client.destroy();
      await new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      });
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
