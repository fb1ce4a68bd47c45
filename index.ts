/**
 * streambus-infra: StreamBus clusters as code.
 *
 * The package's main entry, for a user's own Pulumi program:
 * `import { StreamBusCluster } from "streambus-infra"` and `new StreamBusCluster("name", { ... })`
 * (README, "Use it from your own program"). Platform modules are not re-exported: importing them
 * loads their cloud SDKs; the component loads only the platform its arguments name.
 */
export { StreamBusCluster, provisionerOf } from "./components/cluster";
export type { PlatformProvisioner, ValidatedClusterArgs } from "./components/cluster";
export {
  ClusterArgsError,
  brokerIdsOf,
  contiguousBrokerIdProblems,
  duplicateBrokerIdProblems,
  validateClusterArgs,
} from "./components/cluster-args";
export type { ClusterArgProblem, StreamBusClusterArgs } from "./components/cluster-args";
export type { BrokerEndpoint, PlatformResult } from "./components/platform";
export type { LiveSettings } from "./components/settings";
export type {
  AwsConfig,
  KubernetesConfig,
  LocalConfig,
  Platform,
  StackConfig,
  TlsConfig,
} from "./common/config-types";
