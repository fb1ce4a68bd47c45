import { describe, expect, it } from "vitest";
import { CertificateError, UnknownBrokerError } from "../procedures/client";
import { UsageError } from "./errors";
import { negativeNumbersAsArguments, report } from "./index";
import { Output } from "./output";

/** An `Output` whose stderr lines are kept. */
function capture(): { out: Output; lines: string[] } {
  const lines: string[] = [];
  const sink = { write: (s: string) => lines.push(s), isTTY: false } as unknown as NodeJS.WriteStream;
  return { out: new Output(false, sink, sink), lines };
}

describe("report", () => {
  it("exits 2 for bad usage: a UsageError or a broker that is not a member", async () => {
    const { out, lines } = capture();
    expect(await report(new UsageError('--deadline must be longer than zero: got "0"'), out)).toBe(2);
    expect(await report(new UnknownBrokerError(9, [1, 2, 3]), out)).toBe(2);
    const refused = new CertificateError(
      { method: "GET", url: "https://127.0.0.1:1/health" },
      "UNABLE_TO_VERIFY_LEAF_SIGNATURE",
      "pass --ca-file with the CA that signed the brokers' certificates",
    );
    expect(await report(refused, out)).toBe(2);
    expect(lines[0]).toBe('streambus-ops: --deadline must be longer than zero: got "0"\n');
  });

  it("exits 1 for a programming error: a TypeError or RangeError is not the user's input", async () => {
    const { out, lines } = capture();
    expect(await report(new TypeError("cannot read properties of undefined (reading 'state')"), out)).toBe(1);
    expect(await report(new RangeError("Invalid array length"), out)).toBe(1);
    expect(lines).toEqual([
      "streambus-ops: cannot read properties of undefined (reading 'state')\n",
      "streambus-ops: Invalid array length\n",
    ]);
  });
});

describe("negativeNumbersAsArguments", () => {
  const options = { top: { type: "string" }, force: { type: "boolean" } } as const;

  it("makes a negative number a positional, or the value of the string flag before it", () => {
    expect(negativeNumbersAsArguments(["drain", "-1"], options)).toEqual(["drain", "--", "-1"]);
    expect(negativeNumbersAsArguments(["leave", "-1", "--force"], options)).toEqual([
      "leave",
      "--force",
      "--",
      "-1",
    ]);
    expect(negativeNumbersAsArguments(["latency", "--top", "-1"], options)).toEqual(["latency", "--top=-1"]);
    expect(negativeNumbersAsArguments(["drain", "--force", "-2", "--", "x"], options)).toEqual([
      "drain",
      "--force",
      "--",
      "-2",
      "x",
    ]);
    expect(negativeNumbersAsArguments(["health", "-h"], options)).toEqual(["health", "-h"]);
  });
});
