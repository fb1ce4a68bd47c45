import * as pulumi from "@pulumi/pulumi";
import { isAbsolute, resolve } from "node:path";
import type { LocalConfig, StackConfig } from "../../stacks/config";
import { renderRulesFile } from "../alerts";
import { renderDashboardJson } from "../dashboard";
import type { PlatformResult } from "../platform";
import { LocalBroker, LocalFile } from "./resources";

export { LocalBroker, LocalFile } from "./resources";
export type { LocalBrokerArgs, LocalFileArgs } from "./resources";

/** The local platform's config. */
export type LocalStackConfig = StackConfig & { platform: "local"; local: LocalConfig };

/** What the local platform creates, for the cluster and for tests. */
export interface LocalCluster extends PlatformResult {
  brokerResources: Map<number, LocalBroker>;
}

/** The rack of broker `id`: round-robin over the configured racks, by id (stable on removal). */
export function rackOf(id: number, racks: readonly string[]): string {
  const rack = racks[(id - 1) % racks.length];
  if (rack === undefined) throw new Error("local.racks must list at least one rack");
  return rack;
}

/**
 * The local platform: a broker of the emulator per id (through its control API), the alert
 * rules file and the Grafana dashboard under `local.outputDir` (default `.streambus/<stack>`).
 * Loads no provider plugin but Pulumi's own dynamic-provider one.
 */
export function createLocalCluster(
  name: string,
  config: LocalStackConfig,
  parent: pulumi.Resource,
): LocalCluster {
  const l = config.local;
  const opts: pulumi.CustomResourceOptions = { parent };
  const brokerResources = new Map<number, LocalBroker>();
  for (const id of config.brokerIds) {
    brokerResources.set(
      id,
      new LocalBroker(
        `${name}-broker-${id}`,
        { controlUrl: l.controlUrl, brokerId: id, rack: rackOf(id, l.racks) },
        opts,
      ),
    );
  }
  // Resolved here, against the project's root: the provider process runs in the directory of
  // the program's `main` (dist/stacks), where a relative path would land in build output. An
  // inline program (the Automation API) gets no usable root directory ("rootDirectory" as seen
  // with v3.259.0), and runs in the project's folder.
  const root = pulumi.runtime.getRootDirectory();
  const outputDir = resolve(
    isAbsolute(root) ? root : process.cwd(),
    l.outputDir ?? `.streambus/${pulumi.getStack()}`,
  );
  const rules = new LocalFile(
    `${name}-alert-rules`,
    { path: `${outputDir}/streambus-rules.yml`, content: renderRulesFile(config.alerts) },
    opts,
  );
  const dashboard = new LocalFile(
    `${name}-dashboard`,
    { path: `${outputDir}/grafana-dashboard.json`, content: renderDashboardJson({ job: config.alerts.job }) },
    opts,
  );
  return {
    brokers: [...brokerResources].map(([id, broker]) => ({
      id,
      adminUrl: broker.adminUrl,
      resources: [broker],
    })),
    brokerResources,
    alertRules: rules.absolutePath,
    dashboard: dashboard.absolutePath,
  };
}
