import * as pulumi from "@pulumi/pulumi";
import { existsSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import type { LocalConfig, StackConfig } from "../../common/config-types";
import { renderRulesFile } from "../alerts";
import { configHash, renderBrokerConfig } from "../broker-config";
import { renderDashboardJson } from "../dashboard";
import type { PlatformResult } from "../platform";
import { createBrokerCertificate, createStackCa } from "../tls";
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
 * The Pulumi project's folder (where Pulumi.yaml is), however the program was started. The
 * engine's own answer (`getRootDirectory()`) is empty under the Node.js language host built here
 * (sdk v3.68.0 passes no root directory) and the literal `rootDirectory` for an inline program
 * of the Automation API; the host also starts the program in the folder of its `main`
 * (dist/stacks). So: the engine's answer when it is a folder with a Pulumi.yaml, else the
 * nearest folder holding a Pulumi.yaml from `start` up, else `start`.
 */
export function projectRoot(
  start: string = process.cwd(),
  engineRoot: string = pulumi.runtime.getRootDirectory(),
): string {
  if (isAbsolute(engineRoot) && existsSync(join(engineRoot, "Pulumi.yaml"))) return engineRoot;
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, "Pulumi.yaml"))) return dir;
    if (dirname(dir) === dir) return resolve(start);
  }
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
  const texts: string[] = [];
  // Every emulated broker answers on 127.0.0.1: its certificate names that address (and localhost).
  const ca = createStackCa(name, config, parent);
  for (const id of config.brokerIds) {
    const rack = rackOf(id, l.racks);
    // What the broker reads at start; the live settings are ClusterConfig's, not in here.
    const text = renderBrokerConfig({
      brokerId: id,
      rack,
      adminTokenRequired: config.adminToken !== undefined,
      tls: ca !== undefined,
      settings: config,
    });
    texts.push(text);
    const cert =
      ca &&
      createBrokerCertificate(
        name,
        id,
        ca,
        { dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] },
        config,
        opts,
      );
    brokerResources.set(
      id,
      new LocalBroker(
        `${name}-broker-${id}`,
        {
          controlUrl: l.controlUrl,
          brokerId: id,
          rack,
          config: text,
          ...(cert ? { tls: { certificate: cert.certificate, privateKey: cert.privateKey } } : {}),
        },
        opts,
      ),
    );
  }
  // Resolved here, against the project's root: the provider process runs in the directory of
  // the program's `main` (dist/stacks), where a relative path would land in build output.
  const outputDir = resolve(projectRoot(), l.outputDir ?? `.streambus/${pulumi.getStack()}`);
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
    rollingRestart: { controlUrl: l.controlUrl, configHash: configHash(texts.join("\n---\n")) },
    alertRules: rules.absolutePath,
    dashboard: dashboard.absolutePath,
    ...(ca !== undefined ? { caCertificate: ca.certificate } : {}),
  };
}
