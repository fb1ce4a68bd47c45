import { describe, expect, it } from "vitest";
import { PollPacer, type PollingOptions } from "./pacing";

/**
 * A wait simulated on a virtual clock: work of `durationMs` progressing linearly, polled
 * until done; returns the polls made and how late after the end the last one came.
 */
function simulate(durationMs: number, opts: Partial<PollingOptions> = {}, measured = true) {
  const pacer = new PollPacer(opts);
  const total = 10 * 2 ** 30;
  let now = 0;
  let polls = 0;
  for (;;) {
    polls++;
    if (now >= durationMs) return { polls, lateMs: now - durationMs };
    const done = Math.floor((total * now) / durationMs);
    now += pacer.next(now, measured ? { done, total } : undefined);
  }
}

describe("PollPacer", () => {
  it("polls an hour-long rebalance about a hundred and fifty times, and notices its end within a second", () => {
    const { polls, lateMs } = simulate(3_600_000);
    expect(polls).toBeLessThan(200);
    expect(lateMs).toBeLessThan(1_000);
  });

  it("polls a ten-second rebalance fast: its end noticed within a second, in fewer polls than a fixed 250 ms", () => {
    const { polls, lateMs } = simulate(10_000);
    expect(lateMs).toBeLessThan(1_000);
    expect(polls).toBeLessThan(10_000 / 250 / 2);
  });

  it("without a measure of progress, backs off from 250 ms to 5 s", () => {
    const pacer = new PollPacer();
    const pauses = Array.from({ length: 12 }, (_, i) => pacer.next(i * 1000));
    expect(pauses[0]).toBe(250);
    expect(pauses[1]).toBe(375);
    expect(pauses.at(-1)).toBe(5_000);
    // An hour without progress is 5-second polls: bounded by the backoff cap, not by the estimate.
    expect(simulate(3_600_000, {}, false).polls).toBeGreaterThan(700);
  });

  it("is fast again once all bytes are copied (only the last commits are left)", () => {
    const pacer = new PollPacer();
    pacer.next(0, { done: 0, total: 100 });
    pacer.next(10_000, { done: 10, total: 100 });
    expect(pacer.next(20_000, { done: 20, total: 100 })).toBe(20_000);
    expect(pacer.next(1_000_000, { done: 100, total: 100 })).toBe(250);
  });

  it("measures anew when the work changes (a new total), starting fast", () => {
    const pacer = new PollPacer();
    pacer.next(0, { done: 0, total: 100 });
    expect(pacer.next(10_000, { done: 10, total: 100 })).toBeGreaterThan(5_000);
    expect(pacer.next(11_000, { done: 0, total: 50 })).toBe(250);
  });

  it("keeps the pace through a failed poll in a measured wait", () => {
    const pacer = new PollPacer();
    pacer.next(0, { done: 0, total: 100 });
    const paced = pacer.next(10_000, { done: 10, total: 100 });
    expect(pacer.next(12_000)).toBe(paced);
  });

  it("polls a wait that stopped moving at least every 5 s, however long its estimate", () => {
    const pacer = new PollPacer();
    pacer.next(0, { done: 0, total: 1_000 });
    expect(pacer.next(10_000, { done: 10, total: 1_000 })).toBe(30_000);
    expect(pacer.next(40_000, { done: 10, total: 1_000 })).toBe(5_000);
    expect(pacer.next(45_000, { done: 10, total: 1_000 })).toBe(5_000);
  });
});
