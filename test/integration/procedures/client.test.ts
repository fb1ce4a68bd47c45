/**
 * The client against small real servers on loopback for what the emulator never does:
 * malformed answers, a hanging broker, TLS with a private CA. Calls are counted at the server.
 */
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createTlsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  BrokerClient,
  CertificateError,
  Cluster,
  ClusterUnreachableError,
  ContractError,
  isTransient,
  SchemaError,
  TimeoutError,
} from "../../../procedures/client";
import { createCertificateAuthority, issueBrokerCertificate } from "../../../providers/certificates";

type Handler = (req: IncomingMessage, res: ServerResponse, body: string) => void;
const hits: string[] = [];
let handler: Handler = () => {};
let server: Server;
let url = "";

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" }).end(JSON.stringify(body));
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = "";
    req.on("data", (c: Buffer) => (body += c.toString()));
    req.on("end", () => {
      hits.push(`${req.method} ${req.url} auth=${req.headers.authorization ?? "-"}`);
      handler(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));

const fast = { retry: { minDelayMs: 5, maxDelayMs: 20 } };
const SECRET = "tok-5ecret-value";

describe("BrokerClient over real HTTP", () => {
  it("sends the bearer token and never puts it in an error message", async () => {
    hits.length = 0;
    handler = (_req, res) =>
      send(res, 409, { error: "unsafe", message: "refused", reason: "not_drained", partitions: 3 });
    const c = new BrokerClient(url, { token: SECRET, ...fast });
    const error = await c.leave(4).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ContractError);
    const e = error as ContractError;
    expect(e.message).toBe(`POST ${url}/admin/cluster/leave answered 409 unsafe (not_drained): refused`);
    expect(e.reason).toBe("not_drained");
    expect(e.details.partitions).toBe(3);
    expect(JSON.stringify({ ...e, message: e.message, stack: e.stack })).not.toContain(SECRET);
    expect(hits).toEqual([`POST /admin/cluster/leave auth=Bearer ${SECRET}`]);
    await c.close();
  });

  it("names the schema's complaints on an answer that breaks the contract", async () => {
    handler = (_req, res) =>
      send(res, 200, { cluster_id: "c", leader_id: 1, term: 1, members: [{ broker_id: "one" }] });
    const c = new BrokerClient(url, fast);
    const e = (await c.members().catch((x: unknown) => x)) as SchemaError;
    expect(e).toBeInstanceOf(SchemaError);
    expect(e.message).toContain(
      `GET ${url}/admin/cluster/members answered 200 with a body that breaks the contract`,
    );
    expect(e.issues.some((i) => i.startsWith("members.0.broker_id"))).toBe(true);
    await c.close();
  });

  it("retries a read through 503 no_quorum, and a rebalance start only on no_quorum", async () => {
    hits.length = 0;
    let n = 0;
    handler = (_req, res) =>
      n++ < 2 ? send(res, 503, { error: "no_quorum", message: "no leader" }) : send(res, 200, { topics: [] });
    const c = new BrokerClient(url, fast);
    expect(await c.topics()).toEqual({ topics: [] });
    expect(hits).toHaveLength(3);

    hits.length = 0;
    handler = (_req, res) => send(res, 500, { error: "internal", message: "boom" });
    await expect(c.rebalance()).rejects.toThrow("answered 500 internal: boom");
    expect(hits).toHaveLength(1); // a lost start is never sent again blindly
    await expect(c.topics()).rejects.toThrow("answered 500 internal");
    expect(hits).toHaveLength(1 + 5); // a read: first try and four retries
    await c.close();
  });

  it("times out a hanging call with the method, URL and timeout in the message", async () => {
    handler = () => {}; // never answers
    const c = new BrokerClient(url, {
      timeouts: { read: 150 },
      retry: { retries: 1, minDelayMs: 5, maxDelayMs: 5 },
    });
    const started = Date.now();
    const e = await c.partitions().catch((x: unknown) => x);
    expect(e).toBeInstanceOf(TimeoutError);
    expect((e as Error).message).toBe(`GET ${url}/admin/partitions timed out after 150 ms`);
    expect(Date.now() - started).toBeLessThan(2_000);
    await c.close();
  });
});

