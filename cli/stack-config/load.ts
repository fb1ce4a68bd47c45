import { UsageError } from "../errors";
import { stackFlag } from "../stack-report/args";
import { EMPTY_OVERLAY, readOverlay, type Overlay } from "./overlay";

/** The stacks and the overlay `replicate` and `parity` are given. */
export interface ReplicationArgs {
  from: string;
  to: string;
  overlay: Overlay;
  overlayPath: string | undefined;
}

/** Reads `--from`, `--to` and `--overlay`; an overlay written for other stacks is refused. */
export async function replicationArgs(
  values: Record<string, string | boolean | undefined>,
): Promise<ReplicationArgs> {
  const from = stackFlag(values, "from");
  const to = stackFlag(values, "to");
  if (from === to) throw new UsageError(`--from and --to name the same stack (${from})`);
  const overlayPath = typeof values.overlay === "string" ? values.overlay : undefined;
  const overlay = overlayPath ? await readOverlay(overlayPath) : EMPTY_OVERLAY;
  for (const [field, flag, value] of [
    ["from", "--from", from],
    ["to", "--to", to],
  ] as const) {
    if (overlay[field] !== undefined && overlay[field] !== value)
      throw new Error(
        `the overlay ${overlayPath} is written for ${field}: ${overlay[field]}, not ${flag} ${value}: pass the overlay of these stacks`,
      );
  }
  return { from, to, overlay, overlayPath };
}
