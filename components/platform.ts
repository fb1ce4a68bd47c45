import type * as pulumi from "@pulumi/pulumi";
import type { ClusterMembership } from "./membership";

/**
 * What every platform hands back to `StreamBusCluster`: one endpoint per broker and where the
 * alert rules and dashboard went. The cluster's membership resource depends on every broker's
 * `resources`, so Pulumi updates it (join, rebalance, drain, leave) after new machines exist and
 * before removed machines are deleted.
 */
export interface BrokerEndpoint {
  /** The broker's id. */
  id: number;
  /** The broker's admin API, e.g. `http://10.0.1.11:8080`. */
  adminUrl: pulumi.Output<string>;
  /** The broker's client address (`host:port`); absent on the emulator, which serves no clients. */
  bootstrapAddress?: pulumi.Output<string>;
  /** The resources that make this broker run: membership depends on them. */
  resources: pulumi.Resource[];
}

/** A platform's provisioning result. */
export interface PlatformResult {
  brokers: BrokerEndpoint[];
  /** Where the alert rules live: a file path, a PrometheusRule name or an AMP namespace ARN. */
  alertRules: pulumi.Output<string>;
  /** Where the dashboard lives: a file path or a ConfigMap name; absent on aws (see `dashboardJson`). */
  dashboard?: pulumi.Output<string>;
  /** The backup bucket's name (aws). */
  backupBucket?: pulumi.Output<string>;
  /** The archive bucket's name (aws). */
  archiveBucket?: pulumi.Output<string>;
  /**
   * The membership resources, when the platform orders them itself (kubernetes: a drain gate the
   * StatefulSet depends on and a join gate that depends on it). Absent: the cluster makes one
   * membership resource that depends on every broker's resources.
   */
  membership?: ClusterMembership[];
  /**
   * Where the cluster's rolling restart restarts brokers, when the platform leaves that to it
   * (local: the emulator's control API). `configHash` covers every broker's config file.
   */
  rollingRestart?: { controlUrl: string; configHash: string };
  /**
   * The CA that signed the brokers' admin API certificates, when TLS is on: the providers trust
   * it, and the stack outputs it (`caCertificate`) for `streambus-ops --ca-file`.
   */
  caCertificate?: pulumi.Output<string>;
}
