import { describe, expect, it } from "vitest";
import {
  classifyError,
  failureReason,
  isAmbiguous,
  isRetryable,
  isTransient,
  provesNotApplied,
} from "./classify";
import { AbortedError, ConnectionError, ContractError, HttpError, SchemaError, TimeoutError } from "./errors";
import { ClusterUnreachableError } from "./cluster";

const info = { method: "POST", url: "http://127.0.0.1:1/admin/partitions/rebalance" };
const contract = (status: number, error: string) => new ContractError(info, status, { error, message: "m" });

describe("classifyError", () => {
  it("proven not applied: no leader, refused before it left, a proxy's 429", () => {
    for (const e of [
      contract(503, "no_quorum"),
      contract(503, "not_leader"),
      new ConnectionError(info, "ECONNREFUSED", false),
      new HttpError(info, 429, "slow down"),
    ]) {
      expect(classifyError(e)).toBe("not_applied");
      expect(provesNotApplied(e)).toBe(true);
      expect(isRetryable(e, "once")).toBe(true);
    }
  });

  it("ambiguous: the request may have been applied (timeout, reset, 5xx, no broker answered)", () => {
    for (const e of [
      new TimeoutError(info, 10),
      new ConnectionError(info, "ECONNRESET", true),
      contract(500, "internal"),
      new HttpError(info, 502, "bad gateway"),
      new ClusterUnreachableError(info, [{ url: "http://127.0.0.1:1", error: "ECONNREFUSED" }]),
    ]) {
      expect(classifyError(e)).toBe("ambiguous");
      expect(isAmbiguous(e)).toBe(true);
      expect(isRetryable(e, "read")).toBe(true);
      expect(isRetryable(e, "idempotent")).toBe(true);
      expect(isRetryable(e, "once")).toBe(false);
      expect(isTransient(e)).toBe(true);
    }
  });

  it("permanent: refusals, broken answers, aborts and errors that are not the client's", () => {
    for (const e of [
      contract(409, "conflict"),
      contract(401, "unauthorized"),
      contract(404, "not_found"),
      new SchemaError(info, 200, ["x"]),
      new AbortedError(info),
      new Error("bug"),
      "a string",
    ]) {
      expect(classifyError(e)).toBe("permanent");
      expect(isRetryable(e, "read")).toBe(false);
      expect(isTransient(e)).toBe(false);
    }
  });
});

describe("failureReason", () => {
  it("says in a few words why a call failed, for broker lists and reports", () => {
    expect(failureReason(new ConnectionError(info, "ECONNREFUSED", false))).toBe("ECONNREFUSED");
    expect(failureReason(new TimeoutError(info, 2_000))).toBe("timed out after 2000 ms");
    expect(failureReason(new ContractError(info, 500, { error: "internal", message: "boom" }))).toBe(
      "HTTP 500 internal",
    );
    expect(failureReason(new HttpError(info, 502, "bad gateway"))).toBe("HTTP 502");
    expect(failureReason(new ClusterUnreachableError(info, [{ url: info.url, error: "ECONNREFUSED" }]))).toBe(
      "no broker answered",
    );
  });
});
