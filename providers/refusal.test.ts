import { afterEach, describe, expect, it, vi } from "vitest";
import { guardError } from "../procedures/guards";
import { parseRecords } from "../procedures/records";
import { asRefusal, refusal, Refusal, withRefusalRecord } from "./refusal";

/**
 * A refusal thrown from a dynamic provider's `check`, `diff` or `read` is shown once: the SDK's
 * server prints `${error}: ${error.stack}` to stderr before it sends the message to the engine
 * (the engine's own `error:` line); that stderr line of a refusal is dropped, with no stack trace.
 * The end-to-end test (`test/e2e/membership-guards.test.ts`) checks it through the engine.
 */
describe("refusal", () => {
  afterEach(() => vi.restoreAllMocks());

  it("has no stack trace: its stack is its message", () => {
    const r = refusal("membership: refusing to change the members", new Error("cause"));
    expect(r).toBeInstanceOf(Refusal);
    expect(r.stack).toBe("membership: refusing to change the members");
    expect(String(r)).toBe("membership: refusing to change the members");
    expect((r.cause as Error).message).toBe("cause");
  });

  it("drops the SDK's stderr line of exactly that refusal, once; other lines go through", async () => {
    const written: string[] = [];
    const original = console.error;
    // A fresh module, whose filter wraps this recorder as it would wrap the provider's stderr.
    console.error = (...args: unknown[]) => void written.push(args.map(String).join(" "));
    vi.resetModules();
    try {
      const fresh = await import("./refusal.js");
      const e = fresh.refusal("topic events: grown by hand to 16 partitions");
      console.error(`${e}: ${e.stack}`); // what the SDK prints (cmd/dynamic-provider)
      console.error(`${e}: ${e.stack}`); // a second print of it is not swallowed
      const other = new Error("boom");
      console.error(`${other}: ${other.stack}`);
    } finally {
      console.error = original;
    }
    expect(written.filter((l) => l.includes("grown by hand"))).toHaveLength(1);
    expect(written.join("\n")).toMatch(/Error: boom: Error: boom\n\s+at /);
  });

  it("asRefusal keeps a refusal and turns another error into one with the same message", () => {
    const r = refusal("x");
    expect(asRefusal(r)).toBe(r);
    const e = asRefusal(new Error("refusing to shrink"));
    expect(e.stack).toBe("refusing to shrink");
  });

  it("a guard's refusal carries its record as its last line, and is still shown once", async () => {
    const written: string[] = [];
    const original = console.error;
    console.error = (...args: unknown[]) => void written.push(args.map(String).join(" "));
    vi.resetModules();
    let message = "";
    try {
      const fresh = await import("./refusal.js");
      const failures = [{ guard: "min_voters", message: "only 2 voters would remain" }];
      // Wrapped as the provider wraps it (explain), the guard error is the cause.
      const guard = guardError("remove broker 3", failures, "to override, set force");
      const wrapped = new Error(`membership: ${guard.message}`, { cause: guard });
      const e = fresh.refusal(
        fresh.withRefusalRecord(wrapped.message, wrapped, { from: [1, 2, 3], to: [1, 2] }),
      );
      message = e.message;
      console.error(`${e}: ${e.stack}`); // what the SDK prints (cmd/dynamic-provider)
    } finally {
      console.error = original;
    }
    expect(written).toEqual([]);
    const [human, record, ...rest] = message.split("\n");
    expect(rest).toEqual([]);
    expect(human).toBe(
      "membership: refusing to remove broker 3: only 2 voters would remain (to override, set force)",
    );
    expect(parseRecords(record!)).toEqual([
      {
        kind: "refusal",
        data: {
          what: "remove broker 3",
          from: [1, 2, 3],
          to: [1, 2],
          failures: [{ guard: "min_voters", message: "only 2 voters would remain" }],
          override: "to override, set force",
        },
      },
    ]);
  });

  it("another error's message is left as it is", () => {
    expect(withRefusalRecord("membership: unreachable", new Error("unreachable"))).toBe(
      "membership: unreachable",
    );
  });
});
