/** Bad usage: an unknown command or option, a missing or malformed argument. Exit 2. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The exit codes of `streambus-ops`. */
export const EXIT = {
  /** All is well. */
  ok: 0,
  /** A check failed, or an operation was refused or did not finish. */
  failed: 1,
  /** Bad usage, or the cluster could not be reached. */
  usage: 2,
} as const;
