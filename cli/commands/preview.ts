import { existsSync, statSync } from "node:fs";
import { resolve } from "node:path";
import type { Command } from "../command";
import { EXIT, UsageError } from "../errors";

/**
 * `streambus-ops preview --stack S [--policy-pack DIR]... [--out FILE]`: the pull-request comment
 * for a stack's preview, with the policy packs' verdicts.
 */
export const command: Command = {
  name: "preview",
  order: 200,
  summary:
    "run `pulumi preview` on a stack, with each --policy-pack, and print a pull-request comment in Markdown (--out FILE writes it there); exit 0 when the preview succeeds (advisory policies are warnings), 1 when it fails or a mandatory policy is violated (the comment says why), 2 bad usage",
  usage: "--stack STACK [--policy-pack DIR]... [--out FILE]",
  options: {
    stack: { type: "string" },
    out: { type: "string" },
    "policy-pack": { type: "string", multiple: true },
  },
  async run(ctx, { values, lists }) {
    const [{ stackFlag, runForEvents, previewReport, renderPreviewComment }, { writeFile }] =
      await Promise.all([import("../stack-report/index.js"), import("node:fs/promises")]);
    const stack = stackFlag(values, "stack");
    const out = typeof values.out === "string" ? values.out : undefined;
    // Absolute: the engine runs in the project's folder, which need not be the working directory.
    const policyPacks = (lists["policy-pack"] ?? []).map((dir) => {
      const path = resolve(dir);
      if (!existsSync(path) || !statSync(path).isDirectory())
        throw new UsageError(
          `--policy-pack ${dir}: no such folder (a policy pack's, with PulumiPolicy.yaml)`,
        );
      return path;
    });
    // A stack that cannot be opened (none of that name, no backend) is a failed preview: the
    // comment says so, as it does for an engine error.
    const run = await runForEvents("preview", { stack, signal: ctx.signal, policyPacks }).catch(
      (error: unknown) => ({
        events: [],
        ok: false,
        error: (error as Error).message,
      }),
    );
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
