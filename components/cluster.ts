import * as pulumi from "@pulumi/pulumi";
import type { StackConfig } from "../common/config-types";
import { renderRulesFile } from "./alerts";
import { ClusterArgsError, validateClusterArgs, type StreamBusClusterArgs } from "./cluster-args";
import { renderDashboardJson } from "./dashboard";
import type { AwsStackConfig } from "./aws";
import type { KubernetesStackConfig } from "./kubernetes";
import type { LocalStackConfig } from "./local";
import { ClusterMembership, membershipArgs } from "./membership";
import type { BrokerEndpoint, PlatformResult } from "./platform";
import { RollingRestart, createLiveSettings, type LiveSettings } from "./settings";

export type { StreamBusClusterArgs } from "./cluster-args";

/** Provisions one platform's brokers, storage, alert rules and dashboard under `parent`. */
export type PlatformProvisioner = (
  name: string,
  args: ValidatedClusterArgs,
  parent: pulumi.Resource,
) => PlatformResult;

/**
 * Arguments of a {@link StreamBusCluster} already validated and normalized elsewhere: the stack
 * program's (`loadConfig()` runs the same validators and reports in the stack config's terms).
 */
export interface ValidatedClusterArgs {
  /** The validated, normalized config (`loadConfig()`, or `validateClusterArgs`). */
  config: StackConfig;
  /** The platform's provisioner; by default {@link provisionerOf}`(config.platform)`. */
  provision?: PlatformProvisioner;
}

/**
 * Loads the provisioner of one platform. Only the chosen platform's module is loaded, so a
 * local stack never loads `@pulumi/aws`, `@pulumi/kubernetes` or `@pulumi/command` (nor asks
 * for their plugins, which cannot be had offline).
 */
export async function loadPlatform(platform: StackConfig["platform"]): Promise<PlatformProvisioner> {
  switch (platform) {
    case "local": {
      const { createLocalCluster } = await import("./local/index.js");
      return (name, args, parent) => createLocalCluster(name, args.config as LocalStackConfig, parent);
    }
    case "aws": {
      const { createAwsCluster } = await import("./aws/index.js");
      return (name, args, parent) => createAwsCluster(name, args.config as AwsStackConfig, parent);
    }
    case "kubernetes": {
      const { createKubernetesCluster } = await import("./kubernetes/index.js");
      return (name, args, parent) =>
        createKubernetesCluster(name, args.config as KubernetesStackConfig, parent);
    }
  }
}

/**
 * {@link loadPlatform} without waiting, for a component's constructor (which cannot wait): the
 * chosen platform's module only, through the compiled package's `require` (`dist/`; under a
 * TypeScript test runner, pass `provision: await loadPlatform(...)` instead).
 */
export function provisionerOf(platform: StackConfig["platform"]): PlatformProvisioner {
  switch (platform) {
    case "local": {
      const { createLocalCluster } = require("./local") as typeof import("./local/index.js");
      return (name, args, parent) => createLocalCluster(name, args.config as LocalStackConfig, parent);
    }
    case "aws": {
      const { createAwsCluster } = require("./aws") as typeof import("./aws/index.js");
      return (name, args, parent) => createAwsCluster(name, args.config as AwsStackConfig, parent);
    }
    case "kubernetes": {
      const { createKubernetesCluster } = require("./kubernetes") as typeof import("./kubernetes/index.js");
      return (name, args, parent) =>
        createKubernetesCluster(name, args.config as KubernetesStackConfig, parent);
    }
  }
}

/**
 * Checks what the platform needs before the program declares anything, so that a preview fails
 * before any change instead of `up` failing halfway. `local`: the emulator's control API answers
 * (`components/local/reachability.ts`). aws and kubernetes: nothing; the program makes no network
 * call there (their admin endpoints are often reachable only from inside the network, and the
 * providers say so when they act).
 */
export async function checkPlatform(config: StackConfig): Promise<void> {
  if (config.platform === "local") {
    const { checkEmulatorReachable } = await import("./local/reachability.js");
    await checkEmulatorReachable(config.local.controlUrl);
  }
}

/**
 * A whole StreamBus cluster on one platform (`config.platform`): brokers and their storage,
 * backup buckets (aws), alert rules and the dashboard, the live cluster's membership (join,
 * rebalance, drain, leave) through {@link ClusterMembership}, and its live settings (config,
 * quotas, topics) through resources over the admin API that depend on the membership.
 */