describe("Cluster", () => {
  it("fails over from a dead URL and names every URL when none answers", async () => {
    handler = (_req, res) => send(res, 200, { cluster_id: "c", leader_id: 1, term: 1, members: [] });
    const cluster = await Cluster.connect(["http://127.0.0.1:1", url], fast);
    expect(cluster.brokerIds).toEqual([]);
    await cluster.close();
    const e = await Cluster.connect(["http://127.0.0.1:1", "http://127.0.0.1:2"], fast).catch(
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(ClusterUnreachableError);
    expect((e as Error).message).toBe(
      "GET /admin/cluster/members: no broker answered (http://127.0.0.1:1: ECONNREFUSED; http://127.0.0.1:2: ECONNREFUSED)",
    );
  });
});

describe("TLS with a private CA", () => {
  it("trusts a broker certificate signed by the CA given, and refuses without it", async () => {
    const dir = mkdtempSync(join(tmpdir(), "sb-tls-"));
    const ssl = (...args: string[]) => execFileSync("openssl", args, { cwd: dir, stdio: "ignore" });
    ssl(
      "req",
      "-x509",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "ca.key",
      "-out",
      "ca.pem",
      "-days",
      "1",
      "-subj",
      "/CN=test-ca",
    );
    ssl(
      "req",
      "-newkey",
      "rsa:2048",
      "-nodes",
      "-keyout",
      "b.key",
      "-out",
      "b.csr",
      "-subj",
      "/CN=127.0.0.1",
    );
    writeFileSync(join(dir, "ext"), "subjectAltName=IP:127.0.0.1\n");
    ssl(
      "x509",
      "-req",
      "-in",
      "b.csr",
      "-CA",
      "ca.pem",
      "-CAkey",
      "ca.key",
      "-CAcreateserial",
      "-out",
      "b.pem",
      "-days",
      "1",
      "-extfile",
      "ext",
    );
    const tls = createTlsServer(
      { key: readFileSync(join(dir, "b.key")), cert: readFileSync(join(dir, "b.pem")) },
      (_req, res) => send(res, 200, { status: "live" }),
    );
    await new Promise<void>((r) => tls.listen(0, "127.0.0.1", r));
    const tlsUrl = `https://127.0.0.1:${(tls.address() as AddressInfo).port}`;
    try {
      const trusted = new BrokerClient(tlsUrl, { ca: readFileSync(join(dir, "ca.pem"), "utf8"), ...fast });
      expect(await trusted.live()).toEqual({ status: "live" });
      await trusted.close();
      const untrusted = new BrokerClient(tlsUrl, { retry: { retries: 0 } });
      await expect(untrusted.live()).rejects.toThrow(`GET ${tlsUrl}/health/live failed:`);
      await untrusted.close();
    } finally {
      await new Promise<void>((r) => tls.close(() => r()));
    }
  });
});

describe("a refused certificate", () => {
  it("is a CertificateError that says what was trusted and what to do, tried once per broker, never waited out", async () => {
    const ca = createCertificateAuthority("right CA", 1);
    const wrong = createCertificateAuthority("wrong CA", 1);
    const pair = issueBrokerCertificate(ca, 1, { dnsNames: [], ipAddresses: ["127.0.0.1"] }, 1);
    let connections = 0;
    const servers = await Promise.all(
      [1, 2].map(async () => {
        const s = createTlsServer({ key: pair.privateKey, cert: pair.certificate }, (_q, r) =>
          send(r, 200, { status: "live" }),
        );
        s.on("connection", () => connections++);
        await new Promise<void>((r) => s.listen(0, "127.0.0.1", r));
        return { s, url: `https://127.0.0.1:${(s.address() as AddressInfo).port}` };
      }),
    );
    try {
      const hint = "the CA file /tmp/wrong.pem (--ca-file) did not sign it: pass --ca-file with the right CA";
      const one = new BrokerClient(servers[0]!.url, { ca: wrong.certificate, tlsHint: hint });
      const error = await one.live().catch((e: unknown) => e);
      await one.close();
      expect(error).toBeInstanceOf(CertificateError);
      expect((error as Error).message).toBe(
        `GET ${servers[0]!.url}/health/live failed: its certificate is not signed by a CA this client trusts ` +
          `(UNABLE_TO_VERIFY_LEAF_SIGNATURE); ${hint}`,
      );
      expect(isTransient(error)).toBe(false);
      expect(connections).toBe(1);

      // A cluster tries each broker once, then says why once (no backoff, no "unreachable").
      connections = 0;
      const cluster = new Cluster(
        servers.map((x) => x.url),
        { ca: wrong.certificate },
      );
      const started = Date.now();
      const refused = await cluster.admin.members().catch((e: unknown) => e);
      await cluster.close();
      expect(refused).toBeInstanceOf(CertificateError);
      expect((refused as Error).message).toContain(
        "the CA given did not sign it: give the CA that signed the brokers' certificates",
      );
      expect(connections).toBe(2);
      expect(Date.now() - started).toBeLessThan(1_000);

      // Without any CA, the hint says that only the public CAs were trusted.
      const bare = new BrokerClient(servers[1]!.url);
      await expect(bare.live()).rejects.toThrow("only Node's public CAs were trusted");
      await bare.close();
    } finally {
      for (const { s } of servers) {
        s.close();
        s.closeAllConnections();
      }
    }
  });
});
