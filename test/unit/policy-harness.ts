import type { Policies } from "@pulumi/policy";
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import type { Recorded } from "./recording-mocks";

/**
 * Runs the policy pack's policies as the engine does, without the engine: through
 * @pulumi/policy's own analyzer handlers (`makeAnalyzeRpcFun`, `makeAnalyzeStackRpcFun`, the
 * functions its gRPC server registers), fed protobuf requests built from the resources a
 * component declared under Pulumi's mocks. So the SDK's own deserialization, enforcement levels
 * and not-applicable handling run as they do under `pulumi preview --policy-pack`. For the aws
 * and kubernetes platforms, whose provider plugins the engine cannot load offline.
 */

const requirePolicy = createRequire(require.resolve("@pulumi/policy"));
// The request classes must come from the same @pulumi/pulumi (and google-protobuf) the SDK uses.
const analyzerProto = requirePolicy("@pulumi/pulumi/proto/analyzer_pb");
const requireProto = createRequire(requirePolicy.resolve("@pulumi/pulumi/proto/analyzer_pb"));
const { Struct } = requireProto("google-protobuf/google/protobuf/struct_pb.js");

type RpcFun = (call: { request: unknown }, callback: (err: unknown, res?: AnalyzeResponse) => void) => void;
interface AnalyzeResponse {
  getDiagnosticsList(): Array<{
    getPolicyname(): string;
    getMessage(): string;
    getDescription(): string;
    getUrn(): string;
    getEnforcementlevel(): number;
  }>;
}
const server = requirePolicy("@pulumi/policy/server") as {
  makeAnalyzeRpcFun(name: string, version: string, level: string, policies: Policies): RpcFun;
  makeAnalyzeStackRpcFun(name: string, version: string, level: string, policies: Policies): RpcFun;
};

/** One resource as the engine hands it to an analyzer. */
export interface EngineResource {
  type: string;
  name: string;
  urn: string;
  props: Record<string, unknown>;
  /** Property name → URNs of the resources whose outputs it was built from. */
  propertyDependencies: Record<string, string[]>;
}

/** One violation the pack reported. */
export interface Violation {
  policy: string;
  message: string;
  urn: string;
  level: "advisory" | "mandatory" | "disabled" | "remediate";
}

const LEVELS = ["advisory", "mandatory", "disabled", "remediate"] as const;
const SECRET_SIG = "4dabf18193072939515e22adb298388d";

/** A value as the engine would serialize it: no undefined, no promises or assets, secrets kept as secrets. */
function plain(value: unknown): unknown {
  if (value === null || typeof value !== "object") return typeof value === "function" ? undefined : value;
  if (Array.isArray(value)) return value.map((v) => plain(v) ?? null);
  // Assets (their text is a promise under the mocks) and pending values carry nothing to judge.
  const pending = (v: unknown) => typeof (v as { then?: unknown } | null)?.then === "function";
  if (pending(value) || Object.values(value).some(pending)) return undefined;
  if (SECRET_SIG in value) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const p = plain(v);
    if (p !== undefined) out[k] = p;
  }
  return out;
}

/**
 * The recorded resources as the engine would report them for stack `stack`: URNs carry the
 * stack's name, and a property holding another resource's id (the mocks' `<name>-id`) depends
 * on that resource, as `bucket: bucket.id` does in the engine.
 */
export function toEngineResources(recorded: readonly Recorded[], stack: string): EngineResource[] {
  const urnOf = (r: Recorded) => `urn:pulumi:${stack}::streambus::${r.type}::${r.name}`;
  const byId = new Map(recorded.map((r) => [`${r.name}-id`, urnOf(r)]));
  return recorded.map((r) => {
    const props = plain(r.inputs) as Record<string, unknown>;
    const propertyDependencies: Record<string, string[]> = {};
    for (const [k, v] of Object.entries(props)) {
      const urn = typeof v === "string" ? byId.get(v) : undefined;
      if (urn !== undefined) propertyDependencies[k] = [urn];
    }
    return { type: r.type, name: r.name, urn: urnOf(r), props, propertyDependencies };
  });
}

function options(): unknown {
  const o = new analyzerProto.AnalyzerResourceOptions();
  o.setProtect(false);
  return o;
}

function call(fun: RpcFun, request: unknown): Promise<Violation[]> {
  return new Promise((resolve, reject) =>
    fun({ request }, (err, res) => {
      if (err !== null && err !== undefined) return reject(err);
      resolve(
        (res?.getDiagnosticsList() ?? []).map((d) => ({
          policy: d.getPolicyname(),
          // The SDK puts the policy's description on the message's first line; the rest is the policy's own.
          message: d.getMessage().replace(`${d.getDescription()}\n`, ""),
          urn: d.getUrn(),
          level: LEVELS[d.getEnforcementlevel()] ?? "mandatory",
        })),
      );
    }),
  );
}

/**
 * Runs every policy on `resources`: each resource through the resource policies (as before each
 * step of an update), then the whole stack through the stack policies (as at its end).
 */
export async function runPack(
  policies: Policies,
  resources: readonly EngineResource[],
): Promise<Violation[]> {
  const analyze = server.makeAnalyzeRpcFun("streambus", "0.1.0", "advisory", policies);
  const analyzeStack = server.makeAnalyzeStackRpcFun("streambus", "0.1.0", "advisory", policies);
  const violations: Violation[] = [];
  for (const r of resources) {
    const req = new analyzerProto.AnalyzeRequest();
    req.setType(r.type);
    req.setName(r.name);
    req.setUrn(r.urn);
    req.setProperties(Struct.fromJavaScript(r.props));
    req.setOptions(options());
    // A resource policy reports against the resource it was handed; the response leaves the URN out.
    for (const v of await call(analyze, req)) violations.push({ ...v, urn: v.urn || r.urn });
  }
  const stackReq = new analyzerProto.AnalyzeStackRequest();
  stackReq.setResourcesList(
    resources.map((r) => {
      const a = new analyzerProto.AnalyzerResource();
      a.setType(r.type);
      a.setName(r.name);
      a.setUrn(r.urn);
      a.setProperties(Struct.fromJavaScript(r.props));
      a.setOptions(options());
      const deps = a.getPropertydependenciesMap();
      for (const [k, urns] of Object.entries(r.propertyDependencies)) {
        const d = new analyzerProto.AnalyzerPropertyDependencies();
        d.setUrnsList(urns);
        deps.set(k, d);
      }
      return a;
    }),
  );
  violations.push(...(await call(analyzeStack, stackReq)));
  return violations;
}

/** The `streambus:` config of a shipped `Pulumi.<stack>.yaml`, keys without the namespace. */
export function shippedConfig(stack: string): Record<string, unknown> {
  const file = join(__dirname, "../..", `Pulumi.${stack}.yaml`);
  const doc = parse(readFileSync(file, "utf8")) as { config: Record<string, unknown> };
  return Object.fromEntries(
    Object.entries(doc.config)
      .filter(([k]) => k.startsWith("streambus:"))
      .map(([k, v]) => [k.slice("streambus:".length), v]),
  );
}
