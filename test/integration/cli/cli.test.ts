/**
 * `streambus-ops` as a user runs it: the compiled CLI spawned against an emulator (with an
 * admin token) and a real S3-compatible server, asserting its lines and exit codes.
 */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addBroker, checkHealth } from "../../../procedures";
import { startVersitygw, type TestS3 } from "../helpers/s3";
import { eventually, startTestSim, type TestSim } from "../helpers/sim";
import { CLI, ensureBuilt, runCli, type Run } from "./helpers";

const TOKEN = "sim-admin-token-7f3a";
let t: TestSim;
let s3: TestS3;
let env: NodeJS.ProcessEnv;
const dir = mkdtempSync(join(tmpdir(), "sb-cli-"));

function run(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<Run> {
  return runCli(args, { ...env, ...extraEnv });
}

beforeAll(async () => {
  ensureBuilt();
  [t, s3] = await Promise.all([startTestSim({ token: TOKEN }), startVersitygw()]);
  env = {
    ...process.env,
    ...s3.env,
    STREAMBUS_BROKERS: t.urls(1, 2, 3).join(","),
    STREAMBUS_ADMIN_TOKEN: TOKEN,
  };
  const c = t.cluster({ token: TOKEN });
  await eventually(async () => (await checkHealth(c)).ok, 15_000, "a healthy cluster");
}, 120_000);
afterAll(async () => {
  await t?.stop();
  await s3?.stop();
});

describe("help", () => {
  it("lists every subcommand, each a file in cli/commands/", async () => {
    const r = await run(["--help"]);
    expect(r.code).toBe(0);
    const names = [...r.stdout.matchAll(/^ {2}(\S+)/gm)].map((m) => m[1]);
    expect(names).toEqual(
      expect.arrayContaining([
        "health",
        "quorum",
        "partitions",
        "members",
        "join",
        "rebalance",
        "drain",
        "leave",
        "backup",
        "backups",
        "latency",
      ]),
    );
  });
});

describe("checks", () => {
  it("health prints one line per broker, the quorum, the balance and the disk, as the runbook does", async () => {
    const r = await run(["health"]);
    expect(r.stderr).toBe("");
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines).toHaveLength(6);
    expect(lines.slice(0, 3).map((l) => l.replace(" (leader)", ""))).toEqual([
      "✓ broker-1: healthy",
      "✓ broker-2: healthy",
      "✓ broker-3: healthy",
    ]);
    expect(lines.filter((l) => l.endsWith("(leader)"))).toHaveLength(1);
    expect(lines.slice(3, 5)).toEqual(["✓ Raft: quorum OK (3/3)", "✓ Partitions: balanced"]);
    expect(lines[5]).toMatch(/^✓ Disk: \d+% used$/);
  });

  it("--json prints one document for scripts", async () => {
    const r = await run(["health", "--json"]);
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { ok: boolean; brokers: unknown[]; quorum: { voters: number[] } };
    expect(doc.ok).toBe(true);
    expect(doc.brokers).toHaveLength(3);
    expect(doc.quorum.voters).toEqual([1, 2, 3]);
  });

  it("quorum, partitions and members pass on a healthy cluster", async () => {
    const q = await run(["quorum"]);
    expect(q.code).toBe(0);
    expect(q.stdout).toMatch(/^✓ Raft: one leader \(broker-\d\), term \d+, 3\/3 voters answer$/m);
    const p = await run(["partitions"]);
    expect(p.code).toBe(0);
    expect(p.stdout.split("\n")[0]).toBe("✓ Partitions: 12/12 healthy");
    const m = await run(["members", "--json"]);
    expect(m.code).toBe(0);
    expect((JSON.parse(m.stdout) as { members: unknown[] }).members).toHaveLength(3);
  });

  it("latency reports per-op quantiles and error rates", async () => {
    const r = await run(["latency", "--sample", "300ms"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(
      /^✓ \S+: p50 .*, p95 .*, p99 .*; \d+\.\d errors\/s \(\d+\.\d%\) over \d+\.\ds$/m,
    );
  });
});

describe("membership", () => {
  it("join, rebalance --dry-run, rebalance, drain, leave", async () => {
    await t.provision(4);
    const j = await run(["join", "4"]);
    expect(j.stderr).toBe("");
    expect(j.code).toBe(0);
    expect(j.stdout.split("\n")[0]).toBe("✓ broker-4: joined (active member)");
    const plan = await run(["rebalance", "--dry-run"]);
    expect(plan.code).toBe(0);
    expect(plan.stdout).toMatch(/^✓ Plan: [1-9]\d* moves, .* \(nothing changed\)$/m);
    expect(plan.stdout).toMatch(/^ {2}\w+\/\d+: [\d,]+ → [\d,]+ \(.*\)$/m);
    const rb = await run(["rebalance"]);
    expect(rb.code).toBe(0);
    expect(rb.stdout).toMatch(/^✓ Rebalance rb-\d+ completed: (\d+)\/\1 moves, /);
    expect(rb.stdout).not.toContain("\r"); // no progress bar when stdout is not a terminal
    expect((await run(["rebalance"])).stdout).toBe("✓ Partitions: already balanced, no moves\n");
    const d = await run(["drain", "4"]);
    expect(d.code).toBe(0);
    expect(d.stdout.split("\n")[0]).toMatch(/^✓ broker-4: drained \(held \d+ partition replicas\)$/);
    const l = await run(["leave", "4"]);
    expect(l.code).toBe(0);
    expect(l.stdout).toBe("✓ broker-4: left the cluster\n");
  });

  it("draws a progress bar when stdout is a terminal", async () => {
    await t.provision(5);
    expect((await run(["join", "5"])).code).toBe(0);
    // `script` gives the CLI a real pseudo-terminal.
    const cmd = [process.execPath, CLI, "rebalance"].map((a) => `'${a}'`).join(" ");
    const out = await new Promise<string>((resolve) =>
      execFile("script", ["-qec", cmd, "/dev/null"], { env, timeout: 60_000 }, (_e, stdout) =>
        resolve(stdout),
      ),
    );
    // The bar is redrawn in place: carriage return, erase line (ESC [2K), bar, percent, message.
    expect(out).toContain("\r\u001b[2K[");
    expect(out).toMatch(/\[[#.]{24}\] +\d+% rebalance rb-\d+: /);
    expect(out).toMatch(/✓ Rebalance rb-\d+ completed/);
    expect((await run(["drain", "5"])).code).toBe(0);
    expect((await run(["leave", "5"])).code).toBe(0);
  });
});

describe("backup", () => {
  it("backup, backups, backups --verify", async () => {
    const b = await run(["backup"]);
    expect(b.stderr).toBe("");
    expect(b.code).toBe(0);
    expect(b.stdout).toMatch(/^✓ broker-1: snapshot snap-1-\d+ /m);
    const id = /^✓ Backup (\d{8}-\d{6}(?:-\d+)?): 3 objects/m.exec(b.stdout)?.[1];
    expect(id).toBeDefined();
    const list = await run(["backups"]);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(`✓ ${id}: cluster `);
    const v = await run(["backups", "--verify", id!]);
    expect(v.code).toBe(0);
    expect(v.stdout.trimEnd().split("\n").at(-1)).toBe(`✓ Backup ${id}: matches its manifest`);
  });
});

describe("failures and bad input", () => {
  it("exits 1 when a check fails: a broker down", async () => {
    await t.stopBroker(3);
    try {
      const r = await run(["health"]);
      expect(r.code).toBe(1);
      expect(r.stdout).toContain("✗ broker-3: unreachable (ECONNREFUSED)");
      expect(r.stdout).toContain("✓ Raft: quorum OK (2/3)");
    } finally {
      await t.startBroker(3);
    }
  });

  const oneLine = (r: Run) => {
    expect(r.code).toBe(2);
    expect(r.stdout).toBe("");
    expect(r.stderr.trimEnd().split("\n")).toHaveLength(1);
    expect(r.stderr).not.toContain(TOKEN);
    return r.stderr.trimEnd();
  };

  it("an unknown broker id: one line, exit 2", async () => {
    expect(oneLine(await run(["drain", "99"]))).toBe(
      "streambus-ops: broker 99 is not a member of the cluster (members: 1, 2, 3)",
    );
    expect(oneLine(await run(["leave", "0"]))).toBe(
      'streambus-ops: broker ID must be a positive integer: got "0"',
    );
    expect(oneLine(await run(["join", "99", "--wait-register", "1s"]))).toMatch(
      /^streambus-ops: broker 99 has not registered with the cluster after 1s \(members: 1, 2, 3\): is it started/,
    );
  });

  it("a URL that is not one, an unreachable cluster, no brokers: one line, exit 2", async () => {
    expect(oneLine(await run(["health", "--brokers", "broker1:8080"]))).toBe(
      'streambus-ops: not a broker URL: "broker1:8080" (the scheme must be http or https, e.g. http://broker1:8080)',
    );
    expect(oneLine(await run(["health", "--brokers", "http://127.0.0.1:1"]))).toBe(
      "streambus-ops: cluster unreachable: GET /admin/cluster/members: no broker answered (http://127.0.0.1:1: ECONNREFUSED)",
    );
    expect(oneLine(await run(["health"], { STREAMBUS_BROKERS: "" }))).toBe(
      "streambus-ops: no brokers: pass --brokers URL,... or set STREAMBUS_BROKERS",
    );
  });

  it("a malformed or wrong token: one line, exit 2, the token never printed", async () => {
    const bad = join(dir, "bad-token");
    writeFileSync(bad, `${TOKEN}\nsecond line\n`);
    expect(oneLine(await run(["health", "--token-file", bad]))).toBe(
      `streambus-ops: the token file ${bad} is malformed: it holds more than one line`,
    );
    const wrong = join(dir, "wrong-token");
    writeFileSync(wrong, "not-the-token\n");
    const r = oneLine(await run(["members", "--token-file", wrong]));
    expect(r).toMatch(/answered 401 unauthorized: .* \(check --token-file or STREAMBUS_ADMIN_TOKEN\)$/);
    expect(r).not.toContain("not-the-token");
  });

  it("rebalance while a broker drains: one line naming the drain, exit 1", async () => {
    // Its own emulator with slow drains (seconds), so the drain is still under way when the CLI runs.
    const slow = await startTestSim({ token: TOKEN, moveRateBytesPerS: 256 * 2 ** 10, moveOverheadMs: 200 });
    try {
      const c = slow.cluster({ token: TOKEN });
      await eventually(async () => (await checkHealth(c)).ok, 15_000, "a healthy cluster");
      await slow.provision(4);
      await addBroker(c, 4, { throttleBytesPerS: 64 * 2 ** 20 });
      await c.admin.drain(4);
      const r = await run(["rebalance"], { STREAMBUS_BROKERS: slow.urls(1, 2, 3).join(",") });
      expect(r.stdout).toBe("");
      expect(r.stderr).toBe(
        "streambus-ops: broker 4 is draining: a rebalance cannot start until the drain finishes or is stopped\n",
      );
      expect(r.code).toBe(1);
      expect((await c.refresh()).members.find((m) => m.broker_id === 4)?.state).toBe("draining");
    } finally {
      await slow.stop();
    }
  });

  it("bad usage: unknown command or flag, exit 2", async () => {
    expect(oneLine(await run(["frob"]))).toMatch(
      /^streambus-ops: unknown command "frob" \(one of: health, quorum/,
    );
    expect(oneLine(await run(["health", "--bogus"]))).toBe(
      "streambus-ops: Unknown option '--bogus' (usage: streambus-ops health)",
    );
    expect(oneLine(await run(["health", "--deadline", "soon"]))).toBe(
      'streambus-ops: --deadline must be a duration like 90s, 30m or 1h30m: got "soon"',
    );
    expect(oneLine(await run(["rebalance", "--deadline", "0"]))).toBe(
      'streambus-ops: --deadline must be longer than zero: got "0"',
    );
    expect(oneLine(await run(["backups", "--bucket", "b", "--s3-endpoint", "http://s3.local:99999"]))).toBe(
      'streambus-ops: --s3-endpoint must be an http(s) URL: got "http://s3.local:99999"',
    );
  });
});
