import type * as pulumi from "@pulumi/pulumi";
import { X509Certificate, createPrivateKey, randomBytes } from "node:crypto";
import { isIP } from "node:net";
import forge from "node-forge";

/**
 * The admin API's certificates: a private CA, and a certificate per broker that the CA signs,
 * made with node-forge (its RSA key generation uses Node's native crypto). Made once and kept in
 * the state, so `pulumi up` after `pulumi up` changes nothing; private keys leave this module only
 * as outputs that the resources mark secret (`additionalSecretOutputs`), so the state holds them
 * encrypted. Loaded at run time by the thin shim (`providers/shim.ts`): one module, two kinds of
 * resource (`kind: "ca"` and `kind: "broker"`).
 */

/** A certificate and its private key, both PEM. */
export interface KeyPair {
  /** The certificate, PEM. */
  certificate: string;
  /** The private key, PEM (PKCS#1 RSA). A secret. */
  privateKey: string;
}

/** What a broker's certificate names: the host names and addresses clients reach it by. */
export interface SubjectNames {
  /** DNS names (subjectAltName dNSName). */
  dnsNames: string[];
  /** IP addresses (subjectAltName iPAddress): `127.0.0.1` on the emulator, the private IP on aws. */
  ipAddresses: string[];
}

const DAY_MS = 86_400_000;
/** RSA key size: 2048 bits, made by Node's native crypto in about 200 ms. */
const KEY_BITS = 2048;

function newKeys(): forge.pki.rsa.KeyPair {
  return forge.pki.rsa.generateKeyPair({ bits: KEY_BITS, e: 0x10001 });
}

/** A positive serial number of 16 random bytes, hex (the leading 01 keeps it positive in DER). */
function serialNumber(): string {
  return `01${randomBytes(16).toString("hex")}`;
}

function validity(cert: forge.pki.Certificate, days: number, now: Date): void {
  // An hour back: a clock a little behind the signer's must not see a certificate from the future.
  cert.validity.notBefore = new Date(now.getTime() - 3_600_000);
  cert.validity.notAfter = new Date(now.getTime() + days * DAY_MS);
}

/** Makes a private CA (self-signed, may sign only end-entity certificates). */
export function createCertificateAuthority(
  commonName: string,
  validityDays: number,
  now = new Date(),
): KeyPair {
  const keys = newKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  validity(cert, validityDays, now);
  const subject = [{ name: "commonName", value: commonName }];
  cert.setSubject(subject);
  cert.setIssuer(subject);
  cert.setExtensions([
    { name: "basicConstraints", cA: true, pathLenConstraint: 0, critical: true },
    { name: "keyUsage", keyCertSign: true, cRLSign: true, critical: true },
    { name: "subjectKeyIdentifier" },
  ]);
  cert.sign(keys.privateKey, forge.md.sha256.create());
  return {
    certificate: forge.pki.certificateToPem(cert),
    privateKey: forge.pki.privateKeyToPem(keys.privateKey),
  };
}

/** Checks subject names: at least one, DNS names as host names, IP addresses as addresses. */
export function subjectNameProblems(names: SubjectNames): string[] {
  const problems: string[] = [];
  if (names.dnsNames.length + names.ipAddresses.length === 0)
    problems.push("names no host: give at least one DNS name or IP address");
  for (const dns of names.dnsNames) {
    if (!/^(\*\.)?[A-Za-z0-9]([A-Za-z0-9-]{0,62})(\.[A-Za-z0-9]([A-Za-z0-9-]{0,62}))*$/.test(dns))
      problems.push(`dnsNames: ${JSON.stringify(dns)} is not a host name`);
  }
  for (const ip of names.ipAddresses) {
    if (isIP(ip) === 0) problems.push(`ipAddresses: ${JSON.stringify(ip)} is not an IP address`);
  }
  return problems;
}

/**
 * Issues a broker's server certificate, signed by the CA: the broker id as its common name, the
 * names clients reach it by as subjectAltNames (TLS clients check those, not the common name).
 */
export function issueBrokerCertificate(
  ca: KeyPair,
  brokerId: number,
  names: SubjectNames,
  validityDays: number,
  now = new Date(),
): KeyPair {
  const problems = subjectNameProblems(names);
  if (problems.length > 0) throw new Error(`broker ${brokerId}'s certificate: ${problems.join("; ")}`);
  const caCert = forge.pki.certificateFromPem(ca.certificate);
  const caKey = forge.pki.privateKeyFromPem(toPkcs1(ca.privateKey));
  const keys = newKeys();
  const cert = forge.pki.createCertificate();
  cert.publicKey = keys.publicKey;
  cert.serialNumber = serialNumber();
  validity(cert, validityDays, now);
  cert.setSubject([{ name: "commonName", value: `streambus-broker-${brokerId}` }]);
  cert.setIssuer(caCert.subject.attributes);
  cert.setExtensions([
    { name: "basicConstraints", cA: false, critical: true },
    { name: "keyUsage", digitalSignature: true, keyEncipherment: true, critical: true },
    { name: "extKeyUsage", serverAuth: true },
    {
      name: "subjectAltName",
      altNames: [
        ...names.dnsNames.map((value) => ({ type: 2, value })),
        ...names.ipAddresses.map((ip) => ({ type: 7, ip })),
      ],
    },
    { name: "subjectKeyIdentifier" },
    { name: "authorityKeyIdentifier", keyIdentifier: caCert.generateSubjectKeyIdentifier().getBytes() },
  ]);
  cert.sign(caKey, forge.md.sha256.create());
  return {
    certificate: forge.pki.certificateToPem(cert),
    privateKey: forge.pki.privateKeyToPem(keys.privateKey),
  };
}

