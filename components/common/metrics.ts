import { check } from "./errors";
import { requireDnsLabel } from "./validate";

/**
 * Where the facility's parts publish Prometheus metrics: one place for the label that scrape
 * discovery selects, the `job` each part is scraped as (the same with the Prometheus Operator's
 * ServiceMonitors and with the plain scrape configuration, so alert rules and dashboards read
 * one name), and the ports.
 */

/** Label on every Service whose `metrics` (or `dashboard`) port is scraped; its value is the scrape job. */
export const SCRAPE_LABEL = "hepaf.io/scrape";

/** The `job` label of each part's metrics. */
export const SCRAPE_JOBS = {
    /** Traefik's metrics entrypoint. */
    traefik: "hepaf-traefik",
    /** JupyterHub's `/hub/metrics` (a token with the `read:metrics` scope). */
    hub: "hepaf-hub",
    /** The Dask access service's own metrics port. */
    daskAccess: "hepaf-dask-access",
    /** The facility exporter (CA expiry, group quotas, gateway clusters and health). */
    exporter: "hepaf-exporter",
    /** Dask schedulers of notebook sessions (their dashboard's `/metrics`). */
    sessionScheduler: "hepaf-session-scheduler",
    /** Dask schedulers of gateway clusters (their dashboard's `/metrics`). */
    gatewayScheduler: "hepaf-gateway-scheduler",
} as const;

/** One scrape job's name. */
export type ScrapeJob = (typeof SCRAPE_JOBS)[keyof typeof SCRAPE_JOBS];

/** Ports of the metrics endpoints the facility's own services open (never routed by the front door). */
export const METRICS_PORTS = {
    /** The Dask access service's metrics (its HTTP port is routed; this one is not). */
    daskAccess: 9101,
    /** The facility exporter. */
    exporter: 9102,
} as const;

/** Port name scrape discovery selects on a Service. */
export const METRICS_PORT_NAME = "metrics";

/** Who scrapes: the Prometheus pods (by their labels) of one namespace. */
export interface ScraperRef {
    /** The namespace the scraping Prometheus runs in. */
    namespace: string;
    /** Labels of its pods (the Prometheus Operator's and the facility's own Prometheus carry `app.kubernetes.io/name: prometheus`). */
    podLabels: Record<string, string>;
}

/** Labels of the scraping Prometheus' pods unless the site names others. */
export const DEFAULT_SCRAPER_POD_LABELS: Readonly<Record<string, string>> = Object.freeze({ "app.kubernetes.io/name": "prometheus" });

/** The NetworkPolicy peer of the scraper: its Prometheus pods only, not the rest of its namespace (Grafana, Alertmanager, exporters). */
export function scraperPeer(s: ScraperRef): { namespaceSelector: { matchLabels: Record<string, string> }; podSelector: { matchLabels: Record<string, string> } } {
    return { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": s.namespace } }, podSelector: { matchLabels: { ...s.podLabels } } };
}

/** Refuses a scraper whose namespace or pod labels are not valid, naming `argument`. */
export function checkScraper(s: ScraperRef | undefined, argument: string): void {
    if (s === undefined) return;
    requireDnsLabel(s.namespace, `${argument}.namespace`);
    check(Object.keys(s.podLabels).length > 0, `${argument}.podLabels`, "give at least one label of the scraper's pods (every pod of its namespace would be let in)");
}
