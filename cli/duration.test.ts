import { describe, expect, it } from "vitest";
import { parseDuration, parsePositiveInt } from "./duration";

describe("parseDuration", () => {
  it("reads units, compounds and bare seconds", () => {
    expect(parseDuration("90s", "--deadline")).toBe(90_000);
    expect(parseDuration("1h30m", "--deadline")).toBe(5_400_000);
    expect(parseDuration("500ms", "--deadline")).toBe(500);
    expect(parseDuration("2", "--deadline")).toBe(2_000);
  });

  it("is the stack config's parser, bare numbers in seconds: days and weeks too", () => {
    expect(parseDuration("7d", "--deadline")).toBe(604_800_000);
    expect(parseDuration("1d12h", "--deadline")).toBe(129_600_000);
    expect(parseDuration("1.5h", "--deadline")).toBe(5_400_000);
  });

  it("names the flag on bad input", () => {
    expect(() => parseDuration("soon", "--deadline")).toThrow(
      '--deadline must be a duration like 90s, 30m or 1h30m: got "soon"',
    );
    expect(() => parseDuration("0s", "--sample")).toThrow("--sample must be longer than zero");
    // Zero once rounded to whole milliseconds, bare or with a unit: a usage error, not a bug.
    expect(() => parseDuration("0", "--deadline")).toThrow('--deadline must be longer than zero: got "0"');
    expect(() => parseDuration("0.0001", "--deadline")).toThrow("--deadline must be longer than zero");
    expect(() => parseDuration("0.1ms", "--deadline")).toThrow("--deadline must be longer than zero");
    expect(() => parseDuration("99999999999999999999h", "--deadline")).toThrow(
      "--deadline must be at most 596h",
    );
  });

  it("refuses what Node's timers cannot hold (they would fire at once)", () => {
    expect(parseDuration("596h", "--deadline")).toBe(596 * 3_600_000);
    expect(() => parseDuration("1000h", "--deadline")).toThrow(
      '--deadline must be at most 596h (24 days, the longest timer Node keeps): got "1000h"',
    );
  });
});

describe("parsePositiveInt", () => {
  it("accepts positive integers only", () => {
    expect(parsePositiveInt("4", "broker ID")).toBe(4);
    expect(() => parsePositiveInt("0", "broker ID")).toThrow('broker ID must be a positive integer: got "0"');
    expect(() => parsePositiveInt("4a", "broker ID")).toThrow("positive integer");
    expect(() => parsePositiveInt(undefined, "broker ID")).toThrow("got nothing");
  });
});
