import { describe, expect, it } from "vitest";
import { waitFor } from "../sim/helpers";
import { eventually } from "./sim";

describe("the tests' polling helpers (vitest's vi.waitFor underneath)", () => {
  it("eventually resolves once the check holds, a throwing check counting as not yet", async () => {
    let n = 0;
    await eventually(
      async () => {
        n++;
        if (n === 1) throw new Error("not up yet");
        return n >= 3;
      },
      2_000,
      "three polls",
    );
    expect(n).toBe(3);
  });

  it("eventually fails after its time, naming what it waited for", async () => {
    const started = Date.now();
    await expect(eventually(async () => false, 300, "the impossible")).rejects.toThrow(
      "timed out after 300 ms waiting for the impossible",
    );
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it("waitFor gives the check's value, and names the last error on timeout", async () => {
    let n = 0;
    expect(await waitFor("a value", async () => (++n >= 2 ? { n } : undefined), 2_000)).toEqual({ n: 2 });
    await expect(
      waitFor(
        "a broker",
        async () => {
          throw new Error("ECONNREFUSED");
        },
        200,
      ),
    ).rejects.toThrow("timed out waiting for a broker: Error: ECONNREFUSED");
  });
});
