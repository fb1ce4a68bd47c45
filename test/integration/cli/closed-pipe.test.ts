import { spawn } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { CLI, ensureBuilt, ROOT, type Run } from "./helpers";

/**
 * `streambus-ops … | head -1`: the reader takes the first line and closes the pipe while the CLI
 * still has lines to print. The CLI ends quietly with its own exit code, as a Unix tool does,
 * not with an EPIPE stack trace.
 */
function runIntoHead(
  args: string[],
  cwd: string,
  closeAt: "first line" | "start" = "first line",
): Promise<Run & { firstLine: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd,
      env: { PATH: process.env.PATH, HOME: process.env.HOME },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    // A reader gone before the CLI has started (it takes tens of milliseconds to load).
    if (closeAt === "start") child.stdout.destroy();
    child.stdout.on("data", (chunk: Buffer) => {
      stdout += chunk.toString();
      // head -1: the first line, then the read end is closed.
      if (stdout.includes("\n")) child.stdout.destroy();
    });
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("close", (code) =>
      resolve({ code: code ?? -1, stdout, stderr, firstLine: stdout.split("\n")[0]! }),
    );
  });
}

describe("a reader that closes the pipe early", () => {
  ensureBuilt();
  const dir = mkdtempSync(join(tmpdir(), "streambus-closed-pipe-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("ends parity quietly with its exit code (2, differences), though 200 KB were still to print", async () => {
    // More than a pipe's 64 KiB buffer: the CLI is still writing when the reader leaves.
    const keys = Array.from({ length: 3000 }, (_, i) => `  streambus:key${i}: value-of-key-${i}`);
    writeFileSync(join(dir, "Pulumi.a.yaml"), `config:\n${keys.join("\n")}\n`);
    writeFileSync(join(dir, "Pulumi.b.yaml"), "config: {}\n");
    const r = await runIntoHead(["parity", "--from", "a", "--to", "b"], dir);
    expect(r.firstLine).toMatch(/^✗ streambus:key0: "value-of-key-0" in a .*not set in b$/);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(2);
  });

  it("ends alerts quietly (exit 0) when the reader has gone before its one write", async () => {
    const r = await runIntoHead(["alerts", "--stack-file", join(ROOT, "Pulumi.prod.yaml")], dir, "start");
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });
});
