/** `streambus-ops alerts`: the compiled CLI prints the rules file the stacks deploy. */
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";
import { describe, expect, it } from "vitest";

const ROOT = join(__dirname, "..", "..", "..");
const CLI = join(ROOT, "dist", "cli", "index.js");

function run(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { cwd: ROOT, timeout: 30_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? Number(error.code) : 0, stdout, stderr });
    });
  });
}

function alertsOf(text: string): Array<{ alert: string; expr: string }> {
  const doc = parse(text) as { groups: Array<{ rules: Array<{ alert: string; expr: string }> }> };
  return doc.groups.flatMap((g) => g.rules);
}

describe("streambus-ops alerts", () => {
  it("prints the six rules with the default thresholds", async () => {
    const { code, stdout } = await run(["alerts"]);
    expect(code).toBe(0);
    expect(alertsOf(stdout).map((r) => r.alert)).toEqual([
      "BrokerDown",
      "NoQuorum",
      "ReplicationBehind",
      "HighLatency",
      "DiskSpaceLow",
      "HighErrorRate",
    ]);
    expect(stdout).toContain("disk_free_bytes");
  });

  it("takes the thresholds of a stack file", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "sb-alerts-")), "Pulumi.x.yaml");
    writeFileSync(file, "config:\n  streambus:alerts:\n    diskFreeRatio: 0.35\n    errorRate: 3\n");
    const { code, stdout } = await run(["alerts", "--stack-file", file]);
    expect(code).toBe(0);
    const rules = alertsOf(stdout);
    expect(rules.find((r) => r.alert === "DiskSpaceLow")?.expr).toContain("0.35");
    expect(rules.find((r) => r.alert === "HighErrorRate")?.expr).toContain("> 3");
  });

  it("refuses a bad threshold with one line naming the key, exit 2", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "sb-alerts-")), "Pulumi.bad.yaml");
    writeFileSync(file, "config:\n  streambus:alerts:\n    diskFreeRatio: 2\n");
    const { code, stdout, stderr } = await run(["alerts", "--stack-file", file]);
    expect(code).toBe(2);
    expect(stdout).toBe("");
    expect(stderr.trim().split("\n")).toHaveLength(1);
    expect(stderr).toMatch(/alerts\.diskFreeRatio.*between 0 and 1.*got 2/);
  });
});
