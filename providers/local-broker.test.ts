import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import {
  checkLocalBrokerInputs,
  provider,
  type LocalBrokerInputs,
  type LocalBrokerOutputs,
} from "./local-broker";

/**
 * The provider against a real HTTP server on loopback that speaks the emulator's control API
 * (`POST/GET /sim/brokers`, `DELETE /sim/brokers/{id}`) and counts the requests it gets.
 */
const machines = new Map<number, { broker_id: number; rack: string | null; admin_url: string }>();
const requests: string[] = [];
let server: Server;
let controlUrl = "";

async function body(req: IncomingMessage): Promise<unknown> {
  let text = "";
  for await (const chunk of req) text += String(chunk);
  return text === "" ? undefined : JSON.parse(text);
}

beforeAll(async () => {
  server = createServer((req, res) => {
    void (async () => {
      requests.push(`${req.method} ${req.url}`);
      const send = (status: number, json: unknown) => {
        res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(json));
      };
      const id = Number(/^\/sim\/brokers\/(\d+)$/.exec(req.url ?? "")?.[1]);
      if (req.method === "POST" && req.url === "/sim/brokers") {
        const { broker_id, rack } = (await body(req)) as { broker_id: number; rack: string };
        const machine = machines.get(broker_id) ?? {
          broker_id,
          rack,
          admin_url: `http://127.0.0.1:${30000 + broker_id}`,
        };
        machines.set(broker_id, machine);
        return send(201, { broker_id, admin_url: machine.admin_url });
      }
      if (req.method === "GET" && req.url === "/sim/brokers") {
        return send(200, {
          brokers: [...machines.values()].map((m) => ({ ...m, running: true, member_state: null })),
        });
      }
      if (req.method === "DELETE" && Number.isInteger(id)) {
        if (!machines.delete(id)) return send(404, { error: "not_found", message: `no broker ${id}` });
        return send(200, { broker_id: id });
      }
      send(500, { error: "internal", message: "unexpected" });
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  controlUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

beforeEach(() => {
  machines.clear();
  requests.length = 0;
});

const inputs = (patch: Partial<LocalBrokerInputs> = {}): LocalBrokerInputs => ({
  controlUrl,
  brokerId: 4,
  rack: "a",
  ...patch,
});

describe("the local broker provider", () => {
  it("create posts the broker and returns its admin URL; a second create is idempotent", async () => {
    const first = await provider.create(inputs());
    expect(first).toEqual({ id: "4", outs: { ...inputs(), adminUrl: "http://127.0.0.1:30004" } });
    expect(await provider.create(inputs())).toEqual(first);
    expect(requests).toEqual(["POST /sim/brokers", "POST /sim/brokers"]);
    expect(machines.size).toBe(1);
  });

  it("read asks the emulator, so refresh sees a broker removed by hand", async () => {
    const { outs } = await provider.create(inputs());
    expect(await provider.read?.("4", outs as LocalBrokerOutputs)).toEqual({ id: "4", props: outs });
    machines.delete(4);
    expect(await provider.read?.("4", outs as LocalBrokerOutputs)).toEqual({});
    expect(requests.filter((r) => r === "GET /sim/brokers")).toHaveLength(2);
  });

  it("delete removes the broker, and a second delete is fine", async () => {
    const { outs } = await provider.create(inputs());
    await provider.delete?.("4", outs as LocalBrokerOutputs);
    expect(machines.has(4)).toBe(false);
    await expect(provider.delete?.("4", outs as LocalBrokerOutputs)).resolves.toBeUndefined();
    expect(requests.slice(1)).toEqual(["DELETE /sim/brokers/4", "DELETE /sim/brokers/4"]);
  });

  it("diff compares declared fields only; id, control URL and rack replace, the old one first", async () => {
    const olds: LocalBrokerOutputs = { ...inputs(), adminUrl: "http://127.0.0.1:1" };
    expect(await provider.diff?.("4", olds, inputs())).toEqual({
      changes: false,
      replaces: [],
      deleteBeforeReplace: true,
    });
    expect(
      await provider.diff?.("4", olds, inputs({ brokerId: 5, controlUrl: "http://127.0.0.1:9" })),
    ).toEqual({
      changes: true,
      replaces: ["controlUrl", "brokerId"],
      deleteBeforeReplace: true,
    });
  });

  it("an emulator that refuses fails with the method, URL and answer", async () => {
    await expect(provider.create(inputs({ controlUrl: `${controlUrl}/nowhere` }))).rejects.toThrow(
      `POST ${controlUrl}/nowhere/sim/brokers answered 500`,
    );
  });

  it("check refuses bad inputs, naming the property", () => {
    expect(
      checkLocalBrokerInputs(inputs({ brokerId: 0, controlUrl: "localhost" })).map((f) => f.property),
    ).toEqual(["brokerId", "controlUrl"]);
    expect(checkLocalBrokerInputs(inputs())).toEqual([]);
  });
});
