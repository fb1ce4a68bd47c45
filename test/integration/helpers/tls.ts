import { X509Certificate } from "node:crypto";
import { connect } from "node:tls";

/** The serial number (lower-case hex) of the certificate that `url` serves, verified with `caPem`. */
export function servedSerial(url: string, caPem: string): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect({ host: hostname, port: Number(port), ca: caPem }, () => {
      resolve(socket.getPeerCertificate().serialNumber.toLowerCase());
      socket.end();
    });
    socket.once("error", reject);
  });
}

/** The serial number (lower-case hex) of a PEM certificate, as `servedSerial` gives it. */
export function serialOfPem(pem: string): string {
  return new X509Certificate(pem).serialNumber.toLowerCase();
}
