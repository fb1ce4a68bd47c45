import type { ConfigMap } from "@pulumi/pulumi/automation";
import { request } from "undici";
import type { TestSim } from "../integration/helpers/sim";
import type { E2EStack } from "./harness";
import { TOKEN, localConfig } from "./membership-helpers";

/**
 * Helpers of the live-settings end-to-end tests: the stack's settings on top of the membership
 * tests' local config, calls to a broker's admin API as an operator makes them with curl, and
 * what a `pulumi` text output says changed.
 */

/** The settings a stack declares, in the stack's own words (`streambus:<key>` values). */
export interface Settings {
  retention?: Record<string, unknown>;
  compaction?: Record<string, unknown>;
  storage?: Record<string, unknown>;
  network?: Record<string, unknown>;
  quotas?: Record<string, unknown>;
  topics?: Array<Record<string, unknown>>;
}

/** The local stack's config for brokers 1..3 on `t` with `settings`. */
export function settingsConfig(t: TestSim, settings: Settings, brokers = [1, 2, 3]): ConfigMap {
  const config = localConfig(t, brokers);
  for (const [key, value] of Object.entries(settings)) {
    if (value !== undefined) config[`streambus:${key}`] = { value: JSON.stringify(value) };
  }
  return config;
}

const SETTING_KEYS = ["retention", "compaction", "storage", "network", "quotas", "topics"] as const;

/**
 * Makes the stack declare exactly `settings` (on brokers 1..3 of `t`): the keys it leaves out
 * are removed from the stack's config, so each step starts from the stack's defaults.
 */
export async function declare(e2e: E2EStack, t: TestSim, settings: Settings): Promise<void> {
  const absent = SETTING_KEYS.filter((k) => settings[k] === undefined).map((k) => `streambus:${k}`);
  if (absent.length > 0) await e2e.stack.removeAllConfig(absent);
  await e2e.stack.setAllConfig(settingsConfig(t, settings));
}

/**
 * A call to broker 1's admin API with the token, as `curl -X METHOD -H "Authorization: Bearer …"`:
 * the hand-made change whose drift the stack must see. Throws on a non-2xx answer.
 */
export async function curl(
  t: TestSim,
  method: "GET" | "PUT" | "POST",
  path: string,
  body?: unknown,
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- the admin API's JSON, read by the tests' expectations
): Promise<any> {
  const response = await request(`${t.sim.brokerUrl(1)}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.body.text();
  if (response.statusCode >= 300) throw new Error(`${method} ${path}: ${response.statusCode} ${text}`);
  return JSON.parse(text);
}

/** How many admin requests of `method path` the emulator's brokers served since the last reset. */
export async function requestCount(t: TestSim, method: string, path: string): Promise<number> {
  const { requests } = await t.requests();
  return requests.filter((r) => r.method === method && r.path === path).reduce((n, r) => n + r.count, 0);
}

/**
 * The resources a `pulumi preview --diff` or `refresh --preview-only --diff` text says it would
 * change, as `op name` (e.g. `update streambus-quotas`): each `~ TYPE: (update)` line of its plan
 * with the name from the `[urn=…]` line under it.
 */
export function changedResources(text: string): string[] {
  const out: string[] = [];
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    const op = /^\s*[-+~]+\s+\S+: \((update|create|delete|replace|create-replacement|delete-replaced)\)/.exec(
      line,
    );
    if (!op) return;
    const urn = lines
      .slice(i + 1, i + 4)
      .map((l) => /\[urn=.*::([^\]]+)\]/.exec(l)?.[1])
      .find((n) => n !== undefined);
    out.push(`${op[1]} ${urn ?? "?"}`);
  });
  return [...new Set(out)].sort();
}

/** The property lines of a `--diff` text that show a changed value (`a => b`). */
export function changedValues(text: string): string[] {
  return text
    .split("\n")
    .filter((l) => /=>/.test(l))
    .map((l) => l.trim());
}
