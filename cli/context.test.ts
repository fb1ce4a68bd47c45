import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { connectionSettings, readToken, tlsHint } from "./context";

const dir = mkdtempSync(join(tmpdir(), "sb-ctx-"));
const file = (name: string, text: string) => {
  const p = join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe("connectionSettings", () => {
  it("takes flags before the environment", () => {
    const s = connectionSettings(
      { brokers: "http://a:8080, http://b:8080/" },
      { STREAMBUS_BROKERS: "http://c:8080", STREAMBUS_ADMIN_TOKEN: "tok-env" },
    );
    expect(s.brokers).toEqual(["http://a:8080", "http://b:8080"]);
    expect(s.token).toBe("tok-env");
    expect(connectionSettings({}, { STREAMBUS_BROKERS: "https://c:8443" }).brokers).toEqual([
      "https://c:8443",
    ]);
  });

  it("gives one clear line for a missing list, a non-URL, a URL with credentials", () => {
    expect(() => connectionSettings({}, {})).toThrow(
      "no brokers: pass --brokers URL,... or set STREAMBUS_BROKERS",
    );
    expect(() => connectionSettings({ brokers: "broker1:8080" }, {})).toThrow(
      'not a broker URL: "broker1:8080"',
    );
    expect(() => connectionSettings({ brokers: "ftp://b" }, {})).toThrow("the scheme must be http or https");
    expect(() => connectionSettings({ brokers: "http://u:p@b:1" }, {})).toThrow("must not hold credentials");
  });
});

describe("the CA file", () => {
  const pem = "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----\n";
  it("is named, with where it came from, in what a refused certificate says to do", () => {
    const ca = file("ca.pem", pem);
    const byFlag = connectionSettings({ brokers: "https://a:8443", "ca-file": ca }, {});
    expect(byFlag).toMatchObject({ ca: pem, caSource: `--ca-file ${ca}` });
    expect(tlsHint(byFlag)).toBe(
      `the CA in --ca-file ${ca} did not sign it: pass --ca-file (or STREAMBUS_CA_FILE) with the CA that signed ` +
        "the brokers' certificates (a stack's own CA: `pulumi stack output caCertificate > ca.pem`)",
    );
    const byEnv = connectionSettings({ brokers: "https://a:8443" }, { STREAMBUS_CA_FILE: ca });
    expect(tlsHint(byEnv)).toContain(`the CA in STREAMBUS_CA_FILE ${ca} did not sign it`);
    expect(tlsHint(connectionSettings({ brokers: "https://a:8443" }, {}))).toContain(
      "no --ca-file was given, so only Node's public CAs were trusted: pass --ca-file",
    );
  });

  it("is refused when unreadable or not PEM, naming the file", () => {
    expect(() =>
      connectionSettings({ brokers: "https://a:1", "ca-file": join(dir, "nope.pem") }, {}),
    ).toThrow(`cannot read the CA file ${join(dir, "nope.pem")}: ENOENT`);
    const junk = file("junk.pem", "hello");
    expect(() => connectionSettings({ brokers: "https://a:1", "ca-file": junk }, {})).toThrow(
      `the CA file ${junk} holds no PEM certificate`,
    );
  });
});

describe("readToken", () => {
  it("reads one line and drops the trailing newline", () => {
    expect(readToken(file("ok", "abc.DEF-123\n"))).toBe("abc.DEF-123");
  });

  it("refuses empty, multi-line and spaced tokens without printing them", () => {
    expect(() => readToken(file("empty", ""))).toThrow("is empty");
    expect(() => readToken(file("two", "secret-one\nsecret-two\n"))).toThrow("holds more than one line");
    let message = "";
    try {
      readToken(file("space", "secret value\n"));
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain("is malformed");
    expect(message).not.toContain("secret");
    expect(() => readToken(join(dir, "missing"))).toThrow("cannot read the token file");
  });
});
