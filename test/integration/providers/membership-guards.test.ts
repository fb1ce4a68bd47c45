/**
 * Each guard of a membership change refusing at `diff` (so in `pulumi preview`, before anything
 * changes) and again at `update`, with a message that names the guard, says why and how to
 * force; and `force` overriding it, recorded in the outputs.
 */
import { afterEach, describe, expect, it } from "vitest";
import { provider, type MembershipOutputs } from "../../../providers/membership";
import type { TestSim } from "../helpers/sim";
import { eventually } from "../helpers/sim";
import { TOKEN, activeIds, capture, createMembership, inputs, startProviderSim } from "./helpers";

let t: TestSim | undefined;
afterEach(async () => {
  await t?.stop();
  t = undefined;
});

const HOW =
  "`pulumi config set streambus:force true`, run `pulumi up`, then `pulumi config set streambus:force false`";

async function refusal(olds: MembershipOutputs, ids: number[]): Promise<string> {
  const { error } = await capture(() => provider.diff!("c", olds, inputs(t!, ids)));
  expect(error).toBeInstanceOf(Error);
  return (error as Error).message;
}

async function integrityClean(): Promise<void> {
  expect(await t!.integrity()).toMatchObject({ lost_messages: 0, diverged_replicas: 0 });
}

describe("membership guards", () => {
  it("min_voters: 3 → 2 is refused at diff and at update; with force it goes through and is recorded", async () => {
    t = await startProviderSim({
      topics: [{ name: "audit", partitions: 6, replicationFactor: 2, sizeBytes: 2 ** 20 }],
    });
    const olds = await createMembership(t, [1, 2, 3]);
    const message = await refusal(olds, [1, 2]);
    expect(message).toContain(
      "refusing to change the members from [1, 2, 3] to [1, 2]: guard min_voters failed: removing broker 3 would leave 2 voters (1, 2); at least 3 are needed",
    );
    expect(message).toContain(HOW);
    const update = await capture(() => provider.update!("c", olds, inputs(t!, [1, 2])));
    expect((update.error as Error).message).toMatch(
      /refusing to change the members to \[1, 2\]: removing broker 3/,
    );
    expect(await activeIds(t)).toEqual([1, 2, 3]);

    const forced = inputs(t, [1, 2], { force: true });
    const diff = await capture(() => provider.diff!("c", olds, forced));
    expect(diff.error).toBeUndefined();
    expect(diff.lines).toContainEqual(
      expect.stringMatching(/^streambus: guards overridden by streambus:force: min_voters/),
    );
    const done = await capture(() => provider.update!("c", olds, forced));
    expect(done.error).toBeUndefined();
    expect(done.result!.outs).toMatchObject({ brokers: [1, 2], forcedGuards: ["min_voters"] });
    expect(await activeIds(t)).toEqual([1, 2]);
    await integrityClean();
  });

  it("replication: fewer declared active brokers than the largest replication factor", async () => {
    t = await startProviderSim({
      topics: [{ name: "wide", partitions: 4, replicationFactor: 4, sizeBytes: 2 ** 20 }],
    });
    const olds = await createMembership(t, [1, 2, 3, 4]);
    // The emulator creates the topic once four members are active: wait for it.
    const c = t.cluster({ token: TOKEN });
    await eventually(async () => (await c.admin.topics()).topics.length > 0, 5_000, "the topic");
    const message = await refusal(olds, [1, 2, 3]);
    expect(message).toContain(
      "guard replication failed: only 3 declared brokers would be active members (1, 2, 3), below the largest replication factor (4)",
    );
    expect(message).not.toContain("min_voters");
    expect(await activeIds(t)).toEqual([1, 2, 3, 4]);
    await integrityClean();
  });

  it("leader: no single leader (a network cut into three) refuses even an addition", async () => {
    t = await startProviderSim();
    const olds = await createMembership(t, [1, 2, 3]);
    await t.provision(4);
    await t.cut([[1], [2], [3]]);
    try {
      let message = "";
      // The old leader keeps saying it leads for a moment (check-quorum); then nobody leads.
      for (let i = 0; i < 40 && !message.includes("guard leader failed"); i++) {
        const { error } = await capture(() => provider.diff!("c", olds, inputs(t!, [1, 2, 3, 4])));
        message = error instanceof Error ? error.message : "";
        await new Promise((r) => setTimeout(r, 100));
      }
      // Nobody leads (or the old leader still says it does, followed by no majority): said as such.
      expect(message).toMatch(/guard leader failed: the cluster has no (single )?leader/);
      expect(message).toContain(HOW);
    } finally {
      await t.heal();
    }
  });

  it("offline_partitions: a partition without a live replica refuses the change, naming it", async () => {
    t = await startProviderSim({
      topics: [{ name: "single", partitions: 6, replicationFactor: 1, sizeBytes: 2 ** 20 }],
    });
    const olds = await createMembership(t, [1, 2, 3]);
    await t.provision(4);
    await t.stopBroker(3);
    try {
      const message = await refusal(olds, [1, 2, 3, 4]);
      expect(message).toMatch(
        /guard offline_partitions failed: 2 partitions are offline \(single\/\d, single\/\d\)/,
      );
      expect(message).not.toContain("guard leader failed");
    } finally {
      await t.startBroker(3);
    }
  });
});
