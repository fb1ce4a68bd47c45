import type { Command } from "../command";
import { EXIT } from "../errors";

/** `streambus-ops preview --stack S [--out FILE]`: the pull-request comment for a stack's preview. */
export const command: Command = {
  name: "preview",
  order: 200,
  summary:
    "run `pulumi preview` on a stack and print a pull-request comment in Markdown (--out FILE writes it there); exit 0 when the preview succeeds, 1 when it fails (the comment says why), 2 bad usage",
  usage: "--stack STACK [--out FILE]",
  options: { stack: { type: "string" }, out: { type: "string" } },
  async run(ctx, { values }) {
    const [{ stackFlag, runForEvents, previewReport, renderPreviewComment }, { writeFile }] =
      await Promise.all([import("../stack-report/index.js"), import("node:fs/promises")]);
    const stack = stackFlag(values, "stack");
    const out = typeof values.out === "string" ? values.out : undefined;
    // A stack that cannot be opened (none of that name, no backend) is a failed preview: the
    // comment says so, as it does for an engine error.
    const run = await runForEvents("preview", { stack, signal: ctx.signal }).catch((error: unknown) => ({
      events: [],
      ok: false,
      error: (error as Error).message,
    }));
    const report = previewReport(stack, run);
    const markdown = renderPreviewComment(report);
    if (out) await writeFile(out, `${markdown}\n`);
    else if (!ctx.out.json) process.stdout.write(`${markdown}\n`);
    ctx.out.document({ ...report, comment: markdown });
    if (!report.ok)
      ctx.out.error(`preview of stack ${stack} failed: ${report.failure[0] ?? "see the comment"}`);
    return report.ok ? EXIT.ok : EXIT.failed;
  },
};
