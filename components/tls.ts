import * as pulumi from "@pulumi/pulumi";
import type {
  BrokerCertificateInputs,
  BrokerCertificateOutputs,
  CertificateAuthorityInputs,
  CertificateAuthorityOutputs,
} from "../providers/certificates";
import { shimProvider } from "../providers/shim";
import type { StackConfig } from "../common/config-types";

/**
 * TLS on the admin API: the stack's CA (the operator's from `streambus:tls`, or one the stack
 * makes once and keeps in its state) and a certificate per broker that it signs. Private keys are
 * secret outputs (`additionalSecretOutputs`), so the state holds them encrypted and no output,
 * log or preview shows them.
 */

/** How long a CA the stack makes is valid: ten years (its brokers' certificates are renewed by `validityDays`). */
const CA_VALIDITY_DAYS = 3650;

/** A CA made once by the stack, kept in its state. */
export class CertificateAuthority extends pulumi.dynamic.Resource {
  /** The CA certificate, PEM. */
  declare public readonly certificate: pulumi.Output<string>;
  /** The CA's private key, PEM: a secret. */
  declare public readonly privateKey: pulumi.Output<string>;

  constructor(name: string, args: { commonName: string }, opts?: pulumi.CustomResourceOptions) {
    const inputs: CertificateAuthorityInputs & Record<"certificate" | "privateKey", undefined> = {
      kind: "ca",
      commonName: args.commonName,
      validityDays: CA_VALIDITY_DAYS,
      certificate: undefined,
      privateKey: undefined,
    };
    super(
      shimProvider<CertificateAuthorityInputs, CertificateAuthorityOutputs>("providers/certificates"),
      name,
      inputs,
      { ...opts, additionalSecretOutputs: ["privateKey"] },
      "streambus",
      "CertificateAuthority",
    );
  }
}

/** Arguments of a {@link BrokerCertificate}. */
export interface BrokerCertificateArgs {
  /** The broker's id (its common name is `streambus-broker-<id>`). */
  brokerId: number;
  /** The CA's certificate. */
  caCertificate: pulumi.Input<string>;
  /** The CA's private key: a secret. */
  caKey: pulumi.Input<string>;
  /** DNS names clients reach the broker by. Defaults to none. */
  dnsNames?: pulumi.Input<pulumi.Input<string>[]>;
  /** IP addresses clients reach the broker by. Defaults to none. */
  ipAddresses?: pulumi.Input<pulumi.Input<string>[]>;
  /** How long the certificate is valid, in days. */
  validityDays: number;
}

/** A broker's admin API certificate, signed by the stack's CA; made anew when its names or CA change. */
export class BrokerCertificate extends pulumi.dynamic.Resource {
  /** The certificate, PEM. */
  declare public readonly certificate: pulumi.Output<string>;
  /** Its private key, PEM: a secret. */
  declare public readonly privateKey: pulumi.Output<string>;

  constructor(name: string, args: BrokerCertificateArgs, opts?: pulumi.CustomResourceOptions) {
    super(
      shimProvider<BrokerCertificateInputs, BrokerCertificateOutputs>("providers/certificates"),
      name,
      {
        kind: "broker",
        brokerId: args.brokerId,
        caCertificate: args.caCertificate,
        // A secret input stays encrypted in the state; the provider never copies it to an output.
        caKey: pulumi.secret(args.caKey),
        dnsNames: args.dnsNames ?? [],
        ipAddresses: args.ipAddresses ?? [],
        validityDays: args.validityDays,
        certificate: undefined,
        privateKey: undefined,
      },
      { ...opts, additionalSecretOutputs: ["privateKey"] },
      "streambus",
      "BrokerCertificate",
    );
  }
}

/** The stack's CA: its certificate (public) and key (secret). */
export interface StackCa {
  certificate: pulumi.Output<string>;
  privateKey: pulumi.Output<string>;
}

/**
 * The CA of the stack's admin API certificates: the operator's (`streambus:tls.caCertificate` and
 * `caKey`), or `${name}-tls-ca`, made once. Undefined when `streambus:tls.enabled` is false.
 */
export function createStackCa(
  name: string,
  config: StackConfig,
  parent: pulumi.Resource,
): StackCa | undefined {
  const tls = config.tls;
  if (!tls.enabled) return undefined;
  if (tls.caCertificate !== undefined && tls.caKey !== undefined) {
    return { certificate: pulumi.output(tls.caCertificate), privateKey: pulumi.secret(tls.caKey) };
  }
  const ca = new CertificateAuthority(
    `${name}-tls-ca`,
    { commonName: `${name} StreamBus admin CA` },
    { parent },
  );
  return { certificate: ca.certificate, privateKey: ca.privateKey };
}

/** Broker `id`'s certificate for `names`, signed by `ca`: `${name}-broker-${id}-tls`. */
export function createBrokerCertificate(
  name: string,
  id: number,
  ca: StackCa,
  names: Pick<BrokerCertificateArgs, "dnsNames" | "ipAddresses">,
  config: StackConfig,
  opts: pulumi.CustomResourceOptions,
): BrokerCertificate {
  return new BrokerCertificate(
    `${name}-broker-${id}-tls`,
    {
      brokerId: id,
      caCertificate: ca.certificate,
      caKey: ca.privateKey,
      ...names,
      validityDays: config.tls.validityDays,
    },
    opts,
  );
}
