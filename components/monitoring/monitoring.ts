import * as k8s from "@pulumi/kubernetes";
import type { KeptSecret } from "../kept-secrets";
import * as pulumi from "@pulumi/pulumi";
import { check, checkScraper, DEFAULT_SCRAPER_POD_LABELS, requireOneOf, ScraperRef, standardLabels } from "../common";
import { requireImageReference } from "../images";
import { FacilityMonitoringArgs, MONITORING_MODES, MonitoringArgs, MonitoringMode } from "./args";
import { declareExporter } from "./exporter";
import { declarePrometheus } from "./prometheus";
import { AlertParams, isPrometheusDuration, renderRules } from "./rules";
import { MONITORING_API_VERSION, serviceMonitorSpec } from "./service-monitors";
import { HUB_METRICS_TOKEN_KEY, HUB_METRICS_TOKEN_SECRET, scrapeTargets, ScrapeTarget } from "./targets";

const UNIT_SECONDS: Record<string, number> = { ms: 0.001, s: 1, m: 60, h: 3600, d: 86400, w: 604800, y: 31536000 };

/** A Prometheus duration in seconds (`1m30s` -> 90). */
export function durationSeconds(duration: string): number {
    return [...duration.matchAll(/([0-9]+)(ms|s|m|h|d|w|y)/g)].reduce((sum, [, n, unit]) => sum + Number(n) * UNIT_SECONDS[unit], 0);
}

/** Everything decided from the args, validated, before any resource exists. */
export interface MonitoringPlan {
    mode: MonitoringMode;
    /** The scraper: its namespace and pod labels (none in mode `none`). */
    scraper?: ScraperRef;
    interval: string;
    /** The interval in seconds (how often the exporter reads the cluster), at least 1. */
    intervalSeconds: number;
    retention: string;
    targets: ScrapeTarget[];
    /** The rendered alert rules (a rule file as data). */
    rules: Record<string, unknown>;
}

/** The scraper's namespace a mode implies when the site names none. */
export function defaultScraperNamespace(mode: MonitoringMode, facility: string): string | undefined {
    return mode === "prometheus" ? `${facility}-monitoring` : mode === "operator" ? "monitoring" : undefined;
}

/**
 * Who scrapes, from the monitoring args (under `arg`): the scraper's namespace (the mode's
 * default unless named) and its Prometheus pods' labels, or none in mode `none`. Every part's
 * NetworkPolicy lets exactly these pods in, so the namespace may be none of the facility's
 * (`facilityNamespaces`), where users' code runs. The facility asks this first, for the
 * policies of every part; the monitoring component's plan gives the same.
 */
export function planScraper(args: MonitoringArgs | undefined, facility: string, facilityNamespaces: string[], arg = "monitoring"): ScraperRef | undefined {
    const mode = args?.mode ?? "none";
    requireOneOf(mode, MONITORING_MODES, `${arg}.mode`);
    check(args?.namespace === undefined || mode !== "none", `${arg}.namespace`, `is only used with mode "operator" or "prometheus" (mode is "none")`);
    check(args?.podLabels === undefined || mode !== "none", `${arg}.podLabels`, `is only used with mode "operator" or "prometheus" (mode is "none")`);
    const namespace = args?.namespace ?? defaultScraperNamespace(mode, facility);
    if (namespace === undefined) return undefined;
    const scraper = { namespace, podLabels: { ...(args?.podLabels ?? DEFAULT_SCRAPER_POD_LABELS) } };
    checkScraper(scraper, arg);
    check(
        !facilityNamespaces.includes(namespace),
        `${arg}.namespace`,
        `"${namespace}" is a namespace of the facility; the scraping Prometheus needs a namespace of its own (a group named "monitoring" takes the default <facility>-monitoring: name another)`,
    );
    return scraper;
}

/**
 * Where the scraper reads the hub's metrics token, as the hub's keeper makes it (secrets made in
 * the cluster): beside the facility's Prometheus, or in the facility namespace for the site's
 * operator. None in mode `none`.
 */
export function monitoringHubTokenSecret(plan: MonitoringPlan, facilityNamespace: string, tokenValueId: string, labels: Record<string, string>): KeptSecret | undefined {
    if (plan.mode === "none" || plan.scraper === undefined) return undefined;
    const namespace = plan.mode === "prometheus" ? plan.scraper.namespace : facilityNamespace;
    return { namespace, name: HUB_METRICS_TOKEN_SECRET, labels, data: { [HUB_METRICS_TOKEN_KEY]: tokenValueId } };
}

