/**
 * `streambus-ops` given bad arguments: each is one line on stderr and exit 2 (bad usage), as
 * docs/operations.md promises, never a crash, a Node warning or a silent default.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkHealth } from "../../../procedures";
import { eventually, startTestSim, type TestSim } from "../helpers/sim";
import { ensureBuilt, runCli, type Run } from "./helpers";

let t: TestSim;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  ensureBuilt();
  t = await startTestSim();
  env = { STREAMBUS_BROKERS: t.urls(1, 2, 3).join(",") };
  const c = t.cluster();
  await eventually(async () => (await checkHealth(c)).ok, 15_000, "a healthy cluster");
}, 120_000);
afterAll(() => t?.stop());

const run = (args: string[], extra: NodeJS.ProcessEnv = {}) => runCli(args, { ...env, ...extra });

/** The one stderr line of a usage error (exit 2, nothing on stdout). */
function usage(r: Run): string {
  expect({ code: r.code, stdout: r.stdout }).toEqual({ code: 2, stdout: "" });
  expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
  return r.stderr.trimEnd();
}

describe("broker URLs", () => {
  it("a URL that serves something else than the admin API is bad usage, named", async () => {
    const control = t.sim.controlUrl;
    expect(usage(await run(["health", "--brokers", control]))).toBe(
      `streambus-ops: ${control} is not a StreamBus broker's admin URL: GET ${control}/admin/cluster/members answered 404`,
    );
  });

  it("a list of nothing but commas is no brokers", async () => {
    expect(usage(await run(["health"], { STREAMBUS_BROKERS: ",," }))).toBe(
      "streambus-ops: no brokers: pass --brokers URL,... or set STREAMBUS_BROKERS",
    );
  });

  it("a URL ending in /admin is the broker's base URL, not a prefix of /admin/admin/...", async () => {
    const r = await run(["members", "--brokers", `${t.urls(1)[0]}/admin/`]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
  });
});

describe("numbers", () => {
  it("a negative broker id is refused as a broker id, not as an unknown option", async () => {
    expect(usage(await run(["drain", "-1"]))).toBe(
      'streambus-ops: broker ID must be a positive integer: got "-1"',
    );
    expect(usage(await run(["leave", "-1", "--force"]))).toBe(
      'streambus-ops: broker ID must be a positive integer: got "-1"',
    );
  });

  it.each(["0", "abc", "2.5", "-1"])("latency --top %s is refused", async (top) => {
    expect(usage(await run(["latency", "--top", top, "--sample", "100ms"]))).toBe(
      `streambus-ops: --top must be a positive integer: got "${top}"`,
    );
  });
});

describe("durations", () => {
  it.each([
    ["health", "--deadline", "1000h"],
    ["health", "--deadline", "1200h"],
    ["latency", "--sample", "1200h"],
    ["join", "4", "--wait-register", "600h"],
  ])("%s %s %s: beyond Node's timer is refused, with no warning", async (...args) => {
    const line = usage(await run(args));
    expect(line).toBe(
      `streambus-ops: ${args.at(-2)} must be at most 596h (24 days, the longest timer Node keeps): got "${args.at(-1)}"`,
    );
  });
});
