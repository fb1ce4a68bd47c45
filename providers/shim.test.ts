import * as pulumi from "@pulumi/pulumi";
import { describe, expect, it } from "vitest";
import { shimProvider } from "./shim";

describe("shimProvider", () => {
  it("makes one shim per logic module, so the SDK serializes it once per program run", () => {
    const broker = shimProvider("providers/local-broker");
    expect(shimProvider("providers/local-broker")).toBe(broker);
    expect(shimProvider("providers/local-file")).not.toBe(broker);
  });

  it("serializes only the module path: two modules' shims differ in it alone", async () => {
    const text = async (path: string) => {
      const shim = shimProvider(path);
      const fn = await pulumi.runtime.serializeFunction(() => shim, {
        allowSecrets: false,
        isFactoryFunction: true,
      });
      return fn.text;
    };
    const broker = await text("providers/local-broker");
    const file = await text("providers/local-file");
    expect(broker).toContain('"providers/local-broker"');
    expect(broker.replace("providers/local-broker", "providers/local-file")).toBe(file);
  });
});
