/**
 * A Pulumi program of one's own that uses streambus-infra as a library (README, "Use it from
 * your own program"): a three-broker StreamBus cluster on the emulator and two topics. The
 * component checks its arguments itself: a wrong one fails the preview with its key and the fix.
 */
import * as pulumi from "@pulumi/pulumi";
import { StreamBusCluster } from "streambus-infra";

const config = new pulumi.Config();

const cluster = new StreamBusCluster("events", {
  platform: "local",
  // The emulator's control API: `streambus-sim --port 7070`, then `pulumi config set controlUrl http://127.0.0.1:7070`.
  local: { controlUrl: config.require("controlUrl") },
  brokers: 3,
  // Human units are accepted wherever the stack config takes them.
  retention: { maxBytes: "10GB", maxAge: "3d" },
  // A throwaway cluster: `pulumi destroy` may delete the topics' data (allowDelete; off by default).
  topics: [
    { name: "payments", partitions: 6, replicationFactor: 3, allowDelete: true },
    {
      name: "payments-audit",
      partitions: 1,
      replicationFactor: 3,
      cleanupPolicy: "compact",
      retention: { maxAge: "30d" },
      allowDelete: true,
    },
  ],
});

export const adminUrls = cluster.adminUrls;
export const brokerIds = cluster.brokers.map((b) => b.id);
export const alertRules = cluster.alertRules;
