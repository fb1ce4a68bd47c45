/**
 * `source scripts/env.sh` in a bash as a user has it: their exported PULUMI_BACKEND_URL and their
 * `pulumi login` are kept (`pulumi whoami -v` and `pulumi stack ls` show them), the project's file
 * backend is used otherwise or when asked for (`STREAMBUS_BACKEND_URL=project`, what the Makefile
 * sets), and the project's commands are on PATH.
 *
 * The user's PULUMI_HOME is a throwaway folder: pulumi finds its home from the passwd entry, not
 * $HOME, so a test without PULUMI_HOME would log the machine's user in for real.
 */
import { spawnSync } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { delimiter, join } from "node:path";
import { pathToFileURL } from "node:url";
import { afterAll, describe, expect, it } from "vitest";

const ROOT = join(__dirname, "..", "..", "..");
const projectBackend = pathToFileURL(join(ROOT, ".pulumi", "backend")).href;
const scratch = mkdtempSync(join(tmpdir(), "sb-env-sh-"));
const userHome = join(scratch, "user-pulumi-home");
const userBackend = join(scratch, "user-backend");
const loginBackend = join(scratch, "login-backend");
for (const dir of [userHome, userBackend, loginBackend]) mkdirSync(dir);

// The toolchain's pulumi (not the project's commands: env.sh must add those itself).
const toolchainBin = join(ROOT, ".streambus", "bin");
const basePath = [
  toolchainBin,
  ...(process.env.PATH ?? "").split(delimiter).filter((dir) => !dir.startsWith(ROOT)),
].join(delimiter);

/** Runs `script` in a bash whose environment is `env` (PATH, HOME and the user's PULUMI_HOME), from the repository. */
function bash(
  script: string,
  env: Record<string, string> = {},
): { code: number; stdout: string; stderr: string } {
  const r = spawnSync("bash", ["-c", script], {
    cwd: ROOT,
    env: { PATH: basePath, HOME: process.env.HOME ?? scratch, PULUMI_HOME: userHome, ...env },
    encoding: "utf8",
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

/** The value of each variable after `source scripts/env.sh`, one per line (`-` for unset). */
const show = (...names: string[]) => names.map((n) => `printf '%s\\n' "\${${n}--}"`).join("; ");

afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe("source scripts/env.sh", () => {
  it("keeps an exported PULUMI_BACKEND_URL: pulumi whoami -v and stack ls use it", () => {
    const url = pathToFileURL(userBackend).href;
    const r = bash(
      `export PULUMI_BACKEND_URL=${url}; source scripts/env.sh; ${show("PULUMI_BACKEND_URL", "PULUMI_HOME", "PULUMI_CONFIG_PASSPHRASE")}; pulumi whoami -v; pulumi stack ls --json`,
    );
    expect(r.code, r.stderr).toBe(0);
    const [backend, home, passphrase] = r.stdout.split("\n");
    expect(backend).toBe(url);
    expect(home).toBe(userHome); // the user's PULUMI_HOME, not .pulumi/home
    expect(passphrase).toBe("-"); // no throwaway passphrase on the user's backend
    expect(r.stdout).toContain(`Backend URL: ${url}`);
    expect(r.stdout).toContain("[]"); // the user's (empty) backend, not the project's stacks
    expect(r.stderr).toContain("keeping your Pulumi backend (the exported PULUMI_BACKEND_URL)");
    expect(r.stderr).not.toContain(url); // a URL may hold a password: never echoed
  });

  it("keeps a `pulumi login` recorded in the user's PULUMI_HOME", () => {
    const url = pathToFileURL(loginBackend).href;
    expect(bash(`pulumi login ${url}`).code).toBe(0);
    try {
      const r = bash(`source scripts/env.sh; ${show("PULUMI_BACKEND_URL", "PULUMI_HOME")}; pulumi whoami -v`);
      expect(r.code, r.stderr).toBe(0);
      const [backend, home] = r.stdout.split("\n");
      expect(backend).toBe("-");
      expect(home).toBe(userHome); // where the login's credentials are
      expect(r.stdout).toContain(`Backend URL: ${url}`);
      expect(r.stderr).toContain("keeping your Pulumi backend (your `pulumi login`)");
    } finally {
      bash("pulumi logout --all");
    }
  });

  it("without either, and with STREAMBUS_BACKEND_URL=project whatever the user has: the project's file backend", () => {
    const expected = [projectBackend, join(ROOT, ".pulumi", "home"), "streambus-local-only"];
    const vars = show("PULUMI_BACKEND_URL", "PULUMI_HOME", "PULUMI_CONFIG_PASSPHRASE");
    const plain = bash(`source scripts/env.sh; ${vars}`);
    expect(plain.stdout.split("\n").slice(0, 3)).toEqual(expected);
    expect(plain.stderr).toBe("");
    const forced = bash(
      `export PULUMI_BACKEND_URL=${pathToFileURL(userBackend).href}; STREAMBUS_BACKEND_URL=project source scripts/env.sh; ${vars}; pulumi whoami -v`,
    );
    expect(forced.stdout.split("\n").slice(0, 3)).toEqual(expected);
    expect(forced.stdout).toContain(`Backend URL: ${projectBackend}`);
    // Sourced twice (the second time with the user's backend exported): the project's settings go.
    const again = bash(
      `source scripts/env.sh; export PULUMI_BACKEND_URL=${pathToFileURL(userBackend).href}; source scripts/env.sh; ${vars}`,
    );
    expect(again.stdout.split("\n").slice(0, 3)).toEqual([pathToFileURL(userBackend).href, "-", "-"]);
  });

  it("puts streambus-ops, streambus-sim and streambus-stack on PATH, on the toolchain's Node", () => {
    const r = bash(
      "source scripts/env.sh; for c in streambus-ops streambus-sim streambus-stack; do command -v $c; done; " +
        "streambus-ops --help | head -n1; streambus-sim --help; streambus-stack 2>&1 | head -n1",
    );
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.split("\n");
    expect(lines.slice(0, 3)).toEqual(
      ["ops", "sim", "stack"].map((c) => join(ROOT, "bin", `streambus-${c}`)),
    );
    expect(lines[3]).toMatch(/^usage: streambus-ops /);
    expect(lines[4]).toMatch(/^usage: streambus-sim /);
    expect(lines[5]).toMatch(/^usage: streambus-stack /);
  });
});
