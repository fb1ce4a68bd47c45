import type { Dispatcher } from "undici";

/** How long one kind of call may take before it is a `TimeoutError`, in milliseconds. */
export interface CallTimeouts {
  /** `/health*`: a broker that takes longer is as good as down. Defaults to 2,000. */
  health: number;
  /** Reads of `/admin/*` and `/metrics`. Defaults to 5,000. */
  read: number;
  /**
   * Writes. The contract says nothing blocks longer than 5 s, and a follower forwards a
   * write to the leader, hence a little more. Defaults to 8,000.
   */
  write: number;
  /** `GET /admin/metadata/export` and `POST /admin/raft/snapshot`. Defaults to 15,000. */
  bulk: number;
}

/** Retries with jittered exponential backoff. */
export interface RetryOptions {
  /** Attempts after the first. Defaults to 4. */
  retries: number;
  /** Base delay before the first retry, in milliseconds. Defaults to 200. */
  minDelayMs: number;
  /**
   * Cap on one delay, in milliseconds. Defaults to 3,000, so that 4 retries outlast a
   * leader election (the contract: within 10 s).
   */
  maxDelayMs: number;
}

/** Options of the admin API client, as a caller passes them: every field optional. */
export interface ClientOptions {
  /** Admin token sent as `Authorization: Bearer …`. Defaults to none. */
  token?: string;
  /** PEM CA bundle(s) for brokers whose certificates a private CA signed. Defaults to Node's CAs. */
  ca?: string | Buffer | Array<string | Buffer>;
  /**
   * Said after a broker's certificate was refused (`CertificateError`): which CA was trusted and
   * how to give the right one; the CLI names its `--ca-file`, the providers the stack's config.
   * Defaults to a sentence that says whether a CA was given.
   */
  tlsHint?: string;
  /** Timeouts per kind of call; each field defaults as `CallTimeouts` says. */
  timeouts?: Partial<CallTimeouts>;
  /** Retry policy; each field defaults as `RetryOptions` says. */
  retry?: Partial<RetryOptions>;
  /**
   * The undici dispatcher to send through. Defaults to an `Agent` the client owns (with the
   * CA, when given). Tests pass one wrapped with a recording interceptor.
   */
  dispatcher?: Dispatcher;
  /** Random source for the jitter, `[0, 1)`. Defaults to `Math.random`. */
  random?: () => number;
  /** Where to say that a call is being retried (never with the token). Defaults to silence. */
  log?: (line: string) => void;
}

/** The options with every default filled in. */
export interface NormalizedClientOptions {
  /** Admin token, or undefined. */
  token: string | undefined;
  /** CA bundle, or undefined. */
  ca: string | Buffer | Array<string | Buffer> | undefined;
  /** What a `CertificateError` says to do. */
  tlsHint: string;
  /** Timeouts per kind of call. */
  timeouts: CallTimeouts;
  /** Retry policy. */
  retry: RetryOptions;
  /** The dispatcher given by the caller, if any. */
  dispatcher: Dispatcher | undefined;
  /** Random source for the jitter. */
  random: () => number;
  /** Where retries are reported. */
  log: (line: string) => void;
}

/** The defaults, in one place. */
export const DEFAULT_TIMEOUTS: Readonly<CallTimeouts> = {
  health: 2_000,
  read: 5_000,
  write: 8_000,
  bulk: 15_000,
};

/** The retry defaults. */
export const DEFAULT_RETRY: Readonly<RetryOptions> = { retries: 4, minDelayMs: 200, maxDelayMs: 3_000 };

/**
 * The longest delay Node's timers keep (2^31 - 1 ms, about 24.8 days): a longer one warns
 * `TimeoutOverflowWarning` and fires at once, so a deadline or a timeout beyond it is refused.
 */
export const MAX_TIMER_MS = 2_147_483_647;

/** Fills in the defaults (defaults first, caller's values after) and checks the numbers. */
export function normalizeClientOptions(options: ClientOptions = {}): NormalizedClientOptions {
  const timeouts = { ...DEFAULT_TIMEOUTS, ...definedOnly(options.timeouts ?? {}) };
  const retry = { ...DEFAULT_RETRY, ...definedOnly(options.retry ?? {}) };
  for (const [name, value] of Object.entries(timeouts)) {
    if (!Number.isFinite(value) || value <= 0 || value > MAX_TIMER_MS) {
      throw new RangeError(
        `timeouts.${name} must be a positive number of milliseconds, at most ${MAX_TIMER_MS}: got ${value}`,
      );
    }
  }
  if (!Number.isInteger(retry.retries) || retry.retries < 0) {
    throw new RangeError(`retry.retries must be a non-negative integer: got ${retry.retries}`);
  }
  if (retry.minDelayMs < 0 || retry.maxDelayMs < retry.minDelayMs) {
    throw new RangeError(
      `retry delays must satisfy 0 <= minDelayMs <= maxDelayMs: got ${retry.minDelayMs} and ${retry.maxDelayMs}`,
    );
  }
  if (options.token !== undefined && !/^[\x21-\x7e]+$/.test(options.token)) {
    // A token with spaces or newlines would break the header or leak into an error message.
    throw new RangeError("token must be printable ASCII without spaces (is the token file malformed?)");
  }
  return {
    token: options.token,
    ca: options.ca,
    tlsHint:
      options.tlsHint ??
      (options.ca
        ? "the CA given did not sign it: give the CA that signed the brokers' certificates"
        : "only Node's public CAs were trusted: give the private CA that signed the brokers' certificates"),
    timeouts,
    retry,
    dispatcher: options.dispatcher,
    random: options.random ?? Math.random,
    log: options.log ?? (() => {}),
  };
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}
