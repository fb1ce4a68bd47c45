export { stackFlag } from "./args";
export {
  brokerOf,
  fieldChanges,
  formatValue,
  previewChanges,
  safeValue,
  SECRET,
  UNKNOWN,
  type ChangeKind,
  type FieldChange,
  type ResourceChange,
} from "./changes";
export {
  COMMENT_BUDGET,
  GITHUB_COMMENT_LIMIT,
  previewReport,
  ranges,
  renderPreviewComment,
  type PreviewReport,
} from "./comment";
export { driftLines, driftReport, type DriftedResource, type DriftReport } from "./drift";
export { diagnostics, parseEvents, runForEvents, type StackEvent, type StackRun } from "./events";
export { policyFindings, type PolicyFindings, type PolicyViolation } from "./policy";
export { failureReasons, membershipFindings, type MembershipFindings, type MembershipPlan } from "./plan";
