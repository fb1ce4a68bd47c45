import type { Command } from "../command";
import { UsageError } from "../errors";

/** Drift's exit codes: 2 is taken by "drift found", so a usage error of drift's own is 1. */
export const DRIFT_EXIT = { none: 0, drift: 2, failed: 1 } as const;

/** `streambus-ops drift --stack S [--json]`: the scheduled drift check. */
export const command: Command = {
  name: "drift",
  order: 210,
  summary:
    "refresh a stack in preview-only mode and report each drifted resource and field, unmanaged and missing members; exit 0 no drift, 2 drift, 1 the check failed (cluster unreachable, engine error, or a missing/bad --stack)",
  usage: "--stack STACK [--json]",
  usageExitCode: DRIFT_EXIT.failed,
  options: { stack: { type: "string" } },
  async run(ctx, { values }) {
    const { stackFlag, runForEvents, driftReport, driftLines } = await import("../stack-report/index.js");
    let stack: string;
    try {
      stack = stackFlag(values, "stack");
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      ctx.out.error(`${error.message} (usage: streambus-ops drift --stack STACK [--json])`);
      return DRIFT_EXIT.failed;
    }
    const run = await runForEvents("refresh", { stack, signal: ctx.signal }).catch((error: unknown) => ({
      events: [],
      ok: false,
      error: (error as Error).message,
    }));
    const report = driftReport(stack, run);
    ctx.out.document(report);
    for (const line of driftLines(report)) ctx.out.check(line.ok, line.text);
    if (!report.checked) {
      ctx.out.error(`drift check failed: ${report.failure[0] ?? "see above"}`);
      return DRIFT_EXIT.failed;
    }
    return report.drift ? DRIFT_EXIT.drift : DRIFT_EXIT.none;
  },
};
