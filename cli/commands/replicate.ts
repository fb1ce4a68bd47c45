import type { Command } from "../command";
import { EXIT } from "../errors";

/** `streambus-ops replicate --from A --to B [--overlay FILE]`. */
export const command: Command = {
  name: "replicate",
  order: 220,
  summary:
    "write stack B's config from stack A's, rewritten by the overlay (sizes, counts, CIDRs, names); secrets are never copied: B keeps its own, gets a generated one, or you are told to set one; exit 0 written, 1 failed, 2 bad usage",
  usage: "--from STACK --to STACK [--overlay FILE]",
  options: { from: { type: "string" }, to: { type: "string" }, overlay: { type: "string" } },
  async run(ctx, { values }) {
    const [{ replicationArgs }, config] = await Promise.all([
      import("../stack-config/load.js"),
      import("../stack-config/index.js"),
    ]);
    const { from, to, overlay, overlayPath } = await replicationArgs(values);
    const source = await config.readStackConfig(from);
    const target = await config.readStackConfigOrEmpty(to);
    const plan = config.replicationPlan(config.expectedConfig(source, overlay), target, overlay);
    await config.writeStackConfig(to, plan.config);
    for (const key of plan.generate) await config.generateSecret(to, key);
    const { out } = ctx;
    out.document({ from, to, ...plan, config: undefined });
    out.check(
      true,
      `${config.stackFile(to)}: ${from}'s config${overlayPath ? ` with the overlay ${overlayPath}` : ""} written ` +
        `(${plan.changed.length} key${plan.changed.length === 1 ? "" : "s"} changed${plan.changed.length ? `: ${plan.changed.join(", ")}` : ""}` +
        `${plan.removed.length ? `; removed: ${plan.removed.join(", ")}` : ""})`,
    );
    for (const key of plan.generate)
      out.check(true, `${key}: ${to}'s own secret generated (${from}'s is never copied)`);
    for (const path of plan.operator)
      out.line(
        `to do: ${path} is a secret in ${from} and not set in ${to}: set ${to}'s own: ` +
          `pulumi config set --secret ${path.includes(".") ? `--path ${path}` : path} --stack ${to}`,
      );
    return EXIT.ok;
  },
};
