import { StreamBusCluster, checkPlatform, loadPlatform } from "../components/cluster";
import { loadConfig } from "./config";

export { CONFIG_NAMESPACE, StackConfigError, loadConfig, parseStackConfig } from "./config";
export type { AwsConfig, KubernetesConfig, LocalConfig, Platform, StackConfig } from "./config";

/** The cluster's name: the prefix of every child's name (`streambus-broker-4`). */
export const CLUSTER_NAME = "streambus";

/**
 * The project's Pulumi program, runnable inline through the Automation API: reads and validates
 * the stack's config (nothing is declared when it is invalid), checks that the platform can be
 * reached where the program can tell (the emulator on `local`), builds one `StreamBusCluster`
 * and returns the stack outputs.
 */
export async function program(): Promise<Record<string, unknown>> {
  const config = loadConfig();
  await checkPlatform(config);
  const cluster = new StreamBusCluster(CLUSTER_NAME, {
    config,
    provision: await loadPlatform(config.platform),
  });
  return cluster.stackOutputs();
}
