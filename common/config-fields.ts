import { z } from "zod";
import { DURATION_HINT, RATE_HINT, SIZE_HINT, parseDuration, parseRate, parseSize } from "./units";

/**
 * Field schemas shared by the stack config's blocks: human sizes, rates and durations, CIDRs,
 * ids. Each failure message says what is allowed; the key and the bad value are added by the
 * formatter in `config.ts`, which knows the path.
 */

/** A human size (`"100GB"`) or a byte count, parsed to bytes. */
export const size = z
  .union([z.string(), z.number()], { error: `must be ${SIZE_HINT}` })
  .transform((value, ctx) => {
    const bytes = parseSize(value);
    if (bytes === undefined) {
      ctx.addIssue({ code: "custom", message: `must be ${SIZE_HINT}`, input: value });
      return z.NEVER;
    }
    return bytes;
  });

/** A human rate (`"50MB/s"`), parsed to bytes per second. */
export const rate = z
  .union([z.string(), z.number()], { error: `must be ${RATE_HINT}` })
  .transform((value, ctx) => {
    const bytesPerSecond = parseRate(value);
    if (bytesPerSecond === undefined || bytesPerSecond === 0) {
      ctx.addIssue({ code: "custom", message: `must be ${RATE_HINT}, above zero`, input: value });
      return z.NEVER;
    }
    return bytesPerSecond;
  });

/** A human duration (`"7d"`), parsed to milliseconds; zero is refused. */
export const duration = z
  .union([z.string(), z.number()], { error: `must be ${DURATION_HINT}` })
  .transform((value, ctx) => {
    // A bare number in a stack file is milliseconds; a fraction of one ("1.5ms") is no duration.
    const ms = parseDuration(value, "ms");
    if (ms === undefined || ms === 0 || !Number.isSafeInteger(ms)) {
      ctx.addIssue({ code: "custom", message: `must be ${DURATION_HINT}, above zero`, input: value });
      return z.NEVER;
    }
    return ms;
  });

/**
 * A human duration the admin API keeps in whole seconds (`retention.max_age_s`,
 * `compaction.interval_s`): `"1500ms"` cannot be sent as it is, so it is refused here, naming the
 * key, rather than rounded by the provider.
 */
export const wholeSeconds = duration.refine((ms) => ms % 1000 === 0, {
  error: 'must be a whole number of seconds (the admin API keeps it in seconds), like "90s" or "7d"',
});

/** A whole number at least `min`, with a message that says so. */
export function wholeNumber(min: number, max = Number.MAX_SAFE_INTEGER): z.ZodNumber {
  const allowed =
    max === Number.MAX_SAFE_INTEGER
      ? `a whole number, at least ${min}`
      : `a whole number from ${min} to ${max}`;
  return z
    .number({ error: `must be ${allowed}` })
    .int({ error: `must be ${allowed}` })
    .min(min, { error: `must be ${allowed}` })
    .max(max, { error: `must be ${allowed}` });
}

/**
 * A number that may be a fraction, given as a number or as its text: `pulumi config set --path`
 * types only whole numbers and booleans, so `--path streambus:alerts.diskFreeRatio 0.2` stores
 * the text `"0.2"`. `within` adds the bounds to the number.
 */
export function decimal(error: string, within: (n: z.ZodNumber) => z.ZodNumber = (n) => n) {
  return z
    .union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/, { error })], { error })
    .transform(Number)
    .pipe(within(z.number({ error })));
}

/** A boolean, with a message that says so (config files often carry `"yes"`). */
export const bool = z.boolean({ error: "must be true or false" });

/** A non-empty string. */
export function text(what = "a non-empty string"): z.ZodString {
  return z.string({ error: `must be ${what}` }).min(1, { error: `must be ${what}` });
}

/** A string matching a pattern, the message naming the shape. */
export function matching(pattern: RegExp, what: string): z.ZodString {
  return z.string({ error: `must be ${what}` }).regex(pattern, { error: `must be ${what}` });
}

const IPV4_CIDR = /^(25[0-5]|2[0-4]\d|1?\d?\d)(\.(25[0-5]|2[0-4]\d|1?\d?\d)){3}\/(3[0-2]|[12]?\d)$/;
const IPV6_CIDR = /^[0-9a-f:]+\/(12[0-8]|1[01]\d|\d?\d)$/i;

/** Whether a CIDR opens a port to the whole internet. */
export function isOpenToWorld(cidr: string): boolean {
  return cidr === "0.0.0.0/0" || /^::\/0$/.test(cidr) || /\/0$/.test(cidr);
}

/** An IPv4 or IPv6 CIDR block. */
export const cidr = z
  .string({ error: 'must be a CIDR block like "10.0.0.0/16"' })
  .refine((v) => IPV4_CIDR.test(v) || (v.includes(":") && IPV6_CIDR.test(v)), {
    error: 'must be a CIDR block like "10.0.0.0/16"',
  });

/**
 * A CIDR from which the admin API (or Raft, or ssh) may be reached: never the whole internet,
 * because the admin API can drain brokers and make them leave.
 */
export const operatorCidr = cidr.refine((v) => !isOpenToWorld(v), {
  error:
    "must not be open to the whole internet (the admin API can drain brokers): name your operators' networks",
});

/** A Kubernetes resource quantity (`"500m"`, `"4Gi"`). */
export const quantity = matching(
  /^\d+(\.\d+)?(m|k|Ki|M|Mi|G|Gi|T|Ti)?$/,
  'a Kubernetes quantity like "500m" or "4Gi"',
);

/** A message rate quota: messages per second, whole, at least 0. */
export const quotaRates = z.strictObject({
  produceRate: wholeNumber(0).optional(),
  consumeRate: wholeNumber(0).optional(),
});

/** A topic name as brokers accept it. */
export const topicName = matching(
  /^[A-Za-z0-9._-]{1,249}$/,
  "1 to 249 characters of letters, digits, '.', '_' or '-'",
);
