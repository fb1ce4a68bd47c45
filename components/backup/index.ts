/** The backup and archive buckets (aws). */
export { createBackupBuckets, lifecycleRules, tlsOnlyPolicy } from "./buckets";
export type { BackupBuckets, BackupSettings } from "./buckets";
