import { X509Certificate, createPrivateKey } from "node:crypto";

/**
 * What is wrong with an operator's CA, or nothing: the certificate must be a CA certificate, the
 * key RSA and the certificate's own. Each problem is `"<field>: <what>"`; none quotes the key.
 */
export function caProblems(ca: { certificate: string; privateKey: string }): string[] {
  let cert: X509Certificate;
  try {
    cert = new X509Certificate(ca.certificate);
  } catch {
    return ["caCertificate: is not a PEM certificate"];
  }
  if (!cert.ca) return ["caCertificate: is not a CA certificate (basicConstraints CA:TRUE is missing)"];
  let key;
  try {
    key = createPrivateKey(ca.privateKey);
  } catch {
    return ["caKey: is not a PEM private key"];
  }
  if (key.asymmetricKeyType !== "rsa") return ["caKey: must be an RSA key (node-forge signs with RSA only)"];
  if (!cert.checkPrivateKey(key)) return ["caKey: is not the private key of caCertificate"];
  return [];
}
