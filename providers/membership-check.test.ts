import { describe, expect, it } from "vitest";
import { UNKNOWN, checkMembershipInputs } from "./membership-check";
import type { MembershipInputs } from "./membership-types";

const base: MembershipInputs = {
  brokers: [3, 1, 2],
  adminUrls: { "1": "http://10.0.0.1:8080", "2": "http://10.0.0.2:8080", "3": "https://b3:8443" },
  phase: "all",
  timeoutMs: 600_000,
  force: false,
};
const failuresOf = (over: Record<string, unknown>) =>
  checkMembershipInputs({ ...base, ...over } as MembershipInputs).failures;

describe("checkMembershipInputs", () => {
  it("accepts good inputs and sorts the brokers", () => {
    const r = checkMembershipInputs(base);
    expect(r.failures).toEqual([]);
    expect(r.inputs.brokers).toEqual([1, 2, 3]);
  });

  it("names the property and the fix", () => {
    expect(failuresOf({ brokers: [0, 1.5, 2] })).toEqual([
      {
        property: "brokers",
        reason: "broker ids must be whole numbers from 1: got [0,1.5] (streambus:brokers)",
      },
      expect.objectContaining({ property: "adminUrls" }),
    ]);
    expect(failuresOf({ brokers: [1, 2, 2, 3] })).toContainEqual({
      property: "brokers",
      reason: "broker ids must be unique: 2 declared twice",
    });
    expect(failuresOf({ adminUrls: { ...base.adminUrls, "2": "ftp://x" } })[0]?.reason).toMatch(
      /^broker 2: the admin URL must be http\(s\)/,
    );
    expect(failuresOf({ adminUrls: { "1": "http://a:1" } })[0]?.reason).toMatch(
      /^no admin URL for brokers 2, 3/,
    );
    expect(failuresOf({ phase: "grow" })).toEqual([
      { property: "phase", reason: 'must be one of all, drain, join: got "grow"' },
    ]);
    expect(failuresOf({ timeoutMs: 0 })[0]?.property).toBe("timeoutMs");
    expect(failuresOf({ maxConcurrentMoves: 0 })[0]?.property).toBe("maxConcurrentMoves");
    expect(failuresOf({ throttleBytesPerS: -1 })[0]?.property).toBe("throttleBytesPerS");
  });

  it("does not judge values unknown during a preview (URLs of brokers not created yet)", () => {
    expect(failuresOf({ brokers: [1, 2, 3, 4], adminUrls: { ...base.adminUrls, "4": UNKNOWN } })).toEqual([]);
    expect(failuresOf({ adminUrls: UNKNOWN })).toEqual([]);
    expect(failuresOf({ timeoutMs: UNKNOWN })).toEqual([]);
  });
});
