/**
 * The one client of the emulator's control API (`sim/control-client.ts`) against a real emulator
 * on loopback: each call checked against the contract, failures naming the call and the status.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { startSim, type SimCluster } from "../../../sim";
import { SimControlClient, SimControlError } from "../../../sim/control-client";
import { FAST_SIM } from "../helpers/sim";

let sim: SimCluster;
let client: SimControlClient;

beforeAll(async () => {
  sim = await startSim({ brokers: 3, ...FAST_SIM });
  client = new SimControlClient(`${sim.controlUrl}/`);
});
afterAll(() => sim.stop());

describe("SimControlClient", () => {
  it("provisions a machine (idempotent for the same rack), lists it, and destroys it", async () => {
    expect(await client.provision({ broker_id: 4, rack: "a" })).toEqual({
      broker_id: 4,
      admin_url: sim.brokerUrl(4),
    });
    expect(await client.provision({ broker_id: 4, rack: "a" })).toEqual({
      broker_id: 4,
      admin_url: sim.brokerUrl(4),
    });
    expect((await client.brokers()).map((b) => b.broker_id)).toEqual([1, 2, 3, 4]);
    await client.destroy(4);
    expect((await client.brokers()).map((b) => b.broker_id)).toEqual([1, 2, 3]);
  });

  it("names the call and the status of a refusal (the same id on another rack is a conflict)", async () => {
    await client.provision({ broker_id: 5, rack: "a" });
    const refusal = await client.provision({ broker_id: 5, rack: "b" }).catch((e: unknown) => e);
    expect(refusal).toBeInstanceOf(SimControlError);
    expect((refusal as SimControlError).status).toBe(409);
    expect((refusal as SimControlError).message).toMatch(
      new RegExp(`^POST ${sim.controlUrl}/sim/brokers answered 409: `),
    );
    await client.destroy(5);
  });

  it("stops and starts a broker: its port refuses connections in between", async () => {
    await client.stop(3);
    expect((await client.brokers()).find((b) => b.broker_id === 3)?.running).toBe(false);
    await expect(fetch(`${sim.brokerUrl(3)}/health/live`)).rejects.toThrow();
    await client.start(3);
    await vi.waitFor(async () => expect((await fetch(`${sim.brokerUrl(3)}/health/live`)).status).toBe(200));
  });

  it("sets and clears faults, cuts and heals the network, reads integrity and request counts", async () => {
    await client.fault({ broker_id: 2, latency_ms: 10 });
    expect(await client.call("GET", "/sim/faults")).toMatchObject({
      faults: [{ broker_id: 2, latency_ms: 10, error_rate: 0 }],
    });
    await client.clearFaults();
    expect(await client.call("GET", "/sim/faults")).toMatchObject({ faults: [] });
    await client.cut([[1, 2], [3]]);
    expect(await client.call("GET", "/sim/faults")).toMatchObject({ network: [[1, 2], [3]] });
    await client.heal();
    expect(await client.call("GET", "/sim/faults")).toMatchObject({ network: null });
    expect((await client.integrity()).lost_messages).toBe(0);
    await client.resetRequests();
    await fetch(`${sim.brokerUrl(1)}/admin/cluster/members`);
    expect((await client.requests()).requests).toEqual([
      { broker_id: 1, method: "GET", path: "/admin/cluster/members", count: 1 },
    ]);
  });

  it("names the URL when no emulator answers", async () => {
    const nobody = new SimControlClient("http://127.0.0.1:1", 1_000);
    const error = await nobody.brokers().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SimControlError);
    expect((error as SimControlError).status).toBeUndefined();
    expect((error as Error).message).toBe("GET http://127.0.0.1:1/sim/brokers failed: ECONNREFUSED");
  });
});
