import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { TestSim } from "../integration/helpers/sim";
import { ensureBuilt, runCli } from "../integration/cli/helpers";
import { createE2EStack, repoRoot, type E2EStack } from "./harness";
import { TOKEN, adminOf, startEmptySim, upWithOutput } from "./membership-helpers";
import { curl, settingsConfig } from "./settings-helpers";

/**
 * `streambus-ops preview` and `streambus-ops drift` as a pull request's job and a scheduled job
 * run them: the compiled CLI in the project's folder, the real `pulumi` engine under it, the
 * emulator as the cluster. Steps run in order on one stack: a clean drift check, the comments
 * for 3 → 4 and 3 → 60 brokers, a failing preview, a quota changed by hand, a broker joined by
 * hand, and the emulator gone.
 */

/** The offline Pulumi settings of scripts/env.sh, passed to the CLI (runCli passes only PATH and HOME). */
const PULUMI_ENV = Object.fromEntries(
  Object.entries(process.env).filter(([k]) => k.startsWith("PULUMI_") || k.startsWith("STREAMBUS_")),
);
const ops = (...args: string[]) => runCli(args, PULUMI_ENV);

const FLEET_TOPICS = Array.from({ length: 200 }, (_, i) => ({
  name: `fleet-${String(i).padStart(3, "0")}`,
  partitions: 10,
  replicationFactor: 3,
  allowDelete: true,
}));