/** Validates the monitoring args (under `arg`) without declaring anything. */
export function planMonitoring(args: FacilityMonitoringArgs, arg = "monitoring"): MonitoringPlan {
    const mode = args.mode ?? "none";
    const scraper = planScraper(args, args.facility, [args.facilityNamespace, ...args.groups.map((g) => g.namespace)], arg);
    const interval = args.scrapeInterval ?? "30s";
    check(isPrometheusDuration(interval) && durationSeconds(interval) >= 1, `${arg}.scrapeInterval`, `"${interval}" is not a Prometheus duration of at least a second (e.g. "30s", "1m")`);
    const retention = args.prometheus?.retention ?? "2d";
    check(isPrometheusDuration(retention), `${arg}.prometheus.retention`, `"${retention}" is not a Prometheus duration (e.g. "12h", "2d")`);
    check(args.prometheus === undefined || mode === "prometheus", `${arg}.prometheus`, `is only used with mode "prometheus" (mode is "${mode}")`);
    check(args.operator === undefined || mode === "operator", `${arg}.operator`, `is only used with mode "operator" (mode is "${mode}")`);
    if (args.prometheus?.image !== undefined) requireImageReference(args.prometheus.image, `${arg}.prometheus.image`);
    if (args.exporterImage !== undefined) requireImageReference(args.exporterImage, `${arg}.exporterImage`);
    const rules = renderRules((args.alerts ?? {}) as Partial<AlertParams>, `${arg}.alerts`) as unknown as Record<string, unknown>;
    const targets = scrapeTargets({
        facility: args.facility,
        facilityNamespace: args.facilityNamespace,
        groupNamespaces: args.groups.map((g) => g.namespace),
        daskAccess: args.daskAccess,
    });
    return { mode, scraper, interval, intervalSeconds: Math.round(durationSeconds(interval)), retention, targets, rules };
}

/**
 * The facility's monitoring: in mode `prometheus` a Prometheus of its own (namespace, plain
 * scrape configuration, alert rules); in mode `operator` a ServiceMonitor per scrape job and a
 * PrometheusRule, in the facility namespace, for the site's Prometheus Operator; in both, the
 * facility exporter and the hub's metrics token beside the scraper. Mode `none` declares nothing.
 */
export class FacilityMonitoring extends pulumi.ComponentResource {
    /** The validated plan. */
    readonly plan: MonitoringPlan;
    /** The scraper's namespace (undefined in mode `none`). */
    readonly namespace?: string;
    /** In mode `prometheus`: its in-cluster URL. */
    readonly prometheusUrl?: string;

    constructor(name: string, args: FacilityMonitoringArgs, opts?: pulumi.ComponentResourceOptions & { dependsOn?: pulumi.Resource[] }) {
        const plan = planMonitoring(args);
        super("hepaf:monitoring:FacilityMonitoring", name, {}, opts);
        this.plan = plan;
        this.namespace = plan.scraper?.namespace;
        const dependsOn = opts?.dependsOn ?? [];
        if (plan.mode === "none" || plan.scraper === undefined) {
            this.registerOutputs({});
            return;
        }
        const labels = (component: string) => standardLabels({ name: "hepaf-monitoring", instance: name, component, facility: args.facility });
        if (plan.mode === "prometheus") {
            declarePrometheus(
                {
                    facility: args.facility,
                    namespace: plan.scraper.namespace,
                    image: args.prometheus?.image ?? args.prometheusImage,
                    retention: plan.retention,
                    interval: plan.interval,
                    resources: args.prometheus?.resources,
                    targets: plan.targets,
                    rules: plan.rules,
                    hubMetricsToken: args.hubMetricsToken,
                },
                this,
                dependsOn,
            );
            this.prometheusUrl = `http://prometheus.${plan.scraper.namespace}.svc.cluster.local:9090`;
        } else {
            const inFacility = { parent: this, dependsOn };
            const meta = (objName: string, component: string) => ({ name: objName, namespace: args.facilityNamespace, labels: { ...labels(component), ...args.operator?.labels } });
            if (args.hubMetricsToken !== undefined) {
                new k8s.core.v1.Secret(
                    `${name}-hub-token`,
                    { metadata: { ...meta(HUB_METRICS_TOKEN_SECRET, "credentials"), labels: labels("credentials") }, type: "Opaque", stringData: { [HUB_METRICS_TOKEN_KEY]: pulumi.secret(args.hubMetricsToken) } },
                    inFacility,
                );
            }
            for (const t of plan.targets) {
                new k8s.apiextensions.CustomResource(
                    `${name}-servicemonitor-${t.job}`,
                    { apiVersion: MONITORING_API_VERSION, kind: "ServiceMonitor", metadata: meta(t.job, "service-monitor"), spec: serviceMonitorSpec(t, plan.interval, args.facility) },
                    inFacility,
                );
            }
            new k8s.apiextensions.CustomResource(
                `${name}-rules`,
                { apiVersion: MONITORING_API_VERSION, kind: "PrometheusRule", metadata: meta("hepaf-facility", "rules"), spec: plan.rules },
                inFacility,
            );
        }
        declareExporter(args, plan.scraper, plan.intervalSeconds, this, dependsOn);
        this.registerOutputs({ namespace: this.namespace, prometheusUrl: this.prometheusUrl });
    }
}
