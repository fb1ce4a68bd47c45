import { readFileSync } from "node:fs";
import type { Command } from "../command";
import { EXIT, UsageError } from "../errors";

/** The `streambus:alerts` block of a stack file, validated as the program validates it. */
async function alertsOfStackFile(path: string): Promise<unknown> {
  const [{ parse }, { alertsSchema }] = await Promise.all([
    import("yaml"),
    import("../../common/config-schema.js"),
  ]);
  let doc: { config?: Record<string, unknown> } | null;
  try {
    doc = parse(readFileSync(path, "utf8")) as typeof doc;
  } catch (error) {
    throw new UsageError(`--stack-file ${path}: ${(error as Error).message.split("\n")[0]}`);
  }
  const raw = doc?.config?.["streambus:alerts"] ?? {};
  const result = alertsSchema.safeParse(raw, { reportInput: true });
  if (!result.success) {
    const { describeIssue } = await import("../../common/config-messages.js");
    const problems = result.error.issues.flatMap((issue) =>
      describeIssue({ ...issue, path: ["alerts", ...issue.path] }, { alerts: raw }),
    );
    throw new UsageError(`--stack-file ${path}: ${problems.join("; ")}`);
  }
  return result.data;
}

/** `streambus-ops alerts`: the Prometheus rules file the stacks deploy, for review or `rule_files`. */
export const command: Command = {
  name: "alerts",
  order: 200,
  summary: "print the alert rules file (the stack file's thresholds with --stack-file)",
  usage: "[--stack-file Pulumi.STACK.yaml]",
  options: { "stack-file": { type: "string" } },
  async run(ctx, { positionals, values }) {
    if (positionals.length > 0) throw new UsageError(`alerts takes no arguments (got "${positionals[0]}")`);
    const stackFile = values["stack-file"];
    const settings = typeof stackFile === "string" ? await alertsOfStackFile(stackFile) : {};
    const { renderRulesFile } = await import("../../components/alerts/index.js");
    const text = renderRulesFile(settings as Parameters<typeof renderRulesFile>[0]);
    ctx.out.document({ rules: text });
    if (!ctx.out.json) process.stdout.write(text);
    return EXIT.ok;
  },
};
