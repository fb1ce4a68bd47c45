/**
 * The thin shim of each live-settings provider loads its logic from the build (as the engine's
 * provider process does) and forwards `configure`: the admin token comes from the stack's config.
 * Needs `npm run build` first.
 */
import type * as pulumi from "@pulumi/pulumi";
import { afterAll, beforeAll, expect, it } from "vitest";
import { shimProvider } from "../../../providers/shim";
import type { TestSim } from "../helpers/sim";
import { TOKEN, startProviderSim } from "./helpers";

let t: TestSim;
beforeAll(async () => {
  t = await startProviderSim({ brokers: 3, topics: [] });
});
afterAll(() => t.stop());

const config = (token: string | undefined): pulumi.dynamic.Config => ({
  get: (key) => (key === "streambus:adminToken" ? token : undefined),
  require: (key) => {
    if (key !== "streambus:adminToken" || token === undefined) throw new Error(`missing ${key}`);
    return token;
  },
});

it.each(["providers/cluster-config", "providers/cluster-quotas", "providers/topic"])(
  "%s: refused without the stack's token, answered with it",
  async (modulePath) => {
    const shim = shimProvider(modulePath);
    const props = { adminUrls: { "1": t.sim.brokerUrl(1) }, name: "events", default: {}, clients: {} };
    await shim.configure!({ config: config(undefined) });
    await expect(shim.read!("x", props)).rejects.toThrow(/401 unauthorized.*no admin token is set/);
    await shim.configure!({ config: config(TOKEN) });
    await expect(shim.read!("x", props)).resolves.toBeDefined();
  },
);
