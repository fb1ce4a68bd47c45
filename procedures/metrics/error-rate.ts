import { select, type Scrape } from "./prometheus";

/**
 * The one meaning of "error rate" in this project, used by the HighErrorRate alert, by
 * `streambus-ops latency` (`diagnoseLatency`) and by the docs: the errors one broker answered
 * per second over a window, every op summed. In PromQL, `sum by (broker_id) (rate(errors_total[w]))`.
 *
 * Why per broker: the alert tells its reader which broker to look at (its logs, its host), and
 * one broker failing a little on every op is as bad as failing a lot on one. Not per series (the
 * runbook's `rate(errors_total[5m]) > 10` fires for an op of a broker, and stays silent when a
 * broker fails 6/s on each of two ops), and not per op summed over brokers (three healthy brokers
 * at 4/s each would cross it together).
 */
export const ERROR_RATE_MEANING = "errors per second answered by one broker, every op summed";

/** The PromQL of the error rate per broker, for series matching `selector` over `window`. */
export function errorRatePromQL(selector: string, window: string): string {
  return `sum by (broker_id) (rate(errors_total{${selector}}[${window}]))`;
}

/**
 * One broker's error rate between two of its scrapes `windowMs` apart: the increase of every
 * `errors_total` series, summed, per second. A counter that went down means the broker restarted,
 * and its whole value is the window's increase (as PromQL's `rate` reads a reset); a series absent
 * before (the op's first error) counts from zero. NaN without a first scrape: nothing to measure from.
 */
export function brokerErrorRate(before: Scrape | undefined, now: Scrape, windowMs: number): number {
  if (before === undefined || windowMs <= 0) return Number.NaN;
  const key = (labels: Record<string, string>) =>
    JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));
  const previous = new Map(select(before, "errors_total").map((s) => [key(s.labels), s.value]));
  let increase = 0;
  for (const s of select(now, "errors_total")) {
    const was = previous.get(key(s.labels)) ?? 0;
    increase += s.value >= was ? s.value - was : s.value;
  }
  return increase / (windowMs / 1000);
}
