import type { ProgressEvent } from "../procedures/common";
import { EXIT } from "./errors";

/**
 * The mark of a line: `✓` a check that passed, `✗` a finding (something wrong: the command exits
 * non-zero), `·` a state worth showing that is neither (a draining broker, an op not judged),
 * `!` a warning that does not fail the command (guards overridden by `--force`).
 */
export type Mark = "✓" | "✗" | "·" | "!";

/** One line a command printed with a mark, as `--json` repeats it under `checks`. */
export interface CheckLine {
  mark: Mark;
  text: string;
}

/**
 * Where a command writes: `✓`/`✗` lines for people, one JSON document for scripts.
 *
 * The rule of every command: a `✗` line if and only if a non-zero exit, and the JSON says what
 * the lines say. It is kept here, not in each command: the output records every marked line (in
 * both modes), `exitCode()` derives a command's exit code from them, and `finish(code)` (run by
 * `withVerdict` around every command the registry loads) writes the JSON document with those
 * lines, the exit code and `ok`, and corrects a command that broke the rule — a `✗` with exit 0
 * exits 1; a failure exit with neither a `✗` line nor an error line gets a `✗` line saying so.
 */
export class Output {
  private barShown = false;
  private readonly isTty: boolean;
  private readonly marked: CheckLine[] = [];
  private errorLines = 0;
  private pending: { value: unknown } | undefined;

  constructor(
    /** `--json`: print one JSON document and no lines. */
    readonly json: boolean,
    private readonly stdout: NodeJS.WriteStream = process.stdout,
    private readonly stderr: NodeJS.WriteStream = process.stderr,
  ) {
    this.isTty = Boolean(stdout.isTTY) && !json;
  }

  /** A check line: `✓ text` or `✗ text`. A `✗` is a finding: the command will exit non-zero. */
  check(ok: boolean, text: string): void {
    this.mark(ok ? "✓" : "✗", text);
  }

  /** A state line, `· text`: shown, and neither a pass nor a finding (the exit code ignores it). */
  state(text: string): void {
    this.mark("·", text);
  }

  /** A warning line, `! text`: worth reading, and not a failure (the exit code ignores it). */
  warning(text: string): void {
    this.mark("!", text);
  }

  /** The `✗` lines printed so far (recorded with `--json` too): the command's findings. */
  get findings(): string[] {
    return this.marked.filter((l) => l.mark === "✗").map((l) => l.text);
  }

  /** Every marked line printed so far, in order. */
  get checks(): readonly CheckLine[] {
    return this.marked;
  }

  /**
   * The exit code the lines call for: `failed` (default 1) when a `✗` line was printed, else 0.
   * Commands return this rather than judging twice.
   */
  exitCode(failed: number = EXIT.failed): number {
    return this.findings.length > 0 ? failed : EXIT.ok;
  }

  /** A plain line (people only). */
  line(text: string): void {
    if (this.json) return;
    this.clearBar();
    this.stdout.write(`${text}\n`);
  }

  /**
   * The JSON document (scripts only). Held until `finish`: an object gets the marked lines
   * (`checks`), the exit code and `ok` (exit 0) added there, so that it says what the lines say.
   */
  document(value: unknown): void {
    if (this.json) this.pending = { value };
  }

  /** One error line on stderr, for people and scripts alike. */
  error(text: string): void {
    this.clearBar();
    this.errorLines++;
    this.stderr.write(`streambus-ops: ${text}\n`);
  }

  /**
   * Ends a command that returned `code`, and resolves to the exit code to use: the rule above
   * enforced (`name` names the command in the line added for a failure that said nothing), then
   * the JSON document written.
   */
  finish(code: number, name = "command"): number {
    let exit = code;
    if (exit === EXIT.ok && this.findings.length > 0) exit = EXIT.failed;
    if (exit !== EXIT.ok && this.findings.length === 0 && this.errorLines === 0)
      this.check(
        false,
        `${name}: exit ${exit} without a finding named (a bug in streambus-ops: please report it)`,
      );
    this.flush(exit);
    return exit;
  }

  /**
   * Writes the held JSON document, if any. With an exit code, an object document gets `ok`,
   * `exitCode` and `checks`; without (a command that threw), it is written as it was given.
   */
  flush(exitCode?: number): void {
    const held = this.pending;
    this.pending = undefined;
    if (!held) return;
    const { value } = held;
    const merged =
      exitCode !== undefined && typeof value === "object" && value !== null && !Array.isArray(value)
        ? { ...value, ok: exitCode === EXIT.ok, exitCode, checks: this.marked }
        : value;
    this.stdout.write(`${JSON.stringify(merged, jsonReplacer, 2)}\n`);
  }

  private mark(mark: Mark, text: string): void {
    this.marked.push({ mark, text });
    this.line(`${mark} ${text}`);
  }

  /**
   * A progress callback for procedures: a one-line bar redrawn in place when stdout is a
   * terminal; nothing otherwise, so logs and pipes stay clean.
   */
  readonly progress = (event: ProgressEvent): void => {
    if (!this.isTty) return;
    const width = 24;
    const pct = event.percent;
    const bar =
      pct === undefined
        ? ""
        : `[${"#".repeat(Math.round((pct / 100) * width)).padEnd(width, ".")}] ${pct.toFixed(0).padStart(3)}% `;
    const columns = this.stdout.columns || 100;
    this.stdout.write(`\r\x1b[2K${`${bar}${event.message}`.slice(0, columns - 1)}`);
    this.barShown = true;
  };

  /** Removes the bar before a line is printed, so lines never mix with it. */
  clearBar(): void {
    if (this.barShown) {
      this.stdout.write("\r\x1b[2K");
      this.barShown = false;
    }
  }
}

/** JSON cannot hold NaN or Infinity: they become null. */
function jsonReplacer(_key: string, value: unknown): unknown {
  return typeof value === "number" && !Number.isFinite(value) ? null : value;
}

const ignoring = new WeakSet<NodeJS.WritableStream>();

/**
 * A reader that stops early (`streambus-ops parity … | head -1`) closes the pipe: the next write
 * fails with EPIPE, an `error` event that would crash the CLI with a stack trace. Node ignores
 * SIGPIPE, so this is where the CLI ends quietly, as a Unix tool killed by it does: what is still
 * to print is dropped (a destroyed stream drops writes without another event), while the command
 * finishes and exits with its own code, so a drain is never left half-done because a reader left.
 * Any other write error is still thrown.
 */
export function ignoreClosedPipe(stream: NodeJS.WritableStream): void {
  if (ignoring.has(stream)) return;
  ignoring.add(stream);
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") throw error;
  });
}
