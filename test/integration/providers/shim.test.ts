/**
 * The thin shim forwards `configure` to the logic it loads (from the build, as the engine's
 * provider process does): the membership provider then authenticates with the stack's token.
 * Needs `npm run build` first (the shim loads `streambus-infra/dist/providers/membership`).
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type * as pulumi from "@pulumi/pulumi";
import { shimProvider } from "../../../providers/shim";
import type { MembershipInputs, MembershipOutputs } from "../../../providers/membership";
import type { TestSim } from "../helpers/sim";
import { TOKEN, createMembership, startProviderSim } from "./helpers";

let t: TestSim;
beforeAll(async () => {
  t = await startProviderSim();
});
afterAll(() => t.stop());

const config = (token: string | undefined): pulumi.dynamic.Config => ({
  get: (key) => (key === "streambus:adminToken" ? token : undefined),
  require: (key) => {
    if (key !== "streambus:adminToken" || token === undefined) throw new Error(`missing ${key}`);
    return token;
  },
});

it("forwards configure: without the token the read is refused, with it the read answers", async () => {
  const outs = await createMembership(t, [1, 2, 3]);
  const shim = shimProvider<MembershipInputs, MembershipOutputs>("providers/membership");
  await shim.configure!({ config: config(undefined) });
  await expect(shim.read!("c", outs)).rejects.toThrow(/no admin token is set/);
  await shim.configure!({ config: config(TOKEN) });
  const read = await shim.read!("c", outs);
  expect(read.props).toMatchObject({ brokers: [1, 2, 3], unmanaged: [] });
});
