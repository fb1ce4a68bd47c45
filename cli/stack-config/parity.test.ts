import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readStackConfig, writeStackConfig } from "./files";
import { EMPTY_OVERLAY, mergePatch, readOverlay, type Overlay } from "./overlay";
import { describeDifference, differences, expectedConfig, replicationPlan } from "./parity";

const ROOT = join(__dirname, "..", "..");

describe("mergePatch (RFC 7396)", () => {
  it("merges objects, replaces other values, removes on null, changes neither argument", () => {
    const target = { a: { b: 1, c: [1, 2], d: "x" }, e: 1 };
    const patch = { a: { b: 2, c: [3], d: null }, f: { g: true } };
    expect(mergePatch(target, patch)).toEqual({ a: { b: 2, c: [3] }, e: 1, f: { g: true } });
    expect(target).toEqual({ a: { b: 1, c: [1, 2], d: "x" }, e: 1 });
    // The RFC's own example.
    expect(
      mergePatch(
        {
          title: "Goodbye!",
          author: { givenName: "John", familyName: "Doe" },
          tags: ["example", "sample"],
          content: "x",
        },
        { title: "Hello!", phoneNumber: "+01-123-456-7890", author: { familyName: null }, tags: ["example"] },
      ),
    ).toEqual({
      title: "Hello!",
      author: { givenName: "John" },
      tags: ["example"],
      content: "x",
      phoneNumber: "+01-123-456-7890",
    });
  });
});

describe("the repository's stacks", () => {
  it("staging is prod with stacks/overlays/staging.yaml: no difference the overlay does not explain", async () => {
    const [prod, staging, overlay] = await Promise.all([
      readStackConfig("prod", ROOT),
      readStackConfig("staging", ROOT),
      readOverlay(join(ROOT, "stacks", "overlays", "staging.yaml")),
    ]);
    expect(differences(expectedConfig(prod, overlay), staging, overlay.keep)).toEqual([]);
  });

  it("without the overlay, every size, count, CIDR and name that differs is reported", async () => {
    const [prod, staging] = await Promise.all([
      readStackConfig("prod", ROOT),
      readStackConfig("staging", ROOT),
    ]);
    const found = differences(expectedConfig(prod, EMPTY_OVERLAY), staging, []);
    expect(found.map((d) => d.path)).toEqual(
      expect.arrayContaining([
        "streambus:brokers",
        "streambus:aws.instanceType",
        "streambus:aws.dataVolume.size",
        "streambus:aws.dataVolume.iops",
        "streambus:backup.bucketPrefix",
        "streambus:aws.tags.environment",
      ]),
    );
    expect(
      describeDifference(
        found.find((d) => d.path === "streambus:brokers")!,
        "prod",
        "staging",
      ),
    ).toBe("streambus:brokers: 5 in prod (with the overlay), 3 in staging");
    expect(
      describeDifference(
        found.find((d) => d.path === "streambus:aws.dataVolume.iops")!,
        "prod",
        "staging",
      ),
    ).toBe("streambus:aws.dataVolume.iops: 6000 in prod (with the overlay), not set in staging");
  });
});

const SECRET_A = { secure: "v1:AAAAprodciphertext" };
const SECRET_B = { secure: "v1:BBBBstagingciphertext" };

