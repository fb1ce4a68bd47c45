/**
 * The two prometheus-operator CRDs the kubernetes platform makes objects of (ServiceMonitor and
 * PrometheusRule), installed into the test's API server. Their schemas are cut down to the fields
 * the component sets, typed and with the operator's own formats (durations, required fields), so
 * that the API server checks what the component sends rather than taking anything.
 */

const duration = {
  type: "string",
  pattern: "^(0|(([0-9]+)y)?(([0-9]+)w)?(([0-9]+)d)?(([0-9]+)h)?(([0-9]+)m)?(([0-9]+)s)?(([0-9]+)ms)?)$",
};
const stringMap = { type: "object", additionalProperties: { type: "string" } };
const labelSelector = {
  type: "object",
  properties: {
    matchLabels: stringMap,
    matchExpressions: {
      type: "array",
      items: {
        type: "object",
        required: ["key", "operator"],
        properties: {
          key: { type: "string" },
          operator: { type: "string" },
          values: { type: "array", items: { type: "string" } },
        },
      },
    },
  },
};

function crd(kind: string, plural: string, spec: Record<string, unknown>) {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: { name: `${plural}.monitoring.coreos.com` },
    spec: {
      group: "monitoring.coreos.com",
      scope: "Namespaced",
      names: { kind, listKind: `${kind}List`, plural, singular: kind.toLowerCase() },
      versions: [
        {
          name: "v1",
          served: true,
          storage: true,
          schema: {
            openAPIV3Schema: {
              type: "object",
              required: ["spec"],
              properties: {
                apiVersion: { type: "string" },
                kind: { type: "string" },
                metadata: { type: "object" },
                spec,
              },
            },
          },
        },
      ],
    },
  };
}

/** `servicemonitors.monitoring.coreos.com`. */
export const serviceMonitorCrd = crd("ServiceMonitor", "servicemonitors", {
  type: "object",
  required: ["selector"],
  properties: {
    jobLabel: { type: "string" },
    selector: labelSelector,
    namespaceSelector: {
      type: "object",
      properties: { any: { type: "boolean" }, matchNames: { type: "array", items: { type: "string" } } },
    },
    endpoints: {
      type: "array",
      items: {
        type: "object",
        properties: {
          port: { type: "string" },
          path: { type: "string" },
          scheme: { type: "string", enum: ["http", "https", "HTTP", "HTTPS"] },
          interval: duration,
          scrapeTimeout: duration,
          honorLabels: { type: "boolean" },
          tlsConfig: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
          bearerTokenSecret: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
          authorization: { type: "object", "x-kubernetes-preserve-unknown-fields": true },
        },
      },
    },
  },
});

/** `prometheusrules.monitoring.coreos.com`. */
export const prometheusRuleCrd = crd("PrometheusRule", "prometheusrules", {
  type: "object",
  properties: {
    groups: {
      type: "array",
      items: {
        type: "object",
        required: ["name"],
        properties: {
          name: { type: "string", minLength: 1 },
          interval: duration,
          rules: {
            type: "array",
            items: {
              type: "object",
              required: ["expr"],
              properties: {
                alert: { type: "string" },
                record: { type: "string" },
                expr: { "x-kubernetes-int-or-string": true },
                for: duration,
                keep_firing_for: duration,
                labels: stringMap,
                annotations: stringMap,
              },
            },
          },
        },
      },
    },
  },
});
