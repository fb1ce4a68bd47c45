/**
 * Rolling restart, backup (to a real S3-compatible server, versitygw) and latency diagnosis
 * against the emulator over real HTTP.
 */
import { PutObjectCommand } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  Cluster,
  DeadlineExceededError,
  addBroker,
  backup,
  checkHealth,
  checkQuorum,
  diagnoseLatency,
  listBackups,
  rollingRestart,
  verifyBackup,
  type ProgressEvent,
} from "../../../procedures";
import { startVersitygw, type TestS3 } from "../helpers/s3";
import { eventually, startTestSim, type TestSim } from "../helpers/sim";

let t: TestSim;
let cluster: Cluster;
let s3: TestS3;

beforeAll(async () => {
  [t, s3] = await Promise.all([startTestSim(), startVersitygw()]);
  cluster = t.cluster();
  await eventually(async () => (await checkHealth(cluster)).ok, 15_000, "a healthy cluster");
});
afterAll(async () => {
  await t.stop();
  await s3.stop();
});

async function allHealthy(c: Cluster): Promise<boolean> {
  const answers = await Promise.all(
    c.brokerIds.map((id) =>
      c
        .broker(id)
        .health({ retries: 0 })
        .catch(() => undefined),
    ),
  );
  return answers.every((a) => a?.status === "healthy");
}