describe("secrets", () => {
  const overlay: Overlay = {
    config: { "streambus:brokers": 3 },
    keep: ["streambus:local.controlUrl"],
    secrets: { "streambus:adminToken": "generate" },
  };
  const source = {
    "streambus:brokers": 5,
    "streambus:adminToken": SECRET_A,
    "streambus:sshPrivateKey": SECRET_A,
    "streambus:local": { controlUrl: "http://127.0.0.1:7070", racks: ["a", "b"] },
  };

  it("are compared by presence, never by value, and never shown", () => {
    const target = {
      "streambus:brokers": 3,
      "streambus:adminToken": SECRET_B,
      "streambus:local": { controlUrl: "http://127.0.0.1:9999", racks: ["a", "b"] },
    };
    const found = differences(expectedConfig(source, overlay), target, overlay.keep);
    expect(found).toEqual([{ path: "streambus:sshPrivateKey", kind: "secret-missing" }]);
    const text = describeDifference(found[0]!, "prod", "staging");
    expect(text).toBe(
      "streambus:sshPrivateKey: a secret in prod, not set in staging (set staging's own: pulumi config set --secret streambus:sshPrivateKey --stack staging)",
    );
    expect(JSON.stringify(found)).not.toContain("ciphertext");
  });

  it("are never copied: the target keeps its own, gets one generated, or the operator is told", () => {
    const fresh = replicationPlan(expectedConfig(source, overlay), {}, overlay);
    expect(fresh.generate).toEqual(["streambus:adminToken"]);
    expect(fresh.operator).toEqual(["streambus:sshPrivateKey"]);
    expect(JSON.stringify(fresh.config)).not.toContain("prodciphertext");
    // A kept path the target does not have stays absent.
    expect(fresh.config).toEqual({ "streambus:brokers": 3, "streambus:local": { racks: ["a", "b"] } });

    const own = replicationPlan(
      expectedConfig(source, overlay),
      {
        "streambus:adminToken": SECRET_B,
        "streambus:sshPrivateKey": SECRET_B,
        "streambus:local": { controlUrl: "http://127.0.0.1:9999" },
        "streambus:stale": 1,
      },
      overlay,
    );
    expect(own.generate).toEqual([]);
    expect(own.operator).toEqual([]);
    expect(own.config).toEqual({
      "streambus:adminToken": SECRET_B,
      "streambus:brokers": 3,
      "streambus:local": { controlUrl: "http://127.0.0.1:9999", racks: ["a", "b"] },
      "streambus:sshPrivateKey": SECRET_B,
    });
    expect(own.changed).toEqual(["streambus:brokers", "streambus:local"]);
    expect(own.removed).toEqual(["streambus:stale"]);
  });
});

describe("the stack file", () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), "sb-stack-config-"));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("is rewritten key by key: comments, the encryption salt and untouched keys stay", async () => {
    const file = join(dir, "Pulumi.t.yaml");
    await writeFile(
      file,
      [
        "encryptionsalt: v1:salt123",
        "# the header comment",
        "config:",
        "  # why three",
        "  streambus:brokers: 3",
        "  streambus:gone: x",
        "  streambus:token:",
        "    secure: v1:abc",
        "",
      ].join("\n"),
    );
    await writeStackConfig(
      "t",
      { "streambus:brokers": 3, "streambus:token": { secure: "v1:abc" }, "streambus:new": { a: [1] } },
      dir,
    );
    const text = await readFile(file, "utf8");
    expect(text).toContain("encryptionsalt: v1:salt123");
    expect(text).toContain("# the header comment");
    expect(text).toContain("# why three");
    expect(text).not.toContain("streambus:gone");
    expect(await readStackConfig("t", dir)).toEqual({
      "streambus:brokers": 3,
      "streambus:token": { secure: "v1:abc" },
      "streambus:new": { a: [1] },
    });
  });

  it("names the file when a stack has none, and the field when an overlay is wrong", async () => {
    await expect(readStackConfig("nope", dir)).rejects.toThrow(
      `no config file for stack nope: ${join(dir, "Pulumi.nope.yaml")} does not exist`,
    );
    const overlay = join(dir, "bad.yaml");
    await writeFile(overlay, "config:\n  brokers: 3\nsecrets:\n  streambus:adminToken: copy\n");
    await expect(readOverlay(overlay)).rejects.toThrow(
      /the overlay .*bad\.yaml is not valid: config\.brokers: .*a config key is NAMESPACE:KEY.*secrets\.streambus:adminToken: /,
    );
  });
});
