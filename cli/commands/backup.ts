import type { Command } from "../command";
import { EXIT } from "../errors";
import { S3_OPTIONS, s3Target } from "./s3-settings";

/** `streambus-ops backup`: snapshots, metadata export, upload with a manifest. */
export const command: Command = {
  name: "backup",
  order: 90,
  summary: "Raft snapshot on every broker, metadata export, upload to S3 with a manifest (sizes, sha256)",
  usage: "--bucket NAME [--prefix P] [--s3-endpoint URL] [--region R]",
  options: S3_OPTIONS,
  async run(ctx, { values }) {
    const s3 = s3Target(values, ctx.env);
    const cluster = await ctx.cluster();
    const [{ backup }, { formatBytes }] = await Promise.all([
      import("../../procedures/backup/index.js"),
      import("../../procedures/common.js"),
    ]);
    const r = await backup(cluster, {
      s3,
      deadlineMs: ctx.deadlineMs,
      signal: ctx.signal,
      onProgress: ctx.out.progress,
    });
    const { out } = ctx;
    out.document(r);
    for (const s of r.manifest.snapshots)
      out.check(true, `broker-${s.broker_id}: snapshot ${s.snapshot_id} (${formatBytes(s.size_bytes)})`);
    for (const m of r.manifest.missing_snapshots)
      out.check(false, `broker-${m.broker_id}: no snapshot (${m.error})`);
    const bytes = r.manifest.objects.reduce((sum, o) => sum + o.size_bytes, 0);
    out.check(
      r.ok,
      `Backup ${r.backupId}: ${r.manifest.objects.length + 1} objects, ${formatBytes(bytes)} + manifest at s3://${s3.bucket}/${r.manifestKey}`,
    );
    return r.ok ? EXIT.ok : EXIT.failed;
  },
};
