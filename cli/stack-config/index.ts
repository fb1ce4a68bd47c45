export {
  generateSecret,
  readStackConfig,
  readStackConfigOrEmpty,
  stackFile,
  writeStackConfig,
} from "./files";
export { EMPTY_OVERLAY, mergePatch, OverlaySchema, readOverlay, type Overlay } from "./overlay";
export {
  describeDifference,
  differences,
  expectedConfig,
  isKept,
  isSecure,
  replicationPlan,
  type Difference,
  type ReplicationPlan,
  type StackConfig,
} from "./parity";
