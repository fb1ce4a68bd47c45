/**
 * The engine's events, as the Automation API hands them over while `pulumi preview` or
 * `pulumi refresh --preview-only` runs (the same events `pulumi ... --event-log` writes). They,
 * and not `pulumi preview --json`, carry what a refresh read: its `--json` steps hold the state
 * from before the read, so a quota changed by hand never shows there (tried on v3.259.0). Only
 * the fields the reports use are checked; values come with secrets already shown as `[secret]`.
 */
import { z } from "zod";

/** A resource's state in an event: inputs and outputs, secrets masked by the engine. */
const StepState = z
  .object({
    type: z.string().optional(),
    inputs: z.record(z.string(), z.unknown()).nullish(),
    outputs: z.record(z.string(), z.unknown()).nullish(),
  })
  .loose();

/** A step's metadata (`resourcePreEvent` and `resOutputsEvent`). */
const StepMetadata = z
  .object({
    op: z.string(),
    urn: z.string(),
    type: z.string(),
    old: StepState.nullish(),
    new: StepState.nullish(),
  })
  .loose();

/** The subset of an engine event the reports read; other kinds pass through unchecked. */
export const EngineEventSchema = z
  .object({
    resourcePreEvent: z.object({ metadata: StepMetadata }).loose().optional(),
    resOutputsEvent: z.object({ metadata: StepMetadata }).loose().optional(),
    diagnosticEvent: z
      .object({ urn: z.string().optional(), message: z.string(), severity: z.string() })
      .loose()
      .optional(),
    policyEvent: z
      .object({
        resourceUrn: z.string().optional(),
        message: z.string(),
        policyName: z.string(),
        policyPackName: z.string(),
        policyPackVersion: z.string().optional(),
        enforcementLevel: z.string(),
      })
      .loose()
      .optional(),
    policyAnalyzeSummaryEvent: z
      .object({ policyPackName: z.string(), policyPackVersion: z.string().optional() })
      .loose()
      .optional(),
    summaryEvent: z
      .object({ result: z.string().optional(), resourceChanges: z.record(z.string(), z.number()).nullish() })
      .loose()
      .optional(),
  })
  .loose();

/** One engine event, as far as the reports read it. */
export type StackEvent = z.infer<typeof EngineEventSchema>;
/** A step's metadata. */
export type StepMeta = z.infer<typeof StepMetadata>;

/** What one engine run left: its events, whether it succeeded, and the engine's error if not. */
export interface StackRun {
  events: StackEvent[];
  ok: boolean;
  /** The engine's own words when it failed (the last `error:` line), else undefined. */
  error?: string;
}

/** Checks raw events (from the Automation API or a captured file) against the schema. */
export function parseEvents(raw: readonly unknown[]): StackEvent[] {
  return raw.map((e, i) => {
    const parsed = EngineEventSchema.safeParse(e);
    if (!parsed.success) {
      const issue = parsed.error.issues[0];
      throw new Error(
        `engine event ${i} is not in the expected shape: ${issue?.path.join(".") ?? ""}: ${issue?.message ?? ""}`,
      );
    }
    return parsed.data;
  });
}

/** Diagnostics of one severity (`info`, `warning`, `error`; `info#err` is a provider's stderr). */
export function diagnostics(
  events: readonly StackEvent[],
  severity: string,
): Array<{ urn?: string; message: string }> {
  return events.flatMap((e) =>
    e.diagnosticEvent && e.diagnosticEvent.severity === severity
      ? [{ urn: e.diagnosticEvent.urn, message: e.diagnosticEvent.message.trim() }]
      : [],
  );
}

/** The engine's own words from a failed Automation API command (its last `error:` line). */
export function engineError(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  const line = [...message.matchAll(/^\s*(?:stderr: *)?(error: .*)$/gm)].at(-1)?.[1];
  return (
    line ??
    message
      .split("\n")
      .find((l) => l.trim() !== "")
      ?.trim() ??
    "unknown error"
  );
}

/**
 * Runs `pulumi preview` or `pulumi refresh --preview-only` on a stack of the project in
 * `workDir` through the `streambus-stack` runner's stack handle (which never creates a stack on
 * a read) and keeps the engine's events. Never throws for a failed run: the failure is in the
 * result, with the error diagnostics among the events.
 */
export async function runForEvents(
  kind: "preview" | "refresh",
  options: {
    stack: string;
    workDir?: string;
    signal?: AbortSignal;
    onError?: (text: string) => void;
    /** Policy packs' folders, for a preview (`pulumi preview --policy-pack DIR`). Defaults to none. */
    policyPacks?: string[];
    /** Each raw event as it comes (`drift` reads what is under way when its deadline passes). */
    onEvent?: (event: unknown) => void;
  },
): Promise<StackRun> {
  const { openStack } = await import("../open-stack.js");
  const stack = await openStack(kind, { stack: options.stack, workDir: options.workDir });
  const raw: unknown[] = [];
  const common = {
    onEvent: (e: unknown) => {
      raw.push(e);
      options.onEvent?.(e);
    },
    // Pulumi's text goes nowhere: the report is made of the events. Its stderr (a lock's holder)
    // is passed on, as the runner does.
    onOutput: () => undefined,
    onError: options.onError ?? ((text: string) => void process.stderr.write(text)),
    signal: options.signal,
  };
  try {
    if (kind === "preview") await stack.preview({ ...common, policyPacks: options.policyPacks });
    else await stack.previewRefresh(common);
    const events = parseEvents(raw);
    const failed = events.some((e) => e.summaryEvent?.result === "failed");
    return failed ? { events, ok: false, error: `${kind} failed` } : { events, ok: true };
  } catch (error) {
    return { events: parseEvents(raw), ok: false, error: engineError(error) };
  }
}
