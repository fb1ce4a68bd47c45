import type * as pulumi from "@pulumi/pulumi";
import type { Quotas, QuotasRequest } from "../procedures/contract";
import { explain, freshRead, hasUnknown, keepConfig, log, sameUrls, withCluster } from "./settings-common";
import { QUOTA_FIELDS, badValue, fromContract, sameValue as same, toContract } from "./settings-units";

/**
 * The cluster's quotas (`GET`/`POST /admin/quotas`). `POST` replaces every quota, so the
 * provider reads them, sets the default and the declared clients, drops the clients this stack
 * declared before and no longer does, leaves every other client as it is, and writes; never
 * from a stale read. Each declared entry is whole: a rate it leaves out has no limit, so a rate
 * added by hand to a declared entry is drift. Loaded at run time by the thin shim.
 */

/** One quota entry in stack units: messages per second; a missing rate has no limit. */
export interface QuotaEntry {
  produceRate?: number;
  consumeRate?: number;
}

/** Inputs of the quotas resource. */
export interface ClusterQuotasInputs {
  /** Broker id → admin URL reachable from where `pulumi` runs. */
  adminUrls: Record<string, string>;
  /** The CA that signed the brokers' admin API certificates (PEM), for `https://` URLs; absent: Node's public CAs. */
  caCertificate?: string;
  /** streambus:quotas.default. */
  default: QuotaEntry;
  /** streambus:quotas.clients: client name → its quota. */
  clients: Record<string, QuotaEntry>;
}

/** Outputs: the declared quotas as the cluster holds them; a declared client missing there is `null`. */
export interface ClusterQuotasOutputs extends Omit<ClusterQuotasInputs, "clients"> {
  clients: Record<string, QuotaEntry | null>;
}

/** Every rate an entry of the contract holds, in stack units. */
function entryFrom(live: unknown): QuotaEntry {
  const all = { produceRate: 0, consumeRate: 0 };
  const entry = fromContract(QUOTA_FIELDS, live ?? {}, all);
  return Object.fromEntries(Object.entries(entry).filter(([, v]) => v !== null)) as QuotaEntry;
}

/** The input check: negative or fractional rates, named by their stack key. */
export function checkQuotaInputs(news: ClusterQuotasInputs): pulumi.dynamic.CheckFailure[] {
  const failures: pulumi.dynamic.CheckFailure[] = [];
  const entries: Array<[string, unknown]> = [
    ["quotas.default", news.default],
    ...Object.entries(news.clients ?? {}).map(([c, e]): [string, unknown] => [`quotas.clients.${c}`, e]),
  ];
  for (const [key, entry] of entries) {
    if (hasUnknown(entry)) continue;
    for (const field of QUOTA_FIELDS) {
      const why = badValue(field, (entry as Record<string, unknown> | undefined)?.[field.key]);
      if (why !== undefined) {
        failures.push({
          property: key.replace(/^quotas\./, ""),
          reason: `streambus:${key}.${field.key}: ${why}`,
        });
      }
    }
  }
  return failures;
}

/** The declared quotas as `live` holds them. */
function declaredFrom(news: ClusterQuotasInputs, live: Quotas): ClusterQuotasOutputs {
  const clients = Object.fromEntries(
    Object.keys(news.clients ?? {}).map((c) => [c, c in live.clients ? entryFrom(live.clients[c]) : null]),
  );
  return { ...news, default: entryFrom(live.default), clients };
}

/** Client names present in the live quotas that the stack does not declare. */
function unmanaged(news: ClusterQuotasInputs, live: Quotas): string[] {
  return Object.keys(live.clients).filter((c) => !(c in (news.clients ?? {})));
}

async function apply(
  olds: ClusterQuotasOutputs | undefined,
  news: ClusterQuotasInputs,
): Promise<ClusterQuotasOutputs> {
  return withCluster(news, async (cluster) => {
    const live = await freshRead("the quotas", (ctx) => cluster.admin.quotas(ctx.call));
    const clients: Record<string, unknown> = { ...live.clients };
    // Clients this stack declared before and no longer does lose their quota; others' stay.
    for (const c of Object.keys(olds?.clients ?? {})) if (!(c in (news.clients ?? {}))) delete clients[c];
    for (const [c, entry] of Object.entries(news.clients ?? {})) clients[c] = toContract(QUOTA_FIELDS, entry);
    const body = { default: toContract(QUOTA_FIELDS, news.default), clients } as QuotasRequest;
    if (same(body, { default: live.default, clients: live.clients })) return declaredFrom(news, live);
    const answer = await cluster.admin.setQuotas(body);
    log("streambus: quotas set (POST /admin/quotas)");
    const others = unmanaged(news, answer);
    if (others.length > 0)
      log(`streambus: quotas of clients no stack declares, left alone: ${others.join(", ")}`);
    return declaredFrom(news, answer);
  });
}

/** The quotas provider's logic. */
export const provider: pulumi.dynamic.ResourceProvider<ClusterQuotasInputs, ClusterQuotasOutputs> = {
  async configure(req) {
    keepConfig(req.config);
  },
  async check(_olds, news) {
    return { inputs: { ...news, clients: news.clients ?? {} }, failures: checkQuotaInputs(news) };
  },
  async diff(_id, olds, news) {
    const changed = !same(olds.default, news.default) || !same(olds.clients ?? {}, news.clients ?? {});
    return {
      changes:
        changed || !sameUrls(olds.adminUrls, news.adminUrls) || olds.caCertificate !== news.caCertificate,
      replaces: [],
      deleteBeforeReplace: false,
    };
  },
  async create(inputs) {
    try {
      return { id: "quotas", outs: (await apply(undefined, inputs)) satisfies ClusterQuotasOutputs };
    } catch (error) {
      throw explain(error, "quotas");
    }
  },
  async update(_id, olds, news) {
    try {
      return { outs: (await apply(olds, news)) satisfies ClusterQuotasOutputs };
    } catch (error) {
      throw explain(error, "quotas");
    }
  },
  async read(id, props) {
    if (props === undefined) return {};
    try {
      const live = await withCluster(props, (cluster) => cluster.admin.quotas());
      if (live.stale === true) log("streambus: quotas read while the cluster has no leader (stale)");
      const others = unmanaged(props as ClusterQuotasInputs, live);
      if (others.length > 0)
        log(`streambus: quotas of clients no stack declares, left alone: ${others.join(", ")}`);
      return { id, props: declaredFrom(props as ClusterQuotasInputs, live) satisfies ClusterQuotasOutputs };
    } catch (error) {
      throw explain(error, "quotas read");
    }
  },
  async delete() {
    // Removing every quota would lift the limits on a running cluster: leave them, say so.
    log("streambus: quotas no longer managed: the cluster keeps the quotas in force");
  },
};
