import { request } from "undici";
import {
  IntegrityResponse,
  ProvisionResponse,
  RequestsResponse,
  RestartsResponse,
  SimBrokersResponse,
  type BrokerConfigRequest,
  type FaultRequest,
  type ProvisionRequest,
} from "./control-contract";

/**
 * The one client of the emulator's control API (`/sim/*`): the `local` platform's providers, the
 * tests' `TestSim` and the benchmarks call the emulator through it. Answers are checked against
 * `control-contract.ts`; a status of 300 or more is a `SimControlError` naming the call.
 */

/** The control API answered a status of 300 or more, or not at all within the timeout. */
export class SimControlError extends Error {
  /** The HTTP status, or undefined when no answer came. */
  readonly status: number | undefined;

  constructor(
    method: string,
    url: string,
    status: number | undefined,
    detail: string,
    options?: { cause?: unknown },
  ) {
    super(`${method} ${url} ${status === undefined ? "failed" : `answered ${status}`}: ${detail}`, options);
    this.name = "SimControlError";
    this.status = status;
  }
}

/** A client of one emulator's control API at `controlUrl` (e.g. `http://127.0.0.1:20000`). */
export class SimControlClient {
  /** The control API's base URL, without a trailing slash. */
  readonly controlUrl: string;

  /** `timeoutMs` bounds each call's headers and body. Defaults to 10,000. */
  constructor(
    controlUrl: string,
    private readonly timeoutMs = 10_000,
  ) {
    this.controlUrl = controlUrl.replace(/\/+$/, "");
  }

  /** One JSON call to `path` (under `/sim`): the parsed answer, undefined when empty. */
  async call(method: string, path: string, body?: unknown): Promise<unknown> {
    const url = `${this.controlUrl}${path}`;
    let status: number;
    let text: string;
    try {
      const res = await request(url, {
        method: method as "GET",
        headers: body === undefined ? {} : { "content-type": "application/json" },
        body: body === undefined ? undefined : JSON.stringify(body),
        headersTimeout: this.timeoutMs,
        bodyTimeout: this.timeoutMs,
      });
      status = res.statusCode;
      text = await res.body.text();
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw new SimControlError(method, url, undefined, code ?? String(error), { cause: error });
    }
    if (status >= 300) throw new SimControlError(method, url, status, text);
    try {
      return text === "" ? undefined : (JSON.parse(text) as unknown);
    } catch (error) {
      throw new SimControlError(method, url, status, `not JSON: ${text.slice(0, 80)}`, { cause: error });
    }
  }

  /** `GET /sim/brokers`: every machine, running or not, ascending by id. */
  async brokers(): Promise<SimBrokersResponse["brokers"]> {
    const { brokers } = SimBrokersResponse.parse(await this.call("GET", "/sim/brokers"));
    return brokers.sort((a, b) => a.broker_id - b.broker_id);
  }

  /** `POST /sim/brokers`: a machine with a broker started on it (idempotent for the same rack). */
  async provision(req: ProvisionRequest): Promise<ProvisionResponse> {
    return ProvisionResponse.parse(await this.call("POST", "/sim/brokers", req));
  }

  /** `DELETE /sim/brokers/{id}`: the machine and its data go. */
  async destroy(id: number): Promise<void> {
    await this.call("DELETE", `/sim/brokers/${id}`);
  }

  /** `POST /sim/brokers/{id}/stop`: the broker's process stops; its port refuses connections. */
  async stop(id: number): Promise<void> {
    await this.call("POST", `/sim/brokers/${id}/stop`);
  }

  /** `POST /sim/brokers/{id}/start`: a stopped broker starts again. */
  async start(id: number): Promise<void> {
    await this.call("POST", `/sim/brokers/${id}/start`);
  }

  /** `PUT /sim/brokers/{id}/config`: a new config file, read at the broker's next start (`restart_pending`). */
  async writeConfig(id: number, req: BrokerConfigRequest): Promise<void> {
    await this.call("PUT", `/sim/brokers/${id}/config`, req);
  }

  /** `POST /sim/brokers/{id}/restart`: a clean restart, reading the config file written last. */
  async restart(id: number): Promise<void> {
    await this.call("POST", `/sim/brokers/${id}/restart`);
  }

  /** `GET /sim/restarts`: every restart, with the cluster's health when it began. */
  async restarts(): Promise<RestartsResponse["restarts"]> {
    return RestartsResponse.parse(await this.call("GET", "/sim/restarts")).restarts;
  }

  /** `POST /sim/faults`: latency and error rate on one broker, or every broker without an id. */
  async fault(req: FaultRequest): Promise<void> {
    await this.call("POST", "/sim/faults", req);
  }

  /** `DELETE /sim/faults`. */
  async clearFaults(): Promise<void> {
    await this.call("DELETE", "/sim/faults");
  }

  /** `POST /sim/network`: brokers reach only those in their group. */
  async cut(groups: number[][]): Promise<void> {
    await this.call("POST", "/sim/network", { groups });
  }

  /** `DELETE /sim/network`. */
  async heal(): Promise<void> {
    await this.call("DELETE", "/sim/network");
  }

  /** `GET /sim/cluster`: the emulator's own view (leader, rebalance, topics), loosely typed. */
  async state(): Promise<Record<string, unknown>> {
    return (await this.call("GET", "/sim/cluster")) as Record<string, unknown>;
  }

  /** `GET /sim/integrity`: nothing lost or diverged is what every procedure must leave behind. */
  async integrity(): Promise<IntegrityResponse> {
    return IntegrityResponse.parse(await this.call("GET", "/sim/integrity"));
  }

  /** `GET /sim/requests`: the admin requests each broker served since the last reset. */
  async requests(): Promise<RequestsResponse> {
    return RequestsResponse.parse(await this.call("GET", "/sim/requests"));
  }

  /** `DELETE /sim/requests`: counting starts from zero. */
  async resetRequests(): Promise<void> {
    await this.call("DELETE", "/sim/requests");
  }
}
