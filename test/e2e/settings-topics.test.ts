import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestSim } from "../integration/helpers/sim";
import { createE2EStack, type E2EStack } from "./harness";
import { startEmptySim, upWithOutput } from "./membership-helpers";
import { curl, declare, type Settings } from "./settings-helpers";

/**
 * What the stack may not do to a topic, and bad values, refused at preview naming the key;
 * removing a topic from the stack, refused unless the topic says `allowDelete: true`. Through
 * the `pulumi` CLI on one stack and one emulator.
 */
const TOPICS = [
  { name: "events", partitions: 6, allowDelete: true },
  { name: "audit", partitions: 3, replicationFactor: 2 },
];

describe("topics and bad values, refused at preview", () => {
  let t: TestSim;
  let e2e: E2EStack;
  let auditGone = false;
  const set = (s: Settings) => declare(e2e, t, s);
  const liveTopics = async () =>
    ((await curl(t, "GET", "/admin/topics")).topics as Array<{ name: string; partitions: number }>)
      .map((x) => `${x.name}:${x.partitions}`)
      .sort();

  beforeAll(async () => {
    t = await startEmptySim({ topics: [] });
    e2e = await createE2EStack("topics");
    await set({ topics: TOPICS });
    const up = await upWithOutput(e2e);
    expect(up.ok, up.text).toBe(true);
  }, 180_000);
  afterAll(async () => {
    // events allows its deletion; audit too once the last test is through, else say so now.
    if (!auditGone) {
      await set({ topics: TOPICS.map((x) => ({ ...x, allowDelete: true })) });
      await e2e?.stack.up().catch(() => undefined);
    }
    await e2e?.cleanup();
    await t?.stop();
  }, 240_000);

  it("fewer partitions and another replication factor are refused at preview, each saying what to declare", async () => {
    await set({ topics: [{ name: "events", partitions: 4 }, TOPICS[1]!] });
    const shrink = await e2e.pulumi("preview");
    expect(shrink.code).not.toBe(0);
    expect(shrink.stdout + shrink.stderr).toMatch(
      /streambus:topics \(name: events\)\.partitions: is 4, but topic "events" has 6 partitions.*raise it to 6 or more/,
    );
    await set({ topics: [TOPICS[0]!, { ...TOPICS[1]!, replicationFactor: 3 }] });
    const factor = await e2e.pulumi("preview");
    expect(factor.code).not.toBe(0);
    expect(factor.stdout + factor.stderr).toMatch(
      /streambus:topics \(name: audit\)\.replicationFactor: is 3, but topic "audit" has replication factor 2.*declare 2/,
    );
    expect(await liveTopics()).toEqual(["audit:3", "events:6"]);
  }, 120_000);

  it("at least 10 bad values are refused at preview in one pass, each naming its key; nothing changes", async () => {
    await set({
      retention: { maxBytes: "lots", maxAge: "7 days" },
      compaction: { interval: "1500ms", targetSize: "1GB" },
      storage: { flushInterval: "0s" },
      network: { compression: "yes" },
      quotas: { default: { produceRate: -5 }, clients: { billing: { consumeRate: 1.5 } } },
      topics: [
        { name: "events", partitions: 0 },
        { name: "audit", partitions: 3, replicationFactor: 5 },
        { name: "logs", partitions: 2, cleanupPolicy: "archive" },
        { name: "audit", partitions: 2 },
      ],
    });
    const preview = await e2e.pulumi("preview");
    const text = preview.stdout + preview.stderr;
    expect(preview.code).not.toBe(0);
    const keys = [
      "streambus:retention.maxBytes",
      "streambus:retention.maxAge: must be a duration",
      "streambus:compaction.interval: must be a whole number of seconds",
      "streambus:storage.flushInterval",
      "streambus:network.compression",
      "streambus:quotas.default.produceRate",
      "streambus:quotas.clients.billing.consumeRate",
      "streambus:topics[0].partitions",
      "streambus:topics[1].replicationFactor: is 5, more than the 3 broker(s)",
      "streambus:topics[2].cleanupPolicy",
      'streambus:topics[3].name: names topic "audit" twice',
    ];
    for (const key of keys) expect(text).toContain(key);
    expect(text).toMatch(/invalid stack config \((1[1-9]|[2-9]\d) problems\)/);
    expect(await liveTopics()).toEqual(["audit:3", "events:6"]);
  }, 120_000);

  it("removing a topic is refused unless it says allowDelete: true; with it, the topic and its data go", async () => {
    await set({ topics: [TOPICS[0]!] });
    const refused = await e2e.pulumi("up", "--yes");
    expect(refused.code).not.toBe(0);
    expect(refused.stdout + refused.stderr).toMatch(
      /topic "audit" is no longer declared.*deleting it deletes its data: refused. To delete it, set allowDelete: true/,
    );
    expect(await liveTopics()).toEqual(["audit:3", "events:6"]);

    await set({ topics: [TOPICS[0]!, { ...TOPICS[1]!, allowDelete: true }] });
    expect((await e2e.pulumi("up", "--yes")).code).toBe(0);
    await set({ topics: [TOPICS[0]!] });
    const up = await e2e.pulumi("up", "--yes");
    expect(up.code, up.stdout + up.stderr).toBe(0);
    expect(await liveTopics()).toEqual(["events:6"]);
    auditGone = true;
  }, 180_000);
});
