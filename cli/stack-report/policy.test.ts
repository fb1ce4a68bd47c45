import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { previewReport, renderPreviewComment } from "./comment";
import { parseEvents } from "./events";
import { policyFindings } from "./policy";

/**
 * The engine's events of a real `pulumi preview --policy-pack policy` (the Automation API's
 * `policyPacks`, the local platform on the emulator) of a new stack named as a production one
 * (`e2e-policy-prod-…`) with 2 brokers and a rebalance throttle of 500MB/s: one mandatory
 * violation (prod-cluster-size) and one advisory (rebalance-throttle-set). Debug lines and the
 * serialized providers' code are trimmed; nothing else is changed.
 */
const STACK = "e2e-policy-prod-4121-mx2emgm7";
const events = parseEvents(
  JSON.parse(
    readFileSync(join(__dirname, "fixtures", "preview-policy-prod.events.json"), "utf8"),
  ) as unknown[],
);

describe("the policy packs' findings in a real preview", () => {
  it("reads each violation: pack, policy, level, resource and what the policy reported", () => {
    const found = policyFindings(events);
    expect(found.packs).toEqual(["streambus@v0.1.0"]);
    expect(found.violations).toEqual([
      {
        pack: "streambus@v0.1.0",
        policy: "prod-cluster-size",
        level: "mandatory",
        resource: "streambus-membership",
        type: "ClusterMembership",
        message:
          `streambus-membership: stack "${STACK}" is a production stack and declares 2 broker(s) [1, 2]; ` +
          "it needs at least 3 (a Raft majority that survives losing one). " +
          `Fix: set streambus:brokers to 3 or more in Pulumi.${STACK}.yaml (and drop streambus:testCluster).`,
      },
      {
        pack: "streambus@v0.1.0",
        policy: "rebalance-throttle-set",
        level: "advisory",
        resource: "streambus-membership",
        type: "ClusterMembership",
        message:
          "streambus-membership: rebalance throttle 500MB/s is above 200MB/s. " +
          `Fix: lower streambus:rebalance.throttle in Pulumi.${STACK}.yaml.`,
      },
    ]);
  });

  it("a mandatory violation fails the comment, listed with the warning; the engine's bare 'preview failed' is not repeated", () => {
    // As runForEvents returns it: the Automation API threw on the failed preview.
    const report = previewReport(STACK, { events, ok: false, error: "error: preview failed" });
    const md = renderPreviewComment(report);
    expect(report.ok).toBe(false);
    expect(md).toContain("**The preview failed:** a mandatory policy is violated (below).");
    expect(md).not.toContain("```");
    expect(md).toContain("#### Policy packs: `streambus@v0.1.0`: 1 mandatory violation, 1 warning");
    expect(md).toMatch(
      /^- ❌ \*\*mandatory\*\* `prod-cluster-size` on `streambus-membership` \(ClusterMembership\): stack .* declares 2 broker\(s\) \[1, 2\]; .* Fix: set streambus:brokers to 3 or more/m,
    );
    expect(md).toMatch(
      /^- ⚠️ advisory `rebalance-throttle-set` on `streambus-membership` \(ClusterMembership\): rebalance throttle 500MB\/s is above 200MB\/s/m,
    );
    // The planned creates are still shown under the failure.
    expect(md).toContain("Planned before the preview stopped: **11 to create**");
  });

  it("advisory violations alone are warnings: the preview passes", () => {
    const advisory = events.filter((e) => e.policyEvent?.enforcementLevel !== "mandatory");
    const report = previewReport(STACK, { events: advisory, ok: true });
    const md = renderPreviewComment(report);
    expect(report.ok).toBe(true);
    expect(md).not.toContain("The preview failed");
    expect(md).toContain("#### Policy packs: `streambus@v0.1.0`: 1 warning");
  });

  it("a pack that found nothing is said to have passed; a preview without packs says nothing of them", () => {
    const clean = events.filter((e) => !e.policyEvent);
    expect(renderPreviewComment(previewReport(STACK, { events: clean, ok: true }))).toContain(
      "#### Policy packs: `streambus@v0.1.0` passed",
    );
    const none = clean.filter((e) => !e.policyAnalyzeSummaryEvent);
    expect(renderPreviewComment(previewReport(STACK, { events: none, ok: true }))).not.toContain(
      "Policy packs",
    );
  });
});
