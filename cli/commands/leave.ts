import type { Command } from "../command";
import { EXIT } from "../errors";
import { removeStep } from "./shared";

/** `streambus-ops leave ID`: guards, then the drained broker leaves for good. */
export const command: Command = {
  name: "leave",
  order: 80,
  summary: "check the guards and remove drained broker ID from the cluster for good",
  usage: "ID [--force]",
  options: { force: { type: "boolean" } },
  async run(ctx, args) {
    const { id } = await removeStep(ctx, args, "leave");
    ctx.out.check(true, `broker-${id}: left the cluster`);
    return EXIT.ok;
  },
};
