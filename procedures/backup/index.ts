import type { S3Client } from "@aws-sdk/client-s3";
import type { Snapshot } from "../contract";
import type { CallOptions, Cluster } from "../client";
import { isRetryable } from "../client/classify";
import { backoffDelay, sleep } from "../client/retry";
import { runProcedure, type ProcedureOptions } from "../common";
import { unreachableReason } from "../facts";
import {
  exists,
  getObject,
  listFolders,
  putObject,
  s3ClientFor,
  sha256,
  type S3Target,
  type StoredObject,
} from "./s3";

export * from "./s3";

/** The manifest written last into each backup: what it holds, with sizes and sha256. */
export interface BackupManifest {
  /** Format tag, so a later reader can tell versions apart. */
  format: "streambus-backup/1";
  /** The backup's id, `YYYYMMDD-HHMMSS` in UTC (the runbook's form). */
  backup_id: string;
  /** The cluster's id. */
  cluster_id: string;
  /** When the backup was taken (RFC 3339). */
  created_at: string;
  /** The Raft snapshot each broker took. */
  snapshots: Array<Snapshot & { broker_id: number }>;
  /** Brokers whose snapshot could not be taken, with why. */
  missing_snapshots: Array<{ broker_id: number; error: string }>;
  /** The objects of the backup (the manifest aside). */
  objects: StoredObject[];
}

/** Options of `backup`, `listBackups` and `verifyBackup`. */
export interface BackupOptions extends ProcedureOptions {
  /** Where backups go. */
  s3: S3Target;
  /** A client to use instead of one made from `s3`. */
  s3Client?: S3Client;
  /** The clock, for the backup id. Defaults to now. */
  now?: () => Date;
}

/** What `backup` did. */
export interface BackupReport {
  /** True when every broker's snapshot was taken. */
  ok: boolean;
  /** The backup's id. */
  backupId: string;
  /** Key of the manifest. */
  manifestKey: string;
  /** The manifest as written. */
  manifest: BackupManifest;
}

/**
 * The runbook's Manual Backup, as code: a Raft snapshot on every broker, the metadata
 * export, both uploaded with a manifest (sizes, sha256). The manifest goes last, so a
 * backup without one is known to be incomplete; a rerun takes a new backup.
 */
export function backup(cluster: Cluster, opts: BackupOptions): Promise<BackupReport> {
  return runProcedure("backup", 15 * 60_000, opts, async (ctx) => {
    const s3 = opts.s3Client ?? s3ClientFor(opts.s3);
    const prefix = opts.s3.prefix ?? "";
    const members = await cluster.refresh(ctx.call);
    ctx.left = "snapshots, metadata export and upload";
    const snapshots: BackupManifest["snapshots"] = [];
    const missing: BackupManifest["missing_snapshots"] = [];
    for (const id of cluster.brokerIds) {
      ctx.progress({ step: "snapshot", message: `snapshot of broker ${id}` });
      try {
        snapshots.push({ broker_id: id, ...(await snapshotOf(cluster, id, ctx.call)) });
      } catch (error) {
        if (ctx.signal.aborted) throw error;
        missing.push({ broker_id: id, error: unreachableReason(error) });
      }
    }
    ctx.progress({ step: "export", message: "metadata export" });
    const metadata = await cluster.admin.exportMetadata(ctx.call);
    const when = (opts.now ?? (() => new Date()))();
    let backupId = backupIdOf(when);
    for (let n = 2; await exists(s3, opts.s3.bucket, `${prefix}${backupId}/manifest.json`, ctx.signal); n++) {
      backupId = `${backupIdOf(when)}-${n}`;
    }
    const dir = `${prefix}${backupId}/`;
    ctx.left = `upload of backup ${backupId} (no manifest yet: it is incomplete, and a rerun takes a new one)`;
    ctx.progress({
      step: "upload",
      message: `uploading backup ${backupId} to s3://${opts.s3.bucket}/${dir}`,
    });
    const objects = [
      await putObject(s3, opts.s3.bucket, `${dir}metadata.json`, json(metadata), ctx.signal),
      await putObject(s3, opts.s3.bucket, `${dir}snapshots.json`, json(snapshots), ctx.signal),
    ];
    const manifest: BackupManifest = {
      format: "streambus-backup/1",
      backup_id: backupId,
      cluster_id: members.cluster_id,
      created_at: when.toISOString(),
      snapshots,
      missing_snapshots: missing,
      objects,
    };
    await putObject(s3, opts.s3.bucket, `${dir}manifest.json`, json(manifest), ctx.signal);
    ctx.progress({ step: "upload", message: `backup ${backupId} uploaded`, percent: 100 });
    return { ok: missing.length === 0, backupId, manifestKey: `${dir}manifest.json`, manifest };
  });
}

