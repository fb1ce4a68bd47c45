import type { Policies } from "@pulumi/policy";
import { brokerInstanceTypes } from "./instance-types";
import { prodClusterSize, rebalanceThrottleSet, retentionWithinBounds } from "./cluster-policies";
import { noOpenAdminOrRaft } from "./network-policies";
import { backupBucketsProtected, dataVolumesEncrypted } from "./storage-policies";

export { brokerInstanceTypes } from "./instance-types";
export { prodClusterSize, rebalanceThrottleSet, retentionWithinBounds } from "./cluster-policies";
export { noOpenAdminOrRaft } from "./network-policies";
export { backupBucketsProtected, bucketProblems, dataVolumesEncrypted } from "./storage-policies";
export { PROD_STACK_PATTERN, STREAMBUS_TYPES, isProdStack, stackOf } from "./support";

/** The pack's policies: five mandatory, two advisory. Importing this starts no analyzer. */
export const policies: Policies = [
  prodClusterSize,
  backupBucketsProtected,
  noOpenAdminOrRaft,
  dataVolumesEncrypted,
  retentionWithinBounds,
  brokerInstanceTypes,
  rebalanceThrottleSet,
];
