import type { monitoringHubTokenSecret } from "./monitoring";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";

/** How the facility is monitored. */
export const MONITORING_MODES = ["none", "operator", "prometheus"] as const;
/** One of {@link MONITORING_MODES}. */
export type MonitoringMode = (typeof MONITORING_MODES)[number];

/** The Prometheus this component deploys (mode `prometheus`). */
export interface OwnPrometheusArgs {
    /** Image. Default the facility's `images.prometheus` (the catalogue's pinned Prometheus unless the site overrides it). */
    image?: string;
    /** How long samples are kept (`--storage.tsdb.retention.time`). Default `2d`. */
    retention?: string;
    /** Container resources. Default requests 100m/256Mi, limits 1 CPU/1Gi. */
    resources?: k8s.types.input.core.v1.ResourceRequirements;
}

/** The site's Prometheus Operator (mode `operator`). */
export interface OperatorArgs {
    /** Labels on every ServiceMonitor and PrometheusRule, for the site's Prometheus' `serviceMonitorSelector` and `ruleSelector` (kube-prometheus-stack selects `release: <its release>`). Default none. */
    labels?: Record<string, string>;
}

/** Metrics of the facility, and who scrapes them. */
export interface MonitoringArgs {
    /**
     * `none`: the parts publish metrics, nothing scrapes them and no NetworkPolicy lets a
     * scraper in; `operator`: ServiceMonitors and a PrometheusRule for a site's Prometheus
     * Operator (its CRDs must be installed); `prometheus`: a small Prometheus of the facility's
     * own, with a plain scrape configuration (Kubernetes service discovery by label) and the
     * alert rules. Default `none`.
     */
    mode?: MonitoringMode;
    /** The namespace the scraping Prometheus runs in: only its pods may reach the metrics ports. Default `<facility>-monitoring` (mode `prometheus`, created) or `monitoring` (mode `operator`, the site's). */
    namespace?: string;
    /** Labels of the scraping Prometheus' pods: only they, not the rest of its namespace (Grafana, Alertmanager), may reach the metrics ports. Default `app.kubernetes.io/name: prometheus` (the Prometheus Operator's pods and this component's own). */
    podLabels?: Record<string, string>;
    /** How often every target is scraped and rules are evaluated. Default `30s`. */
    scrapeInterval?: string;
    /** The facility's own Prometheus (mode `prometheus`). Default: see {@link OwnPrometheusArgs}. */
    prometheus?: OwnPrometheusArgs;
    /** The site's Prometheus Operator (mode `operator`). Default: see {@link OperatorArgs}. */
    operator?: OperatorArgs;
    /** Thresholds of the alert rules, by name (`AlertParams`). Default `DEFAULT_ALERT_PARAMS`. */
    alerts?: Record<string, string | number>;
    /** Image of the facility exporter (CA expiry, group quotas, gateway clusters and health). Default the facility's hub image. */
    exporterImage?: string;
}

/** What the facility gives the monitoring component besides the site's args. */
export interface FacilityMonitoringArgs extends MonitoringArgs {
    /** Facility name. */
    facility: string;
    /** The facility namespace (Traefik, hub, access service, exporter). */
    facilityNamespace: string;
    /** Each group: its name and namespace. */
    groups: { name: string; namespace: string; gatewayHealthUrl: string }[];
    /** The published root CA bundle (ConfigMap name and key) in the facility namespace. */
    rootCaConfigMap: { name: string; key: string };
    /** The group CA bundle ConfigMap's name and key, the same in every group namespace. */
    groupCaConfigMap: { name: string; key: string };
    /** Where cert-manager makes the CAs (`pki.mode` cert-manager): the root's Certificate (facility namespace) and the group CAs' (the same name in every group namespace), read for CA expiry instead of the ConfigMaps. Default none. */
    caCertificates?: { root: string; group: string };
    /** A hub token with the `read:metrics` scope (a Pulumi secret). Default none: its Secret is made in the cluster by the hub's keeper (see {@link monitoringHubTokenSecret}). */
    hubMetricsToken?: pulumi.Input<string>;
    /** Whether the Dask access service runs (and is scraped). */
    daskAccess: boolean;
    /** The hub image (the exporter's default image). */
    hubImage: string;
    /** The Prometheus image (the catalogue's, or the site's `images.prometheus`). */
    prometheusImage: string;
}
