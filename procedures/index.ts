/**
 * The runbook's procedures as plain async functions over the admin API: each takes the
 * cluster handle and options (`deadlineMs`, `signal`, `onProgress`) and returns a typed
 * report. The CLI and the dynamic providers both call these.
 */
export * from "./client";
export * from "./common";
export * from "./facts";
export * from "./health";
export * from "./quorum";
export * from "./partitions";
export * from "./rebalance";
export * from "./guards";
export * from "./membership";
export * from "./pacing";
export * from "./add-broker";
export * from "./remove-broker";
export * from "./rolling-restart";
export * from "./backup";
export * from "./latency";
export {
  parsePrometheusText,
  histogramQuantile,
  bucketsOf,
  select,
  valueOf,
  MetricsParseError,
} from "./metrics/prometheus";
export type { Sample, Scrape, Bucket } from "./metrics/prometheus";
