/**
 * The cluster's ComponentResources. Platform modules (`./aws`, `./kubernetes`, `./local`) are
 * not re-exported here: importing them loads their cloud SDKs, which a local stack must not.
 */
export { StreamBusCluster, loadPlatform } from "./cluster";
export type { PlatformProvisioner, StreamBusClusterArgs } from "./cluster";
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
