import type { Command } from "../command";
import { EXIT, UsageError } from "../errors";
import { S3_OPTIONS, s3Target } from "./s3-settings";

/** `streambus-ops backups [--verify ID]`: list backups, or check one against its manifest. */
export const command: Command = {
  name: "backups",
  order: 100,
  summary: "list the backups in the bucket; --verify ID checks one against its manifest",
  usage: "--bucket NAME [--verify ID] [--prefix P] [--s3-endpoint URL] [--region R]",
  options: { ...S3_OPTIONS, verify: { type: "string" } },
  async run(ctx, { values }) {
    const s3 = s3Target(values, ctx.env);
    const [{ listBackups, verifyBackup }, { formatBytes }] = await Promise.all([
      import("../../procedures/backup/index.js"),
      import("../../procedures/common.js"),
    ]);
    const opts = { s3, deadlineMs: ctx.deadlineMs, signal: ctx.signal };
    const { out } = ctx;
    if (typeof values.verify === "string") {
      if (!/^[\w.-]+$/.test(values.verify))
        throw new UsageError(`--verify takes a backup id like 20251110-120000: got "${values.verify}"`);
      const v = await verifyBackup(opts, values.verify);
      out.document(v);
      for (const o of v.objects)
        out.check(o.ok, `${o.key}: ${o.ok ? `${formatBytes(o.size_bytes)}, sha256 matches` : o.problem}`);
      out.check(
        v.ok,
        `Backup ${v.backupId}: ${v.ok ? "matches its manifest" : "does not match its manifest"}`,
      );
      return v.ok ? EXIT.ok : EXIT.failed;
    }
    const list = await listBackups(opts);
    out.document(list);
    if (list.length === 0) out.line(`no backups in s3://${s3.bucket}/${s3.prefix ?? ""}`);
    for (const b of list) {
      if (!b.complete) out.check(false, `${b.backupId}: incomplete (no manifest: interrupted)`);
      else
        out.check(
          true,
          `${b.backupId}: cluster ${b.clusterId}, ${b.snapshots} snapshots, ${formatBytes(b.totalBytes ?? 0)}, taken ${b.createdAt}`,
        );
    }
    return list.every((b) => b.complete) ? EXIT.ok : EXIT.failed;
  },
};
