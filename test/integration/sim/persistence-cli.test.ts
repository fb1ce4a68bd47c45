import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { MembersResponse, TopicsResponse } from "../../../procedures/contract";
import { findFreeRange, IntegrityResponse, startSim } from "../../../sim";
import { call, FAST, obj, startFormed, waitFor } from "./helpers";

describe("--state-dir: the cluster survives a restart of the emulator", () => {
  const dir = mkdtempSync(join(tmpdir(), "streambus-sim-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("brings back members, topics, config and every acknowledged message", async () => {
    const first = await startFormed({ brokers: 3, stateDir: dir });
    await call(first.controlUrl, "POST", "/sim/brokers", { broker_id: 4, rack: "c" });
    await waitFor(
      "broker 4 to register",
      async () =>
        MembersResponse.parse(obj(await call(first.brokerUrl(1), "GET", "/admin/cluster/members"))).members
          .length === 4,
    );
    expect(
      (await call(first.brokerUrl(2), "PUT", "/admin/topics/kept", { partitions: 2, replication_factor: 3 }))
        .status,
    ).toBe(200);
    await new Promise((r) => setTimeout(r, 300));
    const membersBefore = MembersResponse.parse(
      obj(await call(first.brokerUrl(1), "GET", "/admin/cluster/members")),
    );
    const before = IntegrityResponse.parse(obj(await call(first.controlUrl, "GET", "/sim/integrity")));
    expect(before.lost_messages).toBe(0);
    await first.stop();

    const second = await startSim({ ...FAST, stateDir: dir, basePort: first.basePort });
    try {
      const members = await waitFor("a leader after the restart", async () => {
        const m = MembersResponse.parse(
          obj(await call(second.brokerUrl(1), "GET", "/admin/cluster/members")),
        );
        return m.leader_id !== null && !m.stale ? m : undefined;
      });
      expect(members.cluster_id).toBe(membersBefore.cluster_id);
      expect(members.members.map((m) => [m.broker_id, m.state])).toEqual(
        membersBefore.members.map((m) => [m.broker_id, m.state]),
      );
      expect(members.term).toBeGreaterThan(membersBefore.term);
      const topics = TopicsResponse.parse(obj(await call(second.brokerUrl(2), "GET", "/admin/topics")));
      expect(topics.topics.map((t) => t.name)).toContain("kept");
      const integrity = await waitFor("the partitions back in sync", async () => {
        const i = IntegrityResponse.parse(obj(await call(second.controlUrl, "GET", "/sim/integrity")));
        return i.under_replicated === 0 && i.offline === 0 ? i : undefined;
      });
      expect(integrity).toMatchObject({ partitions: 20, lost_messages: 0, diverged_replicas: 0 });
      // Everything acknowledged before the restart is still there (and traffic went on).
      expect(integrity.acked_messages).toBeGreaterThanOrEqual(before.acked_messages);
    } finally {
      await second.stop();
    }
  });
});

// The command runs from the compiled package; `make test` builds it first. Without a build the test
// fails (rather than skips) so that a run cannot pass without having tried the command.
const CLI = join(__dirname, "../../../dist/sim/cli.js");

describe("the streambus-sim command", () => {
  it("prints one line with ready, serves the cluster, and stops cleanly on SIGTERM", async () => {
    if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
    const base = await findFreeRange(8);
    const child = spawn(
      process.execPath,
      [
        join(__dirname, "../../../bin/streambus-sim.js"),
        "--base-port",
        String(base),
        "--brokers",
        "3",
        "--produce-rate",
        "100",
      ],
      {
        stdio: ["ignore", "pipe", "pipe"],
      },
    );
    let out = "";
    child.stdout.on("data", (d: Buffer) => (out += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      await waitFor("ready", async () => out.includes("ready"), 10_000);
      expect(out.trim().split("\n")).toHaveLength(1);
      expect(out).toContain(`http://127.0.0.1:${base}`);
      const health = await waitFor(
        "broker 1 healthy",
        async () => {
          const res = await call(`http://127.0.0.1:${base + 1}`, "GET", "/health");
          return res.status === 200 ? res : undefined;
        },
        10_000,
      );
      expect(obj(health)["role"]).toBe("leader");
    } finally {
      child.kill("SIGTERM");
    }
    expect(await exited).toBe(0);
  });
});