/** An RSA key in any PEM form Node reads (PKCS#1 or PKCS#8), as PKCS#1 for node-forge. */
function toPkcs1(pem: string): string {
  return createPrivateKey(pem).export({ type: "pkcs1", format: "pem" }).toString();
}

export { caProblems } from "../common/ca";

/** Inputs of the CA resource: a private CA made once. */
export interface CertificateAuthorityInputs {
  kind: "ca";
  /** The CA's common name. */
  commonName: string;
  /** How long the CA is valid, in days. */
  validityDays: number;
}

/** Outputs of the CA resource; `privateKey` is marked secret by the resource. */
export interface CertificateAuthorityOutputs extends CertificateAuthorityInputs, KeyPair {}

/** Inputs of a broker's certificate: the CA (its key a secret input) and the names. */
export interface BrokerCertificateInputs extends SubjectNames {
  kind: "broker";
  /** The broker's id. */
  brokerId: number;
  /** The CA's certificate, PEM. */
  caCertificate: string;
  /** The CA's private key, PEM: a secret input, never copied into the outputs. */
  caKey: string;
  /** How long the certificate is valid, in days. */
  validityDays: number;
}

/** Outputs of a broker's certificate: its inputs but the CA key, and its key pair (the key secret). */
export interface BrokerCertificateOutputs extends Omit<BrokerCertificateInputs, "caKey">, KeyPair {}

type Inputs = CertificateAuthorityInputs | BrokerCertificateInputs;
type Outputs = CertificateAuthorityOutputs | BrokerCertificateOutputs;

/** Validates inputs before the engine plans anything. Exported for tests. */
export function checkCertificateInputs(inputs: Inputs): pulumi.dynamic.CheckFailure[] {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  if (!Number.isInteger(inputs.validityDays) || inputs.validityDays < 1)
    failures.push({
      property: "validityDays",
      reason: `must be a whole number of days from 1: got ${inputs.validityDays}`,
    });
  if (inputs.kind === "broker") {
    // Unknown during a preview (an instance's IP before it exists): checked again at create.
    const known = (v: unknown) => Array.isArray(v) && v.every((x) => typeof x === "string");
    if (known(inputs.dnsNames) && known(inputs.ipAddresses)) {
      for (const reason of subjectNameProblems(inputs)) failures.push({ property: "dnsNames", reason });
    }
  } else if (inputs.kind !== "ca") {
    failures.push({ property: "kind", reason: `must be "ca" or "broker": got ${JSON.stringify(inputs)}` });
  }
  return failures;
}

function make(inputs: Inputs): Outputs {
  if (inputs.kind === "ca") {
    return { ...inputs, ...createCertificateAuthority(inputs.commonName, inputs.validityDays) };
  }
  const { caKey, ...rest } = inputs;
  const pair = issueBrokerCertificate(
    { certificate: inputs.caCertificate, privateKey: caKey },
    inputs.brokerId,
    inputs,
    inputs.validityDays,
  );
  return { ...rest, ...pair };
}

const sameList = (a: readonly string[] | undefined, b: readonly string[] | undefined) =>
  JSON.stringify([...(a ?? [])].sort()) === JSON.stringify([...(b ?? [])].sort());

/** The certificates provider's logic. */
export const provider: pulumi.dynamic.ResourceProvider<Inputs, Outputs> = {
  async check(_olds, news) {
    return { inputs: news, failures: checkCertificateInputs(news) };
  },
  async diff(_id, olds, news) {
    // Every declared field is identity: a certificate is never edited, only made anew (before the
    // old one goes, so a broker always has one). The CA key is compared through the CA certificate.
    const replaces: string[] = [];
    if (olds.kind !== news.kind) replaces.push("kind");
    if (olds.validityDays !== news.validityDays) replaces.push("validityDays");
    if (news.kind === "ca" && olds.kind === "ca" && olds.commonName !== news.commonName)
      replaces.push("commonName");
    if (news.kind === "broker" && olds.kind === "broker") {
      if (olds.brokerId !== news.brokerId) replaces.push("brokerId");
      if (olds.caCertificate !== news.caCertificate) replaces.push("caCertificate");
      if (!sameList(olds.dnsNames, news.dnsNames)) replaces.push("dnsNames");
      if (!sameList(olds.ipAddresses, news.ipAddresses)) replaces.push("ipAddresses");
    }
    return { changes: replaces.length > 0, replaces };
  },
  async create(inputs) {
    const outs = make(inputs);
    const id =
      inputs.kind === "ca"
        ? `ca-${serialOf(outs.certificate)}`
        : `broker-${inputs.brokerId}-${serialOf(outs.certificate)}`;
    return { id, outs: outs satisfies Outputs };
  },
  async read(id, props) {
    // Nothing live to ask: the certificate is what the state holds.
    return { id, props };
  },
  async delete() {
    // Nothing to remove: a certificate lives in the state and on the brokers that use it.
  },
};

/** The certificate's serial number, hex, for the resource id. */
export function serialOf(pem: string): string {
  return new X509Certificate(pem).serialNumber.toLowerCase();
}
