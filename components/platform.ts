import type * as pulumi from "@pulumi/pulumi";

/**
 * What every platform hands back to `StreamBusCluster`: one endpoint per broker and where the
 * alert rules and dashboard went. The per-broker `resources` are the seam for the membership
 * resources of the providers issue: a broker's membership depends on them, so Pulumi deletes the
 * membership (drain, leave) before the machine.
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
}