describe("streambus-ops preview and drift through the real engine", () => {
  let t: TestSim;
  let e2e: E2EStack;
  let dir: string;
  const brokers = (ids: number[]) => e2e.stack.setConfig("streambus:brokers", { value: JSON.stringify(ids) });

  beforeAll(async () => {
    ensureBuilt();
    dir = await mkdtemp(join(tmpdir(), "streambus-preview-"));
    t = await startEmptySim();
    e2e = await createE2EStack("prdrift");
    await e2e.stack.setAllConfig(settingsConfig(t, { quotas: { default: { produceRate: 1000 } } }));
    const up = await upWithOutput(e2e);
    expect(up.ok, up.text).toBe(true);
  }, 120_000);

  afterAll(async () => {
    // The last step stops the emulator: the stack's state is dropped, nothing is left to destroy.
    await e2e?.pulumi("stack", "rm", "--yes", "--force");
    await rm(join(repoRoot, `Pulumi.${e2e?.name}.yaml`), { force: true });
    await rm(join(repoRoot, ".streambus", e2e?.name ?? "none"), { recursive: true, force: true });
    await rm(dir, { recursive: true, force: true });
    await t?.stop().catch(() => undefined);
  }, 60_000);

  it("drift exits 0 when the live cluster matches the stack", async () => {
    const r = await ops("drift", "--stack", e2e.name);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/✓ no drift in stack e2e-prdrift-\S+: \d+ resources match the live cluster/);
  }, 60_000);

  it("the comment for 3 → 4 brokers names the broker, the moves and the bytes", async () => {
    await brokers([1, 2, 3, 4]);
    const file = join(dir, "comment.md");
    const r = await ops("preview", "--stack", e2e.name, "--out", file, "--json");
    expect(r.code, r.stderr).toBe(0);
    const md = await readFile(file, "utf8");
    const doc = JSON.parse(r.stdout) as {
      ok: boolean;
      membership: { plans: Array<{ plan: { moves: number; bytes: number; add: number[] } }> };
    };
    const plan = doc.membership.plans[0]!.plan;
    expect(plan.add).toEqual([4]);
    expect(plan.moves).toBeGreaterThan(0);
    expect(md).toContain("**broker 4**");
    expect(md).toContain("- **create** `streambus-broker-4` (LocalBroker)");
    expect(md).toContain("#### Membership: brokers [1–3] → [1–4] (adds broker 4)");
    expect(md).toMatch(new RegExp(`\\*\\*about ${plan.moves} partition moves, [\\d.]+ MiB\\*\\* to copy`));
    expect(md).toContain("Guards: none refuses this change.");
    expect(md).not.toContain(TOKEN);
  }, 60_000);

  it("the comment for 3 → 60 brokers and 200 topics stays under GitHub's limit", async () => {
    await brokers(Array.from({ length: 60 }, (_, i) => i + 1));
    await e2e.stack.setConfig("streambus:topics", { value: JSON.stringify(FLEET_TOPICS) });
    const r = await ops("preview", "--stack", e2e.name);
    await e2e.stack.removeConfig("streambus:topics");
    await brokers([1, 2, 3]);
    expect(r.code, r.stderr).toBe(0);
    const md = r.stdout;
    console.log(`the 60-broker, 200-topic comment: ${md.length} characters`);
    expect(md.length).toBeLessThan(65_536);
    expect(md).toContain("**257 to create");
    expect(md).toContain("#### Membership: brokers [1–3] → [1–60] (adds brokers 4–60)");
    expect(md).toMatch(/\*\*about \d+ partition moves, [\d.]+ [MG]iB\*\*/);
    expect(md).toMatch(/brokers 4–60 \(57\): create LocalBroker|\*\*broker 60\*\*/);
    expect(md).toMatch(/fleet-199|fleet-000/);
  }, 120_000);

  it("a membership change a guard refuses: exit 1, the comment names the guard", async () => {
    await brokers([1, 2]);
    const r = await ops("preview", "--stack", e2e.name);
    await brokers([1, 2, 3]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(
      "**The preview failed:** a guard refuses the change of the broker set (below).",
    );
    expect(r.stdout).toContain("#### Membership: brokers [1–3] → [1–2] refused by a guard");
    expect(r.stdout).toMatch(/^- guard `min_voters`: removing broker 3 would leave 2 voters/m);
    // Said once, under the membership, not again among the failure's reasons.
    expect(r.stdout.match(/min_voters/g)).toHaveLength(1);
  }, 60_000);

  it("a failing preview exits 1 and the comment says why", async () => {
    await e2e.stack.setConfig("streambus:retention", { value: JSON.stringify({ maxAge: "7 days" }) });
    const r = await ops("preview", "--stack", e2e.name);
    await e2e.stack.removeConfig("streambus:retention");
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("**The preview failed.**");
    expect(r.stdout).toContain("streambus:retention.maxAge");
  }, 60_000);

  it("drift exits 2 after a quota changed by hand, naming the field, as text and JSON", async () => {
    await curl(t, "POST", "/admin/quotas", { default: { produce_rate: 1234 } });
    const text = await ops("drift", "--stack", e2e.name);
    expect(text.code, text.stderr).toBe(2);
    expect(text.stdout).toContain(
      "✗ streambus-quotas (ClusterQuotas): default.produceRate: 1000 in the stack, 1234 live",
    );
    const json = await ops("drift", "--stack", e2e.name, "--json");
    expect(json.code).toBe(2);
    expect(JSON.parse(json.stdout)).toMatchObject({
      checked: true,
      drift: true,
      drifted: [
        { name: "streambus-quotas", fields: [{ path: "default.produceRate", before: 1000, after: 1234 }] },
      ],
      unmanaged: [],
      missing: [],
    });
    await curl(t, "POST", "/admin/quotas", { default: { produce_rate: 1000 } });
  }, 90_000);

  it("drift names a broker provisioned and joined by hand as unmanaged", async () => {
    await t.provision(5);
    const admin = adminOf(t);
    await expect
      .poll(async () => (await admin.refresh()).members.some((m) => m.broker_id === 5), { timeout: 15_000 })
      .toBe(true);
    await admin.admin.join(5);
    const r = await ops("drift", "--stack", e2e.name);
    expect(r.code, r.stderr).toBe(2);
    expect(r.stdout).toContain("✗ unmanaged member (live, declared by no stack): broker 5");
    expect(r.stdout).not.toContain("ClusterQuotas");
  }, 60_000);

  it("drift exits 1 when the cluster cannot be read, and says so", async () => {
    await t.stop();
    const r = await ops("drift", "--stack", e2e.name);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("drift check of stack");
    expect(r.stderr).toMatch(/drift check failed: .*(ECONNREFUSED|no broker answered)/);
  }, 60_000);
});
