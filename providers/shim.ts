import type * as pulumi from "@pulumi/pulumi";

/**
 * The logic of a dynamic provider: the same methods as `pulumi.dynamic.ResourceProvider`, in a
 * module of this package that exports them as `provider`.
 */
export type ProviderLogic<Inputs, Outputs> = pulumi.dynamic.ResourceProvider<Inputs, Outputs>;

/** The shim of each logic module, made once (see {@link shimProvider}). */
const shims = new Map<string, pulumi.dynamic.ResourceProvider>();

/**
 * Builds the serialized half of a dynamic provider: a thin shim whose every method loads
 * `streambus-infra/dist/<modulePath>` at run time and forwards to its exported `provider`.
 *
 * Pulumi serializes a dynamic provider's code into the stack's state, and `delete` and `refresh`
 * run that serialized copy rather than today's code (pulumi/pulumi#6238, #16826). Keeping the
 * serialized part this small means a fix in the logic reaches resources created long ago.
 *
 * The module is resolved from the working directory of the provider process (the folder of
 * the program's `main`, or of the project), walking up: through `node_modules` when this
 * package is a dependency, and through the package's self-reference (its `exports`) when the
 * project is this repository.
 *
 * @param modulePath the compiled module under `dist/`, without extension, e.g. `providers/smoke`.
 */
export function shimProvider<Inputs, Outputs>(modulePath: string): pulumi.dynamic.ResourceProvider {
  // One shim per module: the SDK serializes a provider once per object (its cache is keyed by
  // identity), and a serialization costs tens of milliseconds of the program's CPU. A fresh
  // object per resource made a 60-broker preview serialize the same shim 60 times (`make bench`).
  let shim = shims.get(modulePath);
  if (shim === undefined) {
    shim = makeShim<Inputs, Outputs>(modulePath);
    shims.set(modulePath, shim);
  }
  return shim;
}

function makeShim<Inputs, Outputs>(modulePath: string): pulumi.dynamic.ResourceProvider {
  // Everything below is serialized by Pulumi: it may capture `modulePath` and nothing else.
  const load = (): ProviderLogic<Inputs, Outputs> => {
    const { createRequire } = require("node:module");
    const { join } = require("node:path");
    const requireFromProject = createRequire(join(process.cwd(), "package.json"));
    return requireFromProject(`streambus-infra/dist/${modulePath}`).provider;
  };
  return {
    // The engine calls this once per provider process with the stack's config (secrets
    // decrypted); the logic module keeps it for its later calls. Forwarded from every shim,
    // as the shim's shape is frozen into the state of the resources created with it.
    async configure(req: pulumi.dynamic.ConfigureRequest) {
      const logic = load();
      if (logic.configure) await logic.configure(req);
    },
    async check(olds: Inputs, news: Inputs) {
      const logic = load();
      return logic.check ? logic.check(olds, news) : { inputs: news };
    },
    async diff(id: string, olds: Outputs, news: Inputs) {
      const logic = load();
      return logic.diff ? logic.diff(id, olds, news) : {};
    },
    async create(inputs: Inputs) {
      return load().create(inputs);
    },
    async read(id: string, props?: Outputs) {
      const logic = load();
      return logic.read ? logic.read(id, props) : { id, props };
    },
    async update(id: string, olds: Outputs, news: Inputs) {
      const logic = load();
      return logic.update ? logic.update(id, olds, news) : { outs: news };
    },
    async delete(id: string, props: Outputs) {
      const logic = load();
      if (logic.delete) await logic.delete(id, props);
    },
  };
}
