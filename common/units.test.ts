import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { formatSize as brokerConfigSize } from "../components/broker-config";
import { formatBytes } from "../procedures/common";
import { formatPromDuration, formatSize, parseDuration, parseRate, parseSize } from "./units";

describe("parseSize", () => {
  it("reads binary units, as the contract's retention example does", () => {
    expect(parseSize("100GB")).toBe(107374182400);
    expect(parseSize("50GB")).toBe(53687091200);
    expect(parseSize("512MiB")).toBe(536870912);
    expect(parseSize("1kb")).toBe(1024);
    expect(parseSize("2 TB")).toBe(2 * 1024 ** 4);
    expect(parseSize("1.5GB")).toBe(1610612736);
    expect(parseSize("42")).toBe(42);
    expect(parseSize(42)).toBe(42);
  });

  it("refuses what is not a size", () => {
    for (const bad of ["", "GB", "100 gigabytes", "-1GB", "1.5B", "100XB", "7d", "1e3"]) {
      expect(parseSize(bad), bad).toBeUndefined();
    }
    expect(parseSize(-1)).toBeUndefined();
    expect(parseSize(1.5)).toBeUndefined();
  });

  it("is exact for every whole number of every unit", () => {
    const units: Array<[string, number]> = [
      ["B", 1],
      ["KB", 1024],
      ["MB", 1024 ** 2],
      ["GB", 1024 ** 3],
      ["TB", 1024 ** 4],
    ];
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 4096 }), fc.constantFrom(...units), (n, [unit, factor]) => {
        expect(parseSize(`${n}${unit}`)).toBe(n * factor);
      }),
    );
  });
});

describe("parseRate", () => {
  it("reads bytes per second", () => {
    expect(parseRate("50MB/s")).toBe(52428800);
    expect(parseRate("1GB/s")).toBe(1024 ** 3);
    expect(parseRate("1000")).toBe(1000);
    expect(parseRate(1000)).toBe(1000);
  });

  it("refuses a size without a time base and other junk", () => {
    for (const bad of ["50MB", "50MB/h", "fast", "/s"]) expect(parseRate(bad), bad).toBeUndefined();
  });
});

describe("parseDuration", () => {
  it("reads the runbook's durations", () => {
    expect(parseDuration("7d", "ms")).toBe(604_800_000);
    expect(parseDuration("1h", "ms")).toBe(3_600_000);
    expect(parseDuration("5s", "ms")).toBe(5000);
    expect(parseDuration("2h", "ms")).toBe(7_200_000);
    expect(parseDuration("250ms", "ms")).toBe(250);
    expect(parseDuration("1w", "ms")).toBe(604_800_000);
    expect(parseDuration("1.5h", "ms")).toBe(5_400_000);
    expect(parseDuration("1500", "ms")).toBe(1500);
  });

  it("refuses what is not a duration", () => {
    for (const bad of ["", "7 days", "d", "-5s", "5y", "5 s s", "1h 30m", "s5"]) {
      expect(parseDuration(bad, "ms"), bad).toBeUndefined();
    }
  });

  it("reads compounds, and a bare number in the unit its caller names (one parser for the stack and the CLI)", () => {
    expect(parseDuration("1h30m", "ms")).toBe(5_400_000);
    expect(parseDuration("1d12h", "s")).toBe(129_600_000);
    expect(parseDuration("90", "ms")).toBe(90);
    expect(parseDuration("90", "s")).toBe(90_000);
    expect(parseDuration(90, "s")).toBe(90_000);
    // Fractions of a millisecond are the caller's to refuse (a stack field) or round (a CLI flag).
    expect(parseDuration("1.5ms", "ms")).toBe(1.5);
  });

  it("round-trips through the Prometheus rendering", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 10_000 }), fc.constantFrom("s", "m", "h", "d"), (n, unit) => {
        const ms = parseDuration(`${n}${unit}`, "ms") ?? -1;
        expect(parseDuration(formatPromDuration(ms), "ms")).toBe(ms);
      }),
    );
    expect(formatPromDuration(300_000)).toBe("5m");
    expect(formatPromDuration(604_800_000)).toBe("7d");
    expect(formatPromDuration(90_000)).toBe("90s");
    expect(formatPromDuration(1500)).toBe("1500ms");
  });
});

describe("formatSize", () => {
  it("writes a size exactly as the config files do, and parseSize reads it back", () => {
    expect(formatSize(107374182400, "exact")).toBe("100GB");
    expect(formatSize(1536 * 1024 ** 2, "exact")).toBe("1536MB");
    expect(formatSize(1000, "exact")).toBe("1000B");
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 45 }), (bytes) => {
        expect(parseSize(formatSize(bytes, "exact"))).toBe(bytes);
        // The broker config's formatSize is this form: its files' text (and hash) unchanged.
        expect(brokerConfigSize(bytes)).toBe(formatSize(bytes, "exact"));
      }),
    );
  });

  it("writes a size approximately for people, and the procedures' formatBytes is that form", () => {
    expect(formatSize(1073741824, "approx")).toBe("1.0 GiB");
    expect(formatSize(2.5 * 1024 ** 2, "approx")).toBe("2.5 MiB");
    expect(formatSize(512, "approx")).toBe("512 B");
    expect(formatBytes(3 * 1024 ** 4)).toBe(formatSize(3 * 1024 ** 4, "approx"));
  });
});
