import { X509Certificate, createPrivateKey } from "node:crypto";
import { createServer } from "node:https";
import type { AddressInfo } from "node:net";
import { connect } from "node:tls";
import { describe, expect, it } from "vitest";
import {
  caProblems,
  checkCertificateInputs,
  createCertificateAuthority,
  issueBrokerCertificate,
  provider,
} from "./certificates";

const ca = createCertificateAuthority("streambus test CA", 30);

/** Completes a TLS handshake with `cert`/`key` on loopback, trusting `trusted`; resolves to the error code or "ok". */
async function handshake(
  pair: { certificate: string; privateKey: string },
  trusted: string,
  host = "127.0.0.1",
) {
  const server = createServer({ cert: pair.certificate, key: pair.privateKey }, (_q, r) => r.end("ok"));
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  try {
    const port = (server.address() as AddressInfo).port;
    return await new Promise<string>((resolve) => {
      const socket = connect({
        host: "127.0.0.1",
        port,
        ca: trusted,
        servername: host === "127.0.0.1" ? undefined : host,
      });
      socket.once("secureConnect", () => {
        socket.end();
        resolve("ok");
      });
      socket.once("error", (e: NodeJS.ErrnoException) => resolve(e.code ?? e.message));
    });
  } finally {
    server.close();
    server.closeAllConnections();
  }
}

describe("certificates", () => {
  it("makes a CA certificate that is a CA, self-signed, with its own key", () => {
    const cert = new X509Certificate(ca.certificate);
    expect(cert.ca).toBe(true);
    expect(cert.subject).toBe("CN=streambus test CA");
    expect(cert.verify(cert.publicKey)).toBe(true);
    expect(cert.checkPrivateKey(createPrivateKey(ca.privateKey))).toBe(true);
    expect(caProblems(ca)).toEqual([]);
  });

  it("issues a broker certificate for its names, signed by the CA, that a TLS client accepts", async () => {
    const pair = issueBrokerCertificate(ca, 2, { dnsNames: ["localhost"], ipAddresses: ["127.0.0.1"] }, 7);
    const cert = new X509Certificate(pair.certificate);
    expect(cert.ca).toBe(false);
    expect(cert.checkIssued(new X509Certificate(ca.certificate))).toBe(true);
    expect(cert.verify(new X509Certificate(ca.certificate).publicKey)).toBe(true);
    expect(cert.subjectAltName).toBe("DNS:localhost, IP Address:127.0.0.1");
    expect(cert.checkHost("localhost")).toBe("localhost");
    expect(cert.checkIP("127.0.0.1")).toBe("127.0.0.1");
    expect(await handshake(pair, ca.certificate)).toBe("ok");
    // Another CA's clients refuse it, and so does a client that asks for a name it does not hold.
    const other = createCertificateAuthority("another CA", 1);
    expect(await handshake(pair, other.certificate)).toBe("UNABLE_TO_VERIFY_LEAF_SIGNATURE");
    expect(await handshake(pair, ca.certificate, "broker-9.example")).toBe("ERR_TLS_CERT_ALTNAME_INVALID");
  });

  it("refuses an operator's CA that is no CA, or whose key is not its own, without quoting the key", () => {
    const leaf = issueBrokerCertificate(ca, 1, { dnsNames: ["b1"], ipAddresses: [] }, 1);
    expect(caProblems({ certificate: leaf.certificate, privateKey: leaf.privateKey })).toEqual([
      "caCertificate: is not a CA certificate (basicConstraints CA:TRUE is missing)",
    ]);
    const other = createCertificateAuthority("other", 1);
    expect(caProblems({ certificate: ca.certificate, privateKey: other.privateKey })).toEqual([
      "caKey: is not the private key of caCertificate",
    ]);
    expect(caProblems({ certificate: "nope", privateKey: ca.privateKey })).toEqual([
      "caCertificate: is not a PEM certificate",
    ]);
  });

  it("checks names and validity before planning", () => {
    const base = {
      kind: "broker" as const,
      brokerId: 1,
      caCertificate: ca.certificate,
      caKey: "k",
      validityDays: 1,
    };
    expect(checkCertificateInputs({ ...base, dnsNames: [], ipAddresses: [] })).toEqual([
      { property: "dnsNames", reason: "names no host: give at least one DNS name or IP address" },
    ]);
    expect(checkCertificateInputs({ ...base, dnsNames: ["a b"], ipAddresses: ["10.0.0.300"] })).toEqual([
      { property: "dnsNames", reason: 'dnsNames: "a b" is not a host name' },
      { property: "dnsNames", reason: 'ipAddresses: "10.0.0.300" is not an IP address' },
    ]);
    expect(checkCertificateInputs({ kind: "ca", commonName: "x", validityDays: 0 })).toEqual([
      { property: "validityDays", reason: "must be a whole number of days from 1: got 0" },
    ]);
  });

  it("keeps the CA key out of a broker certificate's outputs, and makes anew only when its names or CA change", async () => {
    const inputs = {
      kind: "broker" as const,
      brokerId: 3,
      caCertificate: ca.certificate,
      caKey: ca.privateKey,
      dnsNames: [],
      ipAddresses: ["127.0.0.1"],
      validityDays: 5,
    };
    const { id, outs = fail() } = await provider.create(inputs);
    expect(id).toMatch(/^broker-3-[0-9a-f]+$/);
    expect(JSON.stringify(outs)).not.toContain(ca.privateKey.split("\n")[1]);
    expect(Object.keys(outs).sort()).toEqual(
      [
        "brokerId",
        "caCertificate",
        "certificate",
        "dnsNames",
        "ipAddresses",
        "kind",
        "privateKey",
        "validityDays",
      ].sort(),
    );
    expect(await provider.diff!(id, outs, inputs)).toEqual({ changes: false, replaces: [] });
    expect(await provider.diff!(id, outs, { ...inputs, ipAddresses: ["10.0.1.5"] })).toEqual({
      changes: true,
      replaces: ["ipAddresses"],
    });
  });
});

function fail(): never {
  throw new Error("create returned no outputs");
}
