import { stringify } from "yaml";
import { ScrapeTarget } from "./targets";

/** Where the facility's Prometheus finds its files. */
export const PROMETHEUS_PATHS = {
    /** The configuration directory (prometheus.yml, the rule file). */
    config: "/etc/prometheus",
    /** Mounted Secrets (the hub's metrics token). */
    secrets: "/etc/prometheus-secrets",
    /** The time-series database. */
    data: "/prometheus",
} as const;

/** Files in the configuration directory. */
export const PROMETHEUS_FILES = { config: "prometheus.yml", rules: "facility.rules.yaml" } as const;

/** Prometheus' own listening port. */
export const PROMETHEUS_PORT = 9090;

/** The label Prometheus' Kubernetes discovery gives a Service label (`a.b/c` -> `__meta_kubernetes_service_label_a_b_c`). */
export function serviceLabelMeta(label: string): string {
    return `__meta_kubernetes_service_label_${label.replace(/[^a-zA-Z0-9_]/g, "_")}`;
}

/** Relabelings every job shares: the facility, namespace, pod and group of the target. */
function targetLabels(facility: string): Record<string, unknown>[] {
    return [
        { target_label: "facility", replacement: facility },
        { source_labels: ["__meta_kubernetes_namespace"], target_label: "namespace" },
        { source_labels: ["__meta_kubernetes_pod_name"], target_label: "pod" },
        { source_labels: [serviceLabelMeta("hepaf.io/group")], target_label: "group" },
    ];
}

/**
 * One scrape job of the plain configuration: Kubernetes service discovery of EndpointSlices in
 * the job's namespaces, kept when the Service has the job's labels, the port has its name and
 * the endpoint is ready (so a part with no ready endpoint has no target, and `up` is absent).
 */
export function scrapeJob(target: ScrapeTarget, interval: string, facility: string): Record<string, unknown> {
    const selector = Object.entries(target.selector);
    return {
        job_name: target.job,
        scrape_interval: interval,
        metrics_path: target.path,
        kubernetes_sd_configs: [{ role: "endpointslice", namespaces: { names: target.namespaces } }],
        ...(target.limits ? { sample_limit: target.limits.samples, label_limit: target.limits.labels } : {}),
        ...(target.bearerToken
            ? { authorization: { type: "Bearer", credentials_file: `${PROMETHEUS_PATHS.secrets}/${target.bearerToken.secretName}/${target.bearerToken.key}` } }
            : {}),
        relabel_configs: [
            { source_labels: selector.map(([k]) => serviceLabelMeta(k)), regex: selector.map(([, v]) => v).join(";"), action: "keep" },
            { source_labels: ["__meta_kubernetes_endpointslice_port_name"], regex: target.port, action: "keep" },
            { source_labels: ["__meta_kubernetes_endpointslice_endpoint_conditions_ready"], regex: "true", action: "keep" },
            ...targetLabels(facility),
        ],
    };
}

/** What prometheus.yml is rendered from. */
export interface PrometheusConfigInput {
    /** Facility name (the `facility` external label). */
    facility: string;
    /** Scrape and rule evaluation interval. */
    interval: string;
    /** The scrape jobs. */
    targets: ScrapeTarget[];
}

/** prometheus.yml as data: the facility's jobs, Prometheus itself, and the rule file. */
export function prometheusConfig(input: PrometheusConfigInput): Record<string, unknown> {
    return {
        global: { scrape_interval: input.interval, evaluation_interval: input.interval, external_labels: { facility: input.facility } },
        rule_files: [`${PROMETHEUS_PATHS.config}/${PROMETHEUS_FILES.rules}`],
        scrape_configs: [
            { job_name: "prometheus", static_configs: [{ targets: [`localhost:${PROMETHEUS_PORT}`] }] },
            ...input.targets.map((t) => scrapeJob(t, input.interval, input.facility)),
        ],
    };
}

/** Renders prometheus.yml with a YAML serializer. */
export function renderPrometheusConfig(input: PrometheusConfigInput): string {
    return stringify(prometheusConfig(input));
}
