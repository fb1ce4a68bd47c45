import { describe, expect, it } from "vitest";
import { shimProvider } from "../../providers/shim";

describe("shimProvider", () => {
  it("exposes every provider method", () => {
    expect(Object.keys(shimProvider("providers/x")).sort()).toEqual(
      ["check", "create", "delete", "diff", "read", "update"].sort(),
    );
  });
});