export class StreamBusCluster extends pulumi.ComponentResource {
  /** The brokers, by ascending id: each with its admin URL and the resources that run it. */
  public readonly brokers: BrokerEndpoint[];
  /** Broker id → admin API URL. */
  public readonly adminUrls: pulumi.Output<Record<string, string>>;
  /** The brokers' client addresses (`host:port`); empty on the emulator. */
  public readonly bootstrapAddresses: pulumi.Output<string[]>;
  /** Where the alert rules went. */
  public readonly alertRules: pulumi.Output<string>;
  /** Where the dashboard went, when it went somewhere. */
  public readonly dashboard: pulumi.Output<string | undefined>;
  /** The backup and archive buckets' names (aws). */
  public readonly buckets: pulumi.Output<{ backup?: string; archive?: string }>;
  /** The Grafana dashboard's JSON, for platforms with nowhere to put it. */
  public readonly dashboardJson: string;
  /** The alert rules file's text. */
  public readonly rulesFile: string;
  /** The CA of the brokers' admin API certificates (PEM), when TLS is on. */
  public readonly caCertificate: pulumi.Output<string> | undefined;
  /** The platform the cluster runs on. */
  public readonly platform: StackConfig["platform"];
  /** The live cluster's membership: one resource, or kubernetes' drain and join gates. */
  public readonly membership: ClusterMembership[];
  /** The live settings: the dynamic config, the quotas and each topic. */
  public readonly settings: LiveSettings;
  private readonly result: PlatformResult;

  /**
   * @param args the cluster's typed arguments (human units accepted), checked here: a problem
   *   fails the program with a `ResourceError` naming each key and its fix, before any child is
   *   declared. Or, from the stack program, a config it has already validated (`{ config }`).
   */
  constructor(
    name: string,
    clusterArgs: StreamBusClusterArgs | ValidatedClusterArgs,
    opts?: pulumi.ComponentResourceOptions,
  ) {
    super("streambus:index:StreamBusCluster", name, {}, opts);
    let args: ValidatedClusterArgs;
    if ("config" in clusterArgs) args = clusterArgs;
    else {
      try {
        args = { config: validateClusterArgs(clusterArgs) };
      } catch (error) {
        if (error instanceof ClusterArgsError) throw new pulumi.ResourceError(error.message, this);
        throw error;
      }
    }
    const provision = args.provision ?? provisionerOf(args.config.platform);
    const result = provision(name, args, this);
    this.result = result;
    this.platform = args.config.platform;
    this.brokers = [...result.brokers].sort((a, b) => a.id - b.id);
    this.membership = result.membership ?? [
      new ClusterMembership(
        `${name}-membership`,
        membershipArgs(
          args.config,
          new Map(this.brokers.map((b) => [b.id, b.adminUrl])),
          "all",
          result.caCertificate,
        ),
        { parent: this, dependsOn: this.brokers.flatMap((b) => b.resources) },
      ),
    ];
    // The settings are written once the members are active (topics need as many as their
    // replication factor); the same URLs as the membership's reach the cluster.
    const urls = membershipArgs(args.config, new Map(this.brokers.map((b) => [b.id, b.adminUrl]))).adminUrls;
    this.settings = createLiveSettings(name, args.config, urls, this.membership, this, result.caCertificate);
    // Static settings (the brokers' config files) roll one broker at a time, after the members.
    if (result.rollingRestart !== undefined) {
      new RollingRestart(
        `${name}-rolling-restart`,
        {
          adminUrls: urls,
          controlUrl: result.rollingRestart.controlUrl,
          brokers: args.config.brokerIds,
          configHash: result.rollingRestart.configHash,
          timeoutMs: args.config.rebalance.timeout,
          ...(result.caCertificate !== undefined ? { caCertificate: result.caCertificate } : {}),
        },
        { parent: this, dependsOn: [...this.membership, ...this.brokers.flatMap((b) => b.resources)] },
      );
    }
    this.adminUrls = pulumi
      .all(this.brokers.map((b) => b.adminUrl))
      .apply((urls) => Object.fromEntries(urls.map((url, i) => [String(this.brokers[i]?.id), url])));
    this.bootstrapAddresses = pulumi.all(
      this.brokers.flatMap((b) => (b.bootstrapAddress !== undefined ? [b.bootstrapAddress] : [])),
    );
    this.caCertificate = result.caCertificate;
    this.alertRules = result.alertRules;
    this.dashboard = pulumi.output(result.dashboard);
    this.buckets = pulumi.output({ backup: result.backupBucket, archive: result.archiveBucket });
    this.rulesFile = renderRulesFile(args.config.alerts);
    this.dashboardJson = renderDashboardJson({ job: args.config.alerts.job });
    this.registerOutputs({
      adminUrls: this.adminUrls,
      bootstrapAddresses: this.bootstrapAddresses,
      alertRules: this.alertRules,
      dashboard: this.dashboard,
      buckets: this.buckets,
    });
  }

  /**
   * The stack outputs the program exports. Only what the platform has: an output whose value is
   * `undefined` is dropped by the engine with a warning on every `up`.
   */
  stackOutputs(): Record<string, unknown> {
    return {
      platform: this.platform,
      brokerIds: this.brokers.map((b) => b.id),
      adminUrls: this.adminUrls,
      bootstrapAddresses: this.bootstrapAddresses,
      alertRules: this.alertRules,
      ...(this.result.caCertificate ? { caCertificate: this.result.caCertificate } : {}),
      ...(this.result.dashboard ? { dashboard: this.result.dashboard } : {}),
      ...(this.result.backupBucket ? { backupBucket: this.result.backupBucket } : {}),
      ...(this.result.archiveBucket ? { archiveBucket: this.result.archiveBucket } : {}),
    };
  }
}
