import type { Command } from "../command";
import { parsePositiveInt } from "../duration";
import { EXIT } from "../errors";

/** `streambus-ops rebalance [--dry-run]`. */
export const command: Command = {
  name: "rebalance",
  order: 60,
  summary: "balance partitions across the active members and wait (--dry-run: show the plan only)",
  usage: "[--dry-run] [--max-moves N] [--throttle BYTES_PER_S]",
  options: { "dry-run": { type: "boolean" }, "max-moves": { type: "string" }, throttle: { type: "string" } },
  async run(ctx, { values }) {
    const maxMoves =
      typeof values["max-moves"] === "string"
        ? parsePositiveInt(values["max-moves"], "--max-moves")
        : undefined;
    const throttle =
      typeof values.throttle === "string" ? parsePositiveInt(values.throttle, "--throttle") : undefined;
    const cluster = await ctx.cluster();
    const [{ rebalance }, { formatBytes }] = await Promise.all([
      import("../../procedures/rebalance.js"),
      import("../../procedures/common.js"),
    ]);
    const r = await rebalance(cluster, {
      dryRun: values["dry-run"] === true,
      ...(maxMoves ? { maxConcurrentMoves: maxMoves } : {}),
      ...(throttle ? { throttleBytesPerS: throttle } : {}),
      deadlineMs: ctx.deadlineMs,
      signal: ctx.signal,
      onProgress: ctx.out.progress,
    });
    const { out } = ctx;
    out.document(r);
    if (r.plan) {
      out.check(
        true,
        `Plan: ${r.plan.moves_total} moves, ${formatBytes(r.plan.bytes_total)} (nothing changed)`,
      );
      for (const m of r.plan.moves) {
        out.line(
          `  ${m.topic}/${m.partition}: ${m.from.join(",")} → ${m.to.join(",")} (${formatBytes(m.bytes)})`,
        );
      }
    } else if (r.rebalanceId === null) {
      out.check(true, "Partitions: already balanced, no moves");
    } else {
      out.check(
        true,
        `Rebalance ${r.rebalanceId} ${r.status}${r.adopted ? " (was already running)" : ""}: ` +
          `${r.moves.done}/${r.moves.total} moves, ${formatBytes(r.bytes.done)}`,
      );
    }
    return EXIT.ok;
  },
};
