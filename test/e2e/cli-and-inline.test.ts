import type { ConfigMap, Stack } from "@pulumi/pulumi/automation";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startSim, type SimCluster } from "../../sim";
import { program } from "../../stacks";
import { createE2EStack, repoRoot, type CliResult, type E2EStack } from "./harness";

const ADMIN_TOKEN = "sb-cli-inline-token-8d21f3";

/** What one way of running the program produced, to compare the two ways. */
interface Run {
  outputs: Record<string, unknown>;
  upText: string;
  state: string;
  stackName: string;
}

/**
 * The program behaves the same whether the `pulumi` CLI starts it through the Node.js language
 * host (what users run) or the Automation API runs it inline (`streambus-stack`'s old mode):
 * the same config and secrets, the same outputs, and files under the project's `.streambus/`.
 */
describe("the local stack under the CLI and inline", () => {
  let sim: SimCluster;
  const runs: Record<"cli" | "inline", Run | undefined> = { cli: undefined, inline: undefined };

  const config = (): ConfigMap => ({
    "streambus:platform": { value: "local" },
    "streambus:adminToken": { value: ADMIN_TOKEN, secret: true },
    "streambus:brokers": { value: "[1, 2, 3]" },
    "streambus:local": { value: JSON.stringify({ controlUrl: sim.controlUrl }) },
  });

  async function runOnce(e2e: E2EStack, up: () => Promise<string>): Promise<Run> {
    await e2e.stack.setAllConfig(config());
    try {
      const upText = await up();
      const outputs = Object.fromEntries(
        Object.entries(await e2e.stack.outputs()).map(([k, v]) => [k, v.value as unknown]),
      );
      return { outputs, upText, state: await e2e.readStateFile(), stackName: e2e.name };
    } finally {
      await e2e.cleanup();
    }
  }

  beforeAll(async () => {
    sim = await startSim({ basePort: 0, token: ADMIN_TOKEN, registerDelayMs: 100, electionDelayMs: 100 });
    const cli = await createE2EStack("cli");
    runs.cli = await runOnce(cli, async () => {
      const result: CliResult = await cli.pulumi("up", "--yes");
      expect(result.code, result.stdout + result.stderr).toBe(0);
      return result.stdout + result.stderr;
    });
    const inline = await createE2EStack("inline", program);
    runs.inline = await runOnce(inline, async () => {
      let text = "";
      await (inline.stack as Stack).up({ onOutput: (t) => (text += t) });
      return text;
    });
  }, 300_000);
  afterAll(async () => sim?.stop());

  it("exports the same outputs, with no undefined value", () => {
    const { cli, inline } = runs as Record<"cli" | "inline", Run>;
    const comparable = (r: Run) => ({
      ...r.outputs,
      alertRules: String(r.outputs.alertRules).replace(r.stackName, "<stack>"),
      dashboard: String(r.outputs.dashboard).replace(r.stackName, "<stack>"),
    });
    expect(comparable(cli)).toEqual(comparable(inline));
    expect(Object.keys(cli.outputs).sort()).toEqual([
      "adminUrls",
      "alertRules",
      "bootstrapAddresses",
      "brokerIds",
      "dashboard",
      "platform",
    ]);
    for (const run of [cli, inline]) expect(run.upText).not.toMatch(/will not show as a stack output/);
  });

  it("writes its files under the project's .streambus/<stack>/, never under dist/", () => {
    for (const run of Object.values(runs) as Run[]) {
      expect(run.outputs.alertRules).toBe(join(repoRoot, ".streambus", run.stackName, "streambus-rules.yml"));
      expect(run.outputs.dashboard).toBe(
        join(repoRoot, ".streambus", run.stackName, "grafana-dashboard.json"),
      );
      expect(existsSync(join(repoRoot, "dist", "stacks", ".streambus", run.stackName))).toBe(false);
    }
  });

  it("keeps the secret token encrypted in the state either way", () => {
    for (const run of Object.values(runs) as Run[]) {
      expect(run.state).toContain("ciphertext");
      expect(run.state).not.toContain(ADMIN_TOKEN);
      expect(run.upText).not.toContain(ADMIN_TOKEN);
    }
  });
});
