/**
 * The benchmarks' baseline program: `bench:count` plain resources and nothing else. Each is a
 * dynamic resource whose provider answers at once without I/O, all sharing one provider object
 * (serialized once), so a preview of it is the engine's and the SDK's own cost per resource.
 */
import * as pulumi from "@pulumi/pulumi";

const provider: pulumi.dynamic.ResourceProvider = {
  async create(inputs: { n: number }) {
    return { id: `plain-${inputs.n}`, outs: inputs };
  },
  async diff(_id: string, olds: { n: number }, news: { n: number }) {
    return { changes: olds.n !== news.n };
  },
};

/** One plain resource. */
class Plain extends pulumi.dynamic.Resource {
  constructor(name: string, n: number) {
    super(provider, name, { n }, {}, "bench", "Plain");
  }
}

const count = new pulumi.Config("bench").requireNumber("count");
for (let n = 1; n <= count; n++) new Plain(`plain-${n}`, n);
