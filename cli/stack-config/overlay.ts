/**
 * The overlay: what a target stack (staging) sets differently from its source (prod), as a file
 * of its own beside the stacks (`stacks/overlays/staging.yaml`). Its `config` is a JSON merge
 * patch (RFC 7396) over the source's config, key by key: an object is merged into the source's,
 * any other value replaces it, and `null` removes it. `keep` names keys or paths the target keeps
 * as they are (never copied, never compared); `secrets` says, per secret key, whether replicate
 * generates the target's own value or leaves it to the operator.
 */
import { readFile } from "node:fs/promises";
import { parse } from "yaml";
import { z } from "zod";

/** What replicate does about a secret the source has and the target lacks. */
export const SecretPolicy = z.enum(["generate", "operator"]);

/** The overlay file's shape. */
export const OverlaySchema = z
  .object({
    /** The source stack the overlay was written against (informational; checked when given). */
    from: z.string().optional(),
    /** The target stack (informational; checked when given). */
    to: z.string().optional(),
    /** A merge patch over the source's config, by full config key (`streambus:aws`). */
    config: z
      .record(z.string(), z.unknown())
      .superRefine((config, ctx) => {
        for (const key of Object.keys(config)) {
          if (!/^[^:\s]+:[^:\s]+$/.test(key))
            ctx.addIssue({
              code: "custom",
              path: [key],
              message: `a config key is NAMESPACE:KEY (streambus:${key})`,
            });
        }
      })
      .default({}),
    /** Keys or dotted paths (`streambus:local.controlUrl`) the target keeps as they are. */
    keep: z.array(z.string()).default([]),
    /** Per secret key of the source: `generate` (a random 32-byte hex token) or `operator` (default). */
    secrets: z.record(z.string(), SecretPolicy).default({}),
  })
  .strict();

/** A parsed overlay. */
export type Overlay = z.infer<typeof OverlaySchema>;

/** No overlay: the target is to be the source's config as it is. */
export const EMPTY_OVERLAY: Overlay = { config: {}, keep: [], secrets: {} };

/** Reads and checks an overlay file; the error names the file and the field. */
export async function readOverlay(path: string): Promise<Overlay> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch (error) {
    throw new Error(
      `cannot read the overlay ${path}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`,
    );
  }
  let raw: unknown;
  try {
    raw = parse(text);
  } catch (error) {
    throw new Error(`the overlay ${path} is not YAML: ${(error as Error).message.split("\n")[0]}`);
  }
  const parsed = OverlaySchema.safeParse(raw ?? {});
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".") || "(top)"}: ${i.message}`);
    throw new Error(`the overlay ${path} is not valid: ${problems.join("; ")}`);
  }
  return parsed.data;
}

/**
 * RFC 7396: `patch` merged into `target`. Objects merge key by key, `null` removes a key, any
 * other value (arrays included) replaces. Neither argument is changed.
 */
export function mergePatch(target: unknown, patch: unknown): unknown {
  if (patch === null || typeof patch !== "object" || Array.isArray(patch)) return patch;
  const base: Record<string, unknown> =
    target !== null && typeof target === "object" && !Array.isArray(target)
      ? { ...(target as Record<string, unknown>) }
      : {};
  for (const [key, value] of Object.entries(patch)) {
    if (value === null) delete base[key];
    else base[key] = mergePatch(base[key], value);
  }
  return base;
}
