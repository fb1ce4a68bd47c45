import { describe, expect, it } from "vitest";
import fc from "fast-check";
import { ConnectionError, ContractError, HttpError, SchemaError, TimeoutError } from "./errors";
import { normalizeClientOptions } from "./options";
import { backoffDelay, isRetryable, provesNotApplied, sleep } from "./retry";

const info = { method: "POST", url: "http://127.0.0.1:1/admin/partitions/rebalance" };
const contract = (status: number, error: string) => new ContractError(info, status, { error, message: "m" });

describe("isRetryable", () => {
  it("retries anything transient for reads and idempotent writes", () => {
    for (const kind of ["read", "idempotent"] as const) {
      expect(isRetryable(new TimeoutError(info, 10), kind)).toBe(true);
      expect(isRetryable(new ConnectionError(info, "ECONNRESET", true), kind)).toBe(true);
      expect(isRetryable(contract(500, "internal"), kind)).toBe(true);
      expect(isRetryable(new HttpError(info, 502, "bad gateway"), kind)).toBe(true);
      expect(isRetryable(contract(409, "conflict"), kind)).toBe(false);
      expect(isRetryable(contract(401, "unauthorized"), kind)).toBe(false);
      expect(isRetryable(new SchemaError(info, 200, ["x"]), kind)).toBe(false);
    }
  });

  it("retries a non-idempotent write only when the answer proves it was not applied", () => {
    expect(isRetryable(contract(503, "no_quorum"), "once")).toBe(true);
    expect(isRetryable(contract(503, "not_leader"), "once")).toBe(true);
    expect(isRetryable(new ConnectionError(info, "ECONNREFUSED", false), "once")).toBe(true);
    expect(isRetryable(new ConnectionError(info, "ECONNRESET", true), "once")).toBe(false);
    expect(isRetryable(new TimeoutError(info, 10), "once")).toBe(false);
    expect(isRetryable(contract(500, "internal"), "once")).toBe(false);
    expect(provesNotApplied(contract(500, "no_quorum"))).toBe(false);
  });
});

describe("backoffDelay", () => {
  it("grows, stays under the cap and never comes back at once (property)", () => {
    fc.assert(
      fc.property(fc.nat(40), fc.double({ min: 0, max: 0.999999, noNaN: true }), (attempt, r) => {
        const d = backoffDelay(attempt, { minDelayMs: 200, maxDelayMs: 3000 }, () => r);
        const cap = Math.min(3000, 200 * 2 ** attempt);
        expect(d).toBeGreaterThanOrEqual(Math.floor(cap / 2));
        expect(d).toBeLessThanOrEqual(cap);
      }),
    );
  });

  it("is jittered: two clients with different random draws wait differently", () => {
    const a = backoffDelay(3, { minDelayMs: 200, maxDelayMs: 3000 }, () => 0.1);
    const b = backoffDelay(3, { minDelayMs: 200, maxDelayMs: 3000 }, () => 0.9);
    expect(a).not.toBe(b);
  });
});

describe("normalizeClientOptions", () => {
  it("fills defaults first, the caller's values after", () => {
    const o = normalizeClientOptions({ timeouts: { read: 100 }, retry: { retries: 1 } });
    expect(o.timeouts).toEqual({ health: 2000, read: 100, write: 8000, bulk: 15000 });
    expect(o.retry).toEqual({ retries: 1, minDelayMs: 200, maxDelayMs: 3000 });
  });

  it("refuses bad numbers and a token with spaces, without echoing the token", () => {
    expect(() => normalizeClientOptions({ timeouts: { read: 0 } })).toThrow(
      "timeouts.read must be a positive number",
    );
    expect(() => normalizeClientOptions({ retry: { minDelayMs: 5, maxDelayMs: 1 } })).toThrow(
      "0 <= minDelayMs <= maxDelayMs",
    );
    let message = "";
    try {
      normalizeClientOptions({ token: "s3cret value" });
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("token must be printable ASCII");
    expect(message).not.toContain("s3cret");
  });
});

describe("sleep", () => {
  it("waits, and rejects with the signal's own reason, whether aborted before or during the wait", async () => {
    const started = Date.now();
    await sleep(30);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    const reason = new Error("deadline");
    await expect(sleep(10_000, AbortSignal.abort(reason))).rejects.toBe(reason);
    const controller = new AbortController();
    const waiting = sleep(10_000, controller.signal);
    setTimeout(() => controller.abort(reason), 10);
    await expect(waiting).rejects.toBe(reason);
  });
});
