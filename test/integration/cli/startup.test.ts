/**
 * What `streambus-ops` loads before it answers, counted by module rather than timed (no test
 * asserts a duration: `make bench` prints the start-up times). `--help` and an argument error load
 * no package at all; a command that talks to the cluster loads the admin API client and never
 * `@pulumi/pulumi`, which alone costs about a second of CPU.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestSim, type TestSim } from "../helpers/sim";
import { CLI, ROOT, ensureBuilt } from "./helpers";

/** Preloaded into the CLI's process: on exit, prints the packages it loaded as one JSON line. */
const PROBE = join(mkdtempSync(join(tmpdir(), "sb-startup-")), "probe.js");
writeFileSync(
  PROBE,
  `process.on("exit", () => {
  const packages = new Set();
  for (const file of Object.keys(require.cache)) {
    const m = /node_modules\\/((?:@[^/]+\\/)?[^/]+)/.exec(file);
    if (m) packages.add(m[1]);
  }
  process.stderr.write("loaded-packages " + JSON.stringify([...packages].sort()) + "\\n");
});
`,
);

/** Runs the CLI with the probe and returns its exit code and the packages it loaded. */
function packagesLoadedBy(args: string[]): Promise<{ code: number; packages: string[]; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ["--require", PROBE, CLI, ...args],
      { cwd: ROOT, timeout: 30_000, env: { PATH: process.env.PATH, HOME: process.env.HOME } },
      (error, _stdout, stderr) => {
        const line = /loaded-packages (.*)/.exec(stderr)?.[1];
        resolve({
          code: error ? Number(error.code) : 0,
          packages: line ? (JSON.parse(line) as string[]) : ["<probe printed nothing>"],
          stderr,
        });
      },
    );
  });
}

let t: TestSim;

beforeAll(async () => {
  ensureBuilt();
  t = await startTestSim({ brokers: 3 });
});
afterAll(() => t?.stop());

describe("streambus-ops start-up", () => {
  it("--help, an unknown command and a bad argument load no package", async () => {
    const help = await packagesLoadedBy(["--help"]);
    expect(help.code).toBe(0);
    expect(help.packages).toEqual([]);
    const unknown = await packagesLoadedBy(["frobnicate"]);
    expect(unknown.code).toBe(2);
    expect(unknown.packages).toEqual([]);
    const badId = await packagesLoadedBy(["drain", "-1", "--brokers", t.sim.brokerUrl(1)]);
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain("broker ID must be a positive integer");
    expect(badId.packages).toEqual([]);
    const badUrl = await packagesLoadedBy(["health", "--brokers", "ftp://b"]);
    expect(badUrl.code).toBe(2);
    expect(badUrl.packages).toEqual([]);
  });

  it("health loads the admin API client and not the Pulumi SDK or the S3 SDK", async () => {
    const r = await packagesLoadedBy(["health", "--brokers", t.sim.brokerUrl(1)]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.packages).toEqual(["undici", "zod"]);
  });

  it("a non-member broker id still exits 2 once the client is loaded lazily", async () => {
    const r = await packagesLoadedBy(["leave", "9", "--brokers", t.sim.brokerUrl(1)]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("broker 9 is not a member of the cluster");
    expect(r.packages).not.toContain("@pulumi/pulumi");
  });

  it("alerts with a valid stack file does not load the Pulumi SDK", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "sb-alerts-")), "Pulumi.x.yaml");
    writeFileSync(file, "config:\n  streambus:alerts:\n    latencyP99: 2s\n");
    const r = await packagesLoadedBy(["alerts", "--stack-file", file]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.packages).not.toContain("@pulumi/pulumi");
  });
});
