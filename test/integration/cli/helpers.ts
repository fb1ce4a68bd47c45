/**
 * Running the compiled `streambus-ops` as a user does: a child process with its own environment,
 * its exit code and both streams captured. The CLI tests run dist/, built here when stale.
 */
import { execFile, execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";

/** The repository's root. */
export const ROOT = join(__dirname, "..", "..", "..");
/** The compiled CLI. */
export const CLI = join(ROOT, "dist", "cli", "index.js");

/** What one run printed, and its exit code. */
export interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function newestSource(): number {
  const walk = (d: string): number[] =>
    readdirSync(d, { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? walk(join(d, e.name))
        : e.name.endsWith(".ts")
          ? [statSync(join(d, e.name)).mtimeMs]
          : [],
    );
  return Math.max(...["cli", "procedures", "stacks"].flatMap((d) => walk(join(ROOT, d))));
}

/** Builds dist/ when a source of the CLI is newer than it (other folders' type errors do not stop the emit). */
export function ensureBuilt(): void {
  if (existsSync(CLI) && statSync(CLI).mtimeMs >= newestSource()) return;
  try {
    execFileSync(
      process.execPath,
      [join(ROOT, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json"],
      {
        cwd: ROOT,
        stdio: "ignore",
      },
    );
  } catch {
    if (!existsSync(CLI)) throw new Error("the build did not produce dist/cli/index.js");
  }
}

/** Runs `streambus-ops ARGS` with `env` (nothing inherited but PATH and HOME). */
export function runCli(args: string[], env: NodeJS.ProcessEnv): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [CLI, ...args],
      { env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}