/**
 * A snapshot is sent again after an answer was lost: a second snapshot of the same broker
 * supersedes the first and changes no data, and the manifest records the one answered.
 */
async function snapshotOf(cluster: Cluster, id: number, call: CallOptions): Promise<Snapshot> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await cluster.broker(id).snapshot(call);
    } catch (error) {
      // The snapshot is idempotent here (see above): sent again after a lost answer and after a
      // refusal that proves it was not applied (a broker starting, 503 no_quorum).
      if (attempt >= 3 || !isRetryable(error, "idempotent")) throw error;
      // Back off like the client does: a broker that just failed is given a moment.
      await sleep(backoffDelay(attempt, cluster.options.retry, cluster.options.random), call.signal);
    }
  }
}

/** One backup in the bucket. */
export interface BackupSummary {
  /** The backup's id. */
  backupId: string;
  /** Whether its manifest exists (an interrupted backup has none). */
  complete: boolean;
  /** When it was taken, from the manifest. */
  createdAt?: string;
  /** The cluster it came from. */
  clusterId?: string;
  /** Bytes of its objects. */
  totalBytes?: number;
  /** Brokers whose snapshot is in it. */
  snapshots?: number;
}

/** The backups under the target's prefix, oldest first. */
export function listBackups(opts: BackupOptions): Promise<BackupSummary[]> {
  return runProcedure("list backups", 60_000, opts, async (ctx) => {
    const s3 = opts.s3Client ?? s3ClientFor(opts.s3);
    const prefix = opts.s3.prefix ?? "";
    const folders = await listFolders(s3, opts.s3.bucket, prefix, ctx.signal);
    const out: BackupSummary[] = [];
    for (const folder of folders) {
      const backupId = folder.slice(prefix.length).replace(/\/$/, "");
      const bytes = await getObject(s3, opts.s3.bucket, `${folder}manifest.json`, ctx.signal);
      if (!bytes) {
        out.push({ backupId, complete: false });
        continue;
      }
      const m = JSON.parse(Buffer.from(bytes).toString("utf8")) as BackupManifest;
      out.push({
        backupId,
        complete: true,
        createdAt: m.created_at,
        clusterId: m.cluster_id,
        totalBytes: m.objects.reduce((s, o) => s + o.size_bytes, 0),
        snapshots: m.snapshots.length,
      });
    }
    return out.sort((a, b) => a.backupId.localeCompare(b.backupId));
  });
}

/** The outcome of checking a backup against its manifest. */
export interface VerifyReport {
  /** Every object present with the size and sha256 the manifest says. */
  ok: boolean;
  /** The backup's id. */
  backupId: string;
  /** Each object, with what is wrong with it. */
  objects: Array<StoredObject & { ok: boolean; problem?: string }>;
}

/** Downloads each object of a backup and checks its size and sha256 against the manifest. */
export function verifyBackup(opts: BackupOptions, backupId: string): Promise<VerifyReport> {
  return runProcedure("verify backup", 15 * 60_000, opts, async (ctx) => {
    const s3 = opts.s3Client ?? s3ClientFor(opts.s3);
    const dir = `${opts.s3.prefix ?? ""}${backupId}/`;
    const raw = await getObject(s3, opts.s3.bucket, `${dir}manifest.json`, ctx.signal);
    if (!raw)
      throw new Error(`backup ${backupId} has no manifest at s3://${opts.s3.bucket}/${dir}manifest.json`);
    const manifest = JSON.parse(Buffer.from(raw).toString("utf8")) as BackupManifest;
    const objects: VerifyReport["objects"] = [];
    for (const o of manifest.objects) {
      const bytes = await getObject(s3, opts.s3.bucket, o.key, ctx.signal);
      let problem: string | undefined;
      if (!bytes) problem = "missing";
      else if (bytes.byteLength !== o.size_bytes)
        problem = `size ${bytes.byteLength}, manifest says ${o.size_bytes}`;
      else if (sha256(bytes) !== o.sha256) problem = "sha256 differs from the manifest";
      objects.push({ ...o, ok: problem === undefined, ...(problem ? { problem } : {}) });
    }
    return { ok: objects.every((o) => o.ok), backupId, objects };
  });
}

/** `2025-11-10T12:00:00Z` → `20251110-120000`. */
export function backupIdOf(when: Date): string {
  return when.toISOString().replace(/[-:]/g, "").replace("T", "-").slice(0, 15);
}

function json(value: unknown): Uint8Array {
  return Buffer.from(`${JSON.stringify(value, null, 2)}\n`, "utf8");
}
