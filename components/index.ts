/**
 * The cluster's ComponentResources. Platform modules (`./aws`, `./kubernetes`, `./local`) are
 * not re-exported here: importing them loads their cloud SDKs, which a local stack must not.
 */
export { StreamBusCluster, loadPlatform, provisionerOf } from "./cluster";
export type { PlatformProvisioner, StreamBusClusterArgs, ValidatedClusterArgs } from "./cluster";
export { ClusterArgsError, validateClusterArgs } from "./cluster-args";
export type { BrokerEndpoint, PlatformResult } from "./platform";
export {
  BROKER_ID_PLACEHOLDER,
  BROKER_PATHS,
  configHash,
  formatSize,
  renderBrokerConfig,
} from "./broker-config";
export type { BrokerConfigInput, BrokerSettings } from "./broker-config";
export * from "./alerts";
export * from "./dashboard";
