import { METRICS_PORT_NAME, SCRAPE_JOBS, SCRAPE_LABEL, ScrapeJob } from "../common/metrics";

/** One scrape job: the Services it finds, and how their endpoints are scraped. */
export interface ScrapeTarget {
    /** The `job` label of its samples. */
    job: ScrapeJob;
    /** Namespaces whose Services it looks at. */
    namespaces: string[];
    /** Labels a Service must have. */
    selector: Record<string, string>;
    /** The Service port (by name) that is scraped. */
    port: string;
    /** HTTP path. */
    path: string;
    /** A bearer token the scrape sends: the Secret (in the first namespace) and key holding it. */
    bearerToken?: { secretName: string; key: string };
    /** Most samples and labels per sample a scrape may bring (targets that run users' code), else the scrape fails. Default none. */
    limits?: { samples: number; labels: number };
}

/** What a scheduler (users' code runs beside it) may publish per scrape: far above Dask's own series, far below what would hurt Prometheus. */
export const SCHEDULER_SCRAPE_LIMITS = { samples: 20000, labels: 30 } as const;

/** Where the scrape targets are, as the facility knows them. */
export interface TargetInput {
    /** The facility namespace (Traefik, hub, access service, exporter). */
    facilityNamespace: string;
    /** The group namespaces (session and gateway schedulers). */
    groupNamespaces: string[];
    /** Facility label value (selects the gateway schedulers of this facility). */
    facility: string;
    /** Whether the Dask access service runs. */
    daskAccess: boolean;
}

/** The name of the Secret holding the hub's metrics token (beside each scraper that needs it). */
export const HUB_METRICS_TOKEN_SECRET = "hepaf-hub-metrics-token";
/** Its key. */
export const HUB_METRICS_TOKEN_KEY = "token";

/** The hub service whose token scrapes `/hub/metrics` (it holds only `read:metrics`). */
export const HUB_METRICS_SERVICE = "hepaf-metrics";

/**
 * Every scrape job of a facility. The facility's own Services carry `hepaf.io/scrape: <job>`;
 * sessions' Services get it from the hub at spawn; gateway clusters' schedulers are made by
 * dask-gateway's controller and found by its own labels (`app.kubernetes.io/component:
 * dask-scheduler`) and the facility's.
 */
export function scrapeTargets(input: TargetInput): ScrapeTarget[] {
    const own = (job: ScrapeJob, extra: Partial<ScrapeTarget> = {}): ScrapeTarget => ({
        job,
        namespaces: [input.facilityNamespace],
        selector: { [SCRAPE_LABEL]: job },
        port: METRICS_PORT_NAME,
        path: "/metrics",
        ...extra,
    });
    return [
        own(SCRAPE_JOBS.traefik),
        own(SCRAPE_JOBS.hub, { port: "http", path: "/hub/metrics", bearerToken: { secretName: HUB_METRICS_TOKEN_SECRET, key: HUB_METRICS_TOKEN_KEY } }),
        ...(input.daskAccess ? [own(SCRAPE_JOBS.daskAccess)] : []),
        own(SCRAPE_JOBS.exporter),
        {
            job: SCRAPE_JOBS.sessionScheduler,
            namespaces: input.groupNamespaces,
            selector: { [SCRAPE_LABEL]: SCRAPE_JOBS.sessionScheduler },
            port: "dashboard",
            path: "/metrics",
            limits: SCHEDULER_SCRAPE_LIMITS,
        },
        {
            job: SCRAPE_JOBS.gatewayScheduler,
            namespaces: input.groupNamespaces,
            selector: { "app.kubernetes.io/component": "dask-scheduler", "hepaf.io/facility": input.facility },
            port: "dashboard",
            path: "/metrics",
            limits: SCHEDULER_SCRAPE_LIMITS,
        },
    ];
}
