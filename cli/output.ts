import type { ProgressEvent } from "../procedures/common";

/** Where a command writes: `✓`/`✗` lines for people, one JSON document for scripts. */
export class Output {
  private barShown = false;
  private readonly isTty: boolean;

  constructor(
    /** `--json`: print one JSON document and no lines. */
    readonly json: boolean,
    private readonly stdout: NodeJS.WriteStream = process.stdout,
    private readonly stderr: NodeJS.WriteStream = process.stderr,
  ) {
    this.isTty = Boolean(stdout.isTTY) && !json;
  }

  /** A check line: `✓ text` or `✗ text` (people only). */
  check(ok: boolean, text: string): void {
    if (!this.json) this.line(`${ok ? "✓" : "✗"} ${text}`);
  }

  /** A plain line (people only). */
  line(text: string): void {
    if (this.json) return;
    this.clearBar();
    this.stdout.write(`${text}\n`);
  }

  /** The JSON document (scripts only). */
  document(value: unknown): void {
    if (this.json) this.stdout.write(`${JSON.stringify(value, jsonReplacer, 2)}\n`);
  }

  /** One error line on stderr, for people and scripts alike. */
  error(text: string): void {
    this.clearBar();
    this.stderr.write(`streambus-ops: ${text}\n`);
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