describe("rolling restart", () => {
  // Its own emulator where a restarted broker lags: busy producers (500 messages/s) and slow
  // replica fetches (1 MiB/s) keep it out of the ISR for about a second after it is healthy
  // again, so a restart that does not wait for its partitions is caught. Broker 4 is a voter
  // that holds no partitions: while it is down only the quorum check sees it (one voter short
  // of four, a second restart would leave no majority).
  let lag: TestSim;
  let lc: Cluster;
  beforeAll(async () => {
    lag = await startTestSim({ produceRateMsgsPerS: 500, moveRateBytesPerS: 2 ** 20 });
    lc = lag.cluster();
    await eventually(async () => (await checkHealth(lc)).ok, 15_000, "a healthy cluster");
    await lag.provision(4);
    await addBroker(lc, 4, { rebalance: false });
  });
  afterAll(() => lag.stop());

  it("restarts one broker at a time, the leader last, each only once the cluster is healthy", async () => {
    const leader = (await lc.refresh()).leader_id!;
    const seen: Array<{ id: number; healthy: boolean; unhealthy: string[]; quorum: string[] }> = [];
    const events: ProgressEvent[] = [];
    let brokerFourBack: Promise<void> = Promise.resolve();
    const r = await rollingRestart(lc, {
      onProgress: (e) => events.push(e),
      restart: async (id) => {
        // What the procedure must have waited for: every broker healthy, no partition
        // under-replicated or offline, and one leader that every broker agrees on.
        const [healthy, parts, quorum] = await Promise.all([
          allHealthy(lc),
          lc.admin.partitionsHealth({ retries: 0 }),
          checkQuorum(lc),
        ]);
        const leaders = quorum.views.filter((v) => v.state === "leader").map((v) => v.brokerId);
        seen.push({
          id,
          healthy,
          unhealthy: parts.unhealthy.map((u) => `${u.topic}/${u.partition}: ${u.reason}`),
          quorum: [
            ...(quorum.ok ? [] : ["not ok"]),
            ...(leaders.length === 1 ? [] : [`leaders: [${leaders.join(", ")}]`]),
            ...quorum.findings.map((f) => f.message),
          ],
        });
        await lag.stopBroker(id);
        await new Promise((res) => setTimeout(res, 1_000));
        await lag.startBroker(id);
        if (seen.length === 1) {
          // Broker 4 goes down for 3 s right after the first restart.
          await lag.stopBroker(4);
          brokerFourBack = new Promise((res) => setTimeout(res, 3_000)).then(() => lag.startBroker(4));
        }
      },
    });
    await brokerFourBack;
    expect(r.restarted).toHaveLength(4);
    expect(r.restarted.at(-1)).toBe(leader);
    expect(seen).toEqual(r.restarted.map((id) => ({ id, healthy: true, unhealthy: [], quorum: [] })));
    expect(events.some((e) => e.step === "settle")).toBe(true);
    expect(events.filter((e) => e.step === "restart").at(-1)?.percent).toBe(100);
    expect((await lc.admin.partitionsHealth()).unhealthy).toEqual([]);
    expect((await checkQuorum(lc)).ok).toBe(true);
    expect(await lag.integrity()).toMatchObject({ lost_messages: 0, diverged_replicas: 0 });
  });

  it("ends at its deadline, naming the broker and what is left", async () => {
    const e = await rollingRestart(cluster, {
      brokers: [1, 2],
      deadlineMs: 800,
      restart: async (id) => {
        await t.stopBroker(id); // and never started again: the wait runs out
      },
    }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(DeadlineExceededError);
    expect((e as Error).message).toMatch(
      /^rolling restart: deadline of 0\.8s ran out; left: broker 1 restart in progress, then brokers 2 \(broker 1 is not healthy yet\)/,
    );
    await t.startBroker(1);
    await eventually(async () => (await checkHealth(cluster)).ok, 15_000, "healthy again");
  });
});

describe("backup", () => {
  it("snapshots every broker, exports metadata, uploads with a manifest; lists and verifies it", async () => {
    const r = await backup(cluster, { s3: s3.target, now: () => new Date("2025-11-10T12:00:00Z") });
    expect(r.ok).toBe(true);
    expect(r.backupId).toBe("20251110-120000");
    expect(r.manifest.snapshots.map((s) => s.broker_id)).toEqual([1, 2, 3]);
    expect(r.manifest.objects.map((o) => o.key)).toEqual([
      "20251110-120000/metadata.json",
      "20251110-120000/snapshots.json",
    ]);
    for (const o of r.manifest.objects) expect(o.sha256).toMatch(/^[0-9a-f]{64}$/);

    const list = await listBackups({ s3: s3.target });
    expect(list).toEqual([
      expect.objectContaining({ backupId: "20251110-120000", complete: true, snapshots: 3 }),
    ]);
    const v = await verifyBackup({ s3: s3.target }, "20251110-120000");
    expect(v.ok).toBe(true);
  });

  it("verification names a tampered object", async () => {
    await s3.client.send(
      new PutObjectCommand({
        Bucket: s3.target.bucket,
        Key: "20251110-120000/metadata.json",
        Body: '{"tampered":true}',
      }),
    );
    const v = await verifyBackup({ s3: s3.target }, "20251110-120000");
    expect(v.ok).toBe(false);
    expect(v.objects.find((o) => !o.ok)).toMatchObject({ key: "20251110-120000/metadata.json" });
  });

  it("completes under 20 % injected errors, and with a broker down names its missing snapshot", async () => {
    await t.fault({ error_rate: 0.2 });
    try {
      const r = await backup(cluster, { s3: s3.target, now: () => new Date("2025-11-10T13:00:00Z") });
      expect(r.ok).toBe(true);
      expect((await verifyBackup({ s3: s3.target }, r.backupId)).ok).toBe(true);
    } finally {
      await t.clearFaults();
    }
    await t.stopBroker(3);
    try {
      const r = await backup(cluster, { s3: s3.target, now: () => new Date("2025-11-10T13:00:00Z") });
      expect(r.backupId).toBe("20251110-130000-2"); // the same second again: a new id, never an overwrite
      expect(r.ok).toBe(false);
      expect(r.manifest.missing_snapshots).toEqual([{ broker_id: 3, error: "ECONNREFUSED" }]);
      expect((await verifyBackup({ s3: s3.target }, r.backupId)).ok).toBe(true);
    } finally {
      await t.startBroker(3);
    }
  });

  it("retries a snapshot refused before it was sent (the broker starting again), as the one classifier says", async () => {
    // No retries in the transport, so the backup's own retry is what takes the snapshot: the
    // first attempt is refused (not applied), broker 3 starts 300 ms later, the retry 1 s after
    // the refusal finds it up.
    const c = t.cluster({ retry: { retries: 0, minDelayMs: 1_000, maxDelayMs: 1_000 }, random: () => 1 });
    await t.stopBroker(3);
    let started: Promise<void> | undefined;
    try {
      const r = await backup(c, {
        s3: s3.target,
        now: () => new Date("2025-11-10T14:00:00Z"),
        onProgress: (e) => {
          if (e.message === "snapshot of broker 3") {
            started = new Promise((resolve) => setTimeout(resolve, 300)).then(() => t.startBroker(3));
          }
        },
      });
      expect(r.manifest.missing_snapshots).toEqual([]);
      expect(r.manifest.snapshots.map((s) => s.broker_id)).toEqual([1, 2, 3]);
    } finally {
      await (started ?? t.startBroker(3));
    }
  });
});

describe("latency diagnosis", () => {
  it("finds the slow broker's op quantiles, error rates and the slowest queries", async () => {
    await eventually(async () => (await checkHealth(cluster)).ok, 15_000, "healthy");
    await t.fault({ broker_id: 2, latency_ms: 400, error_rate: 1 });
    try {
      const load = (async () => {
        for (let i = 0; i < 6; i++)
          await cluster
            .broker(2)
            .topics({ retries: 0 })
            .catch(() => undefined);
      })();
      const r = await diagnoseLatency(cluster, { sampleMs: 1_500 });
      await load;
      const b2 = r.brokers.find((b) => b.brokerId === 2)!;
      const topics = b2.ops.find((o) => o.op.includes("topics"));
      expect(topics?.p99).toBeGreaterThan(0.25);
      expect(topics?.errors).toBeGreaterThan(0);
      expect(r.slowQueries.length).toBeGreaterThan(0);
      expect(r.slowQueries[0]!.duration_ms).toBeGreaterThanOrEqual(r.slowQueries.at(-1)!.duration_ms);
      expect(r.windowMs).toBeGreaterThanOrEqual(1_500);
    } finally {
      await t.clearFaults();
    }
  });
});
