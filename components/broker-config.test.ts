import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import { parseStackConfig } from "../stacks/config";
import { configHash, formatSize, renderBrokerConfig, type BrokerSettings } from "./broker-config";

const settings = (patch: Record<string, unknown> = {}): BrokerSettings =>
  parseStackConfig({ platform: "local", local: { controlUrl: "http://127.0.0.1:7070" }, ...patch });

describe("renderBrokerConfig", () => {
  it("writes only what a broker reads at start: no live setting (those belong to ClusterConfig)", () => {
    const doc = parse(
      renderBrokerConfig({ brokerId: 4, rack: "us-east-1b", adminTokenRequired: true, settings: settings() }),
    );
    expect(doc).toEqual({
      broker: { id: 4, rack: "us-east-1b" },
      listeners: { client: "0.0.0.0:9092", admin: "0.0.0.0:8080", raft: "0.0.0.0:9093" },
      cluster: { seeds_file: "/etc/streambus/seeds" },
      admin: { token_file: "/etc/streambus/admin-token" },
      storage: { data_dir: "/var/lib/streambus/data" },
    });
  });

  it("renders new text, and a new hash, when a static setting changes; the same text when a live one does", () => {
    const render = (patch: Record<string, unknown>) =>
      renderBrokerConfig({ brokerId: 1, adminTokenRequired: false, settings: settings(patch) });
    const before = render({});
    expect(render({})).toBe(before);
    for (const patch of [
      { ports: { admin: 8081 } },
      { ports: { client: 9999 } },
      { ports: { raft: 9191 } },
    ]) {
      const after = render(patch);
      expect(after, JSON.stringify(patch)).not.toBe(before);
      expect(configHash(after)).not.toBe(configHash(before));
    }
    for (const patch of [
      { retention: { maxAge: "3d" } },
      { compaction: { enabled: false } },
      { storage: { flushInterval: "1s" } },
      { network: { compression: false } },
    ]) {
      expect(render(patch), JSON.stringify(patch)).toBe(before);
    }
  });

  it("names where the admin API's certificate, key and CA are when TLS is on (never the key itself)", () => {
    const doc = parse(
      renderBrokerConfig({ brokerId: 2, adminTokenRequired: true, tls: true, settings: settings() }),
    ) as { admin: unknown };
    expect(doc.admin).toEqual({
      token_file: "/etc/streambus/admin-token",
      tls: {
        cert_file: "/etc/streambus/tls/broker.crt",
        key_file: "/etc/streambus/tls/broker.key",
        ca_file: "/etc/streambus/tls/ca.crt",
      },
    });
    const plain = renderBrokerConfig({ brokerId: 2, adminTokenRequired: true, settings: settings() });
    // Turning TLS on is a static change: a new hash rolls the brokers.
    expect(configHash(plain)).not.toBe(
      configHash(
        renderBrokerConfig({ brokerId: 2, adminTokenRequired: true, tls: true, settings: settings() }),
      ),
    );
  });

  it("keeps the runbook's BROKER_ID placeholder for per-pod ids", () => {
    const text = renderBrokerConfig({
      brokerId: "BROKER_ID",
      adminTokenRequired: true,
      settings: settings(),
    });
    expect(text).toContain("id: BROKER_ID\n");
  });
});

describe("formatSize", () => {
  it("uses the largest exact binary unit", () => {
    expect(formatSize(107374182400)).toBe("100GB");
    expect(formatSize(1024 ** 4)).toBe("1TB");
    expect(formatSize(1536 * 1024 ** 2)).toBe("1536MB");
    expect(formatSize(1000)).toBe("1000B");
  });
});
