import fc from "fast-check";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { assertNoOpenAdminOrRaft, brokerIngressRules, placeBrokers } from "./index";
import { backupWriterPolicy } from "./iam";
import { metricsAgentConfig, remoteWriteUrl, remoteWriterPolicy } from "./metrics";

const ports = { client: 9092, admin: 8080, raft: 9093 };
const subnets = ["a", "b", "c"].map((z, i) => ({ id: `subnet-${i}`, availabilityZone: `us-east-1${z}` }));

describe("placeBrokers", () => {
  it("spreads ids 1..N evenly over the zones", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.integer({ min: 1, max: 6 }), (n, zones) => {
        const ids = Array.from({ length: n }, (_, i) => i + 1);
        const placed = placeBrokers(
          ids,
          subnets
            .concat(subnets)
            .slice(0, zones)
            .map((s, i) => ({ ...s, id: `s${i}` })),
        );
        const counts = new Map<string, number>();
        for (const s of placed.values()) counts.set(s.id, (counts.get(s.id) ?? 0) + 1);
        const values = [...counts.values()];
        expect(Math.max(...values) - Math.min(...values)).toBeLessThanOrEqual(1);
        expect(placed.size).toBe(n);
      }),
    );
  });

  it("never moves a broker when another is removed", () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: 50 }), { minLength: 2 }), (ids) => {
        const before = placeBrokers(ids, subnets);
        const after = placeBrokers(ids.slice(1), subnets);
        for (const [id, subnet] of after) expect(before.get(id)).toEqual(subnet);
      }),
    );
  });

  it("needs a subnet", () => {
    expect(() => placeBrokers([1], [])).toThrow("aws.subnets must list at least one subnet");
  });
});

describe("the security group rules", () => {
  it("refuses the admin API or Raft open to the internet", () => {
    expect(() =>
      brokerIngressRules({ ports, clientCidrs: ["0.0.0.0/0"], operatorCidrs: ["0.0.0.0/0"] }),
    ).toThrow('security group rule "operators: admin API" opens port 8080 to 0.0.0.0/0: never allowed');
    expect(() =>
      assertNoOpenAdminOrRaft(
        [{ description: "wide", protocol: "tcp", fromPort: 9000, toPort: 9100, cidrBlocks: ["10.0.0.0/8"] }],
        ports,
      ),
    ).toThrow('security group rule "wide" opens the Raft port to CIDRs: only brokers may reach it');
    expect(() =>
      brokerIngressRules({ ports, clientCidrs: ["0.0.0.0/0"], operatorCidrs: ["10.1.0.0/16"] }),
    ).not.toThrow();
  });
});

describe("backupWriterPolicy", () => {
  it("allows writes to the one bucket and its key only", () => {
    const policy = backupWriterPolicy("arn:aws:s3:::b", "arn:aws:kms:k");
    expect(policy.Statement.flatMap((s) => s.Resource)).toEqual([
      "arn:aws:s3:::b/*",
      "arn:aws:s3:::b",
      "arn:aws:kms:k",
    ]);
    expect(policy.Statement.every((s) => s.Effect === "Allow")).toBe(true);
  });
});

describe("the metrics agent's config", () => {
  const text = metricsAgentConfig({
    job: "streambus",
    cluster: "prod",
    brokerId: 2,
    adminPort: 8080,
    remoteWriteUrl: remoteWriteUrl("https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/"),
    region: "eu-west-1",
  });

  it("is a config Prometheus's own promtool accepts in agent mode", () => {
    const probe = spawnSync("promtool", ["--version"], { encoding: "utf8" });
    if (probe.error !== undefined || probe.status !== 0) {
      throw new Error(
        "promtool is not on PATH: run `make test-servers` or install Debian's `prometheus` package",
      );
    }
    const dir = mkdtempSync(join(tmpdir(), "agent-"));
    try {
      writeFileSync(join(dir, "agent.yml"), text);
      const run = spawnSync("promtool", ["check", "config", "--agent", join(dir, "agent.yml")], {
        encoding: "utf8",
      });
      expect(`${run.stdout}${run.stderr}`).toContain("SUCCESS");
      expect(run.status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("remote-writes to the workspace's endpoint with SigV4 in its region", () => {
    expect(text).toContain(
      "url: https://aps-workspaces.eu-west-1.amazonaws.com/workspaces/ws-1/api/v1/remote_write",
    );
    expect(text).toMatch(/sigv4:\n\s+region: eu-west-1/);
  });
});

describe("remoteWriterPolicy", () => {
  it("allows aps:RemoteWrite on the one workspace, nothing else", () => {
    expect(remoteWriterPolicy("arn:aws:aps:eu-west-1:1:workspace/ws-1").Statement).toEqual([
      {
        Sid: "RemoteWriteMetrics",
        Effect: "Allow",
        Action: ["aps:RemoteWrite"],
        Resource: ["arn:aws:aps:eu-west-1:1:workspace/ws-1"],
      },
    ]);
  });
});
