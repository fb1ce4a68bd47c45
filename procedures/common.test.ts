import { describe, expect, it } from "vitest";
import { MAX_TIMER_MS } from "./client";
import { runProcedure } from "./common";

describe("runProcedure", () => {
  it.each([MAX_TIMER_MS + 1, 1_200 * 3_600_000, 0, -1, Number.NaN])(
    "refuses a deadline of %d ms before the body runs",
    async (deadlineMs) => {
      let ran = false;
      const run = runProcedure("test", 1_000, { deadlineMs }, async () => {
        ran = true;
      });
      await expect(run).rejects.toThrow(
        `deadlineMs must be a positive number of milliseconds, at most ${MAX_TIMER_MS}`,
      );
      expect(ran).toBe(false);
    },
  );

  it("keeps the longest deadline Node's timers hold: the body runs and its signal is not aborted", async () => {
    const aborted = await runProcedure("test", 1_000, { deadlineMs: MAX_TIMER_MS }, async (ctx) => {
      await new Promise((resolve) => setTimeout(resolve, 20));
      return ctx.signal.aborted;
    });
    expect(aborted).toBe(false);
  });
});
