import type * as pulumi from "@pulumi/pulumi";
import { SimControlClient, SimControlError } from "../sim/control-client";
import type { SimBroker } from "../sim/control-contract";

/**
 * A broker of the StreamBus emulator, provisioned through its control API: create is
 * `POST /sim/brokers` (idempotent, with the broker's config file), a new config file is written
 * in place (`PUT /sim/brokers/{id}/config`), delete is `DELETE /sim/brokers/{id}`, read asks
 * `GET /sim/brokers` so that `pulumi refresh` sees a broker removed behind Pulumi's back.
 * Loaded at run time by the thin shim (`providers/shim.ts`).
 */

/** Inputs of a local broker. */
export interface LocalBrokerInputs {
  /** The emulator's control URL, e.g. `http://127.0.0.1:7070`. */
  controlUrl: string;
  /** The broker's id: its identity in the emulator and in the cluster. */
  brokerId: number;
  /** The rack partition placement spreads replicas over. */
  rack: string;
  /**
   * The broker's config file (what it reads at start). A change is written to the machine and
   * takes effect at the broker's next restart: the cluster's `RollingRestart` makes those, one
   * broker at a time. Absent on stacks from before it existed.
   */
  config?: string;
  /**
   * The broker's admin API certificate (PEM): written to its machine with `tlsKey`, it serves
   * HTTPS from its start. A new one is written in place and served from the broker's next restart.
   */
  tlsCertificate?: string;
  /** The certificate's private key (PEM): a secret input, never copied into the outputs. */
  tlsKey?: string;
  /** Whether the broker serves HTTPS: known at preview, when a new certificate is not yet. Defaults to false. */
  tls?: boolean;
}

/** Outputs of a local broker: its inputs but the key, and where its admin API answers. */
export interface LocalBrokerOutputs extends Omit<LocalBrokerInputs, "tlsKey"> {
  /** The broker's admin API, as the emulator reports it. */
  adminUrl: string;
}

/** The emulator's brokers (`GET /sim/brokers`), through the one client of its control API. */
export async function listSimBrokers(controlUrl: string): Promise<SimBroker[]> {
  return new SimControlClient(controlUrl).brokers();
}

/** Validates inputs before the engine plans anything. Exported for tests. */
export function checkLocalBrokerInputs(inputs: LocalBrokerInputs): pulumi.dynamic.CheckFailure[] {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  if (!Number.isSafeInteger(inputs.brokerId) || inputs.brokerId < 1) {
    failures.push({ property: "brokerId", reason: `must be a whole number from 1: got ${inputs.brokerId}` });
  }
  if (!/^https?:\/\/[^/]+/.test(inputs.controlUrl)) {
    failures.push({
      property: "controlUrl",
      reason: `must be an http(s) URL: got ${JSON.stringify(inputs.controlUrl)}`,
    });
  }
  if (typeof inputs.rack !== "string" || inputs.rack === "") {
    failures.push({ property: "rack", reason: "must be a non-empty rack name" });
  }
  if ((inputs.tlsCertificate === undefined) !== (inputs.tlsKey === undefined)) {
    failures.push({
      property: inputs.tlsCertificate === undefined ? "tlsCertificate" : "tlsKey",
      reason: "tlsCertificate and tlsKey go together: give both, or neither for plain HTTP",
    });
  }
  return failures;
}

/** The certificate and key as the control API takes them, when the broker has them. */
function tlsFiles(inputs: LocalBrokerInputs): { tls: { cert: string; key: string } } | Record<string, never> {
  return inputs.tlsCertificate !== undefined && inputs.tlsKey !== undefined
    ? { tls: { cert: inputs.tlsCertificate, key: inputs.tlsKey } }
    : {};
}

async function provision(inputs: LocalBrokerInputs): Promise<LocalBrokerOutputs> {
  // The answer never holds the key, and neither does the error: it quotes the answer, not the request.
  const broker = await new SimControlClient(inputs.controlUrl).provision({
    broker_id: inputs.brokerId,
    rack: inputs.rack,
    ...(inputs.config !== undefined ? { config: inputs.config } : {}),
    ...tlsFiles(inputs),
  });
  const { tlsKey: _key, ...outs } = inputs;
  return { ...outs, adminUrl: broker.admin_url };
}

/** Writes the broker's config file (and certificate) on its machine; the running broker reads them at its next start. */
async function writeConfig(inputs: LocalBrokerInputs): Promise<void> {
  if (inputs.config === undefined) return;
  await new SimControlClient(inputs.controlUrl).writeConfig(inputs.brokerId, {
    config: inputs.config,
    ...tlsFiles(inputs),
  });
}

/** The local broker provider's logic. */
export const provider: pulumi.dynamic.ResourceProvider<LocalBrokerInputs, LocalBrokerOutputs> = {
  async check(_olds, news) {
    return { inputs: news, failures: checkLocalBrokerInputs(news) };
  },
  async diff(_id, olds, news) {
    const wasTls = olds.tls ?? olds.tlsCertificate !== undefined;
    if (wasTls !== (news.tls ?? false)) {
      // The broker would switch schemes only at its next start, while its admin URL (and so
      // membership's and the settings') would switch at once: refused rather than half done.
      throw new Error(
        `local broker ${news.brokerId}: streambus:tls.enabled changed while the broker runs ` +
          `(${wasTls ? "https → http" : "http → https"}): the emulator serves the new scheme ` +
          "only from the broker's next start; set streambus:tls.enabled back, or `pulumi destroy` and `pulumi up` " +
          "the local cluster (its data is throwaway)",
      );
    }
    // Only declared fields: adminUrl is the emulator's answer, never drift. Every declared
    // field is identity (the emulator cannot move a broker), and the old broker must go first
    // because the new one takes its id.
    const replaces = (["controlUrl", "brokerId", "rack"] as const).filter((k) => olds[k] !== news[k]);
    // A new config file is written in place (an update): restarting is the rolling restart's job.
    const config =
      (news.config !== undefined && olds.config !== news.config) ||
      olds.tlsCertificate !== news.tlsCertificate;
    return { changes: replaces.length > 0 || config, replaces, deleteBeforeReplace: true };
  },
  async create(inputs) {
    const outs = await provision(inputs);
    return { id: String(inputs.brokerId), outs: outs satisfies LocalBrokerOutputs };
  },
  async read(id, props) {
    if (props === undefined) return {};
    const live = (await listSimBrokers(props.controlUrl)).find((b) => b.broker_id === Number(id));
    if (live === undefined) return {};
    const outs = {
      ...props,
      adminUrl: live.admin_url,
      rack: live.rack ?? props.rack,
    } satisfies LocalBrokerOutputs;
    return { id, props: outs };
  },
  async update(_id, _olds, news) {
    // diff replaces on every identity field, so an update writes the config file (no restart)
    // and refreshes the admin URL.
    const outs = await provision(news);
    await writeConfig(news);
    return { outs: outs satisfies LocalBrokerOutputs };
  },
  async delete(id, props) {
    try {
      await new SimControlClient(props.controlUrl).destroy(Number(id));
    } catch (error) {
      // Gone already is done: a delete may run twice (after an interrupted update).
      if (!(error instanceof SimControlError && error.status === 404)) throw error;
    }
  },
};
