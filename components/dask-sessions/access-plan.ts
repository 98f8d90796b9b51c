import { HEX_32, KeptSecrets } from "../kept-secrets";
import { check, checkScraper, isDnsName, METRICS_PORTS, requireDnsLabel, requirePort, requirePositiveInteger, requireUnique } from "../common";
import { contactAddressTemplate } from "../htcondor/dask-config";
import { DaskVersions, requireImageReference, resolveDaskVersions } from "../images";
import type { DaskAccessArgs } from "./access-args";
import type { DaskSessionDashboardArgs } from "./settings";
import { GROUP_CA_SECRET } from "./settings";

/** Port the service listens on (its Service has the same). */
export const DASK_ACCESS_PORT = 8080;
/** Port of the service's Prometheus metrics (its Service has the same, named `metrics`); no route of the front door leads to it. */
export const DASK_ACCESS_METRICS_PORT = METRICS_PORTS.daskAccess;
/** Where the service's ConfigMap (values, the two modules) is mounted. */
export const DASK_ACCESS_CONFIG_DIR = "/etc/hepaf/dask-access";
/** File names in that ConfigMap. */
export const DASK_ACCESS_FILES = { values: "values.json", service: "dask_access.py" } as const;
/** Where the facility root CA ConfigMap is mounted. */
export const DASK_ACCESS_ROOT_CA_DIR = "/etc/hepaf/root-ca";
/** Default hub service name: the service is at `https://<domain>/services/dask/`. */
export const DASK_ACCESS_SERVICE = "dask";
/** Keys of the service's Secret. */
export const DASK_ACCESS_SECRET_KEYS = { hubToken: "hub-api-token", cookieSecret: "cookie-secret" } as const;

/**
 * The service's Secret as the hub's keeper makes it (secrets made in the cluster): the hub's
 * token for the service (value `tokenValueId`) and a cookie secret of its own.
 */
export function daskAccessKeptSecrets(namespace: string, secretName: string, tokenValueId: string, labels: Record<string, string>): KeptSecrets {
    const cookie = `${namespace}.${secretName}.cookie-secret`;
    return {
        values: { [cookie]: HEX_32 },
        secrets: [{ namespace, name: secretName, labels, data: { [DASK_ACCESS_SECRET_KEYS.hubToken]: tokenValueId, [DASK_ACCESS_SECRET_KEYS.cookieSecret]: cookie } }],
    };
}
/** Names of the objects in each group namespace (the hub's session routes and the gateway's dashboard routes name the middlewares). */
export const DASK_ACCESS_GROUP_OBJECTS = {
    /** The record of certificates issued (serial, user, expiry), a ConfigMap the service updates. */
    records: "hepaf-dask-access-certificates",
    /** forwardAuth: the service signs the browser in with the hub and lets only the dashboard's owner through. */
    signIn: "hepaf-dask-sign-in",
    /** Removes the browser's cookies and tokens before a dashboard (the hub's sign-in stays with the service). */
    dropCredentials: "hepaf-dask-drop-credentials",
    /** Strips `<prefix>/sessions/<user>/` before a session's dashboard. */
    sessionPrefix: "hepaf-dask-session-prefix",
} as const;

/** One group as the service serves it. */
export interface DaskAccessGroupPlan {
    name: string;
    namespace: string;
    sessions: boolean;
    caSecret: string;
    gateway: { address: string; proxyAddress: string; publicAddress: string; dashboardPrefix: string } | null;
}

/** Everything decided from the args, validated, before any resource exists. */
export interface DaskAccessPlan {
    facility: string;
    namespace: string;
    domain: string;
    daskPort: number;
    serviceName: string;
    /** `/services/<serviceName>` (no trailing slash). */
    prefix: string;
    /** In-cluster URL of the service (what the hub registers and Traefik's sign-in calls). */
    serviceUrl: string;
    names: { workload: string };
    groups: DaskAccessGroupPlan[];
    certificateValidityDays: number;
    mintsPerDay: number;
    /** Where the facility root (`ca.crt`) is mounted from: a ConfigMap, a Secret (only its `ca.crt`), or none. */
    rootCa: { configMap: string } | { secret: string } | false;
    websecure: string;
    /** The Dask a laptop's client needs (the bundle's README names it). */
    dask: DaskVersions;
    /** How the hub routes each session's dashboard (for `renderDaskSessionSettings`). */
    sessionDashboards: DaskSessionDashboardArgs;
}

/** Validates the args (all but the hub, which the plan does not need) and decides names and paths; throws naming `argument.<key>`. */
export function planDaskAccess(args: Omit<DaskAccessArgs, "hub">, argument = "daskAccess"): DaskAccessPlan {
    requireDnsLabel(args.facility, `${argument}.facility`);
    requireDnsLabel(args.namespace, `${argument}.namespace`);
    checkScraper(args.scraper, `${argument}.scraper`);
    check(isDnsName(args.domain), `${argument}.domain`, `"${args.domain}" is not a valid DNS name`);
    const daskPort = args.daskPort ?? 8786;
    requirePort(daskPort, `${argument}.daskPort`);
    const serviceName = args.serviceName ?? DASK_ACCESS_SERVICE;
    requireDnsLabel(serviceName, `${argument}.serviceName`);
    if (args.image !== undefined) requireImageReference(args.image, `${argument}.image`);
    const days = args.certificateValidityDays ?? 7;
    requirePositiveInteger(days, `${argument}.certificateValidityDays`);
    check(days <= 397, `${argument}.certificateValidityDays`, `${days} is more than 397 days; bundles are meant to be short-lived (default 7)`);
    const mintsPerDay = args.mintsPerDay ?? 10;
    requirePositiveInteger(mintsPerDay, `${argument}.mintsPerDay`);
    const rootCaConfigMap = args.rootCaConfigMap ?? "hepaf-root-ca";
    if (rootCaConfigMap !== false) requireDnsLabel(rootCaConfigMap, `${argument}.rootCaConfigMap`);
    if (args.rootCaSecret !== undefined) check(isDnsName(args.rootCaSecret), `${argument}.rootCaSecret`, `"${args.rootCaSecret}" is not a valid Secret name`);
    const rootCa = args.rootCaSecret !== undefined ? { secret: args.rootCaSecret } : rootCaConfigMap === false ? false : { configMap: rootCaConfigMap };
    requireDnsLabel(args.traefik.namespace, `${argument}.traefik.namespace`);
    requireDnsLabel(args.traefik.entrypoints.websecure, `${argument}.traefik.entrypoints.websecure`);
    check(args.groups.length > 0, `${argument}.groups`, "give at least one group");
    requireUnique(args.groups.map((g) => g.name), `${argument}.groups`, "group name");
    const prefix = `/services/${serviceName}`;
    const groups = args.groups.map((g, i): DaskAccessGroupPlan => {
        const a = `${argument}.groups[${i}]`;
        requireDnsLabel(g.name, `${a}.name`);
        requireDnsLabel(g.namespace, `${a}.namespace`);
        const caSecret = g.caSecretName ?? GROUP_CA_SECRET;
        check(isDnsName(caSecret), `${a}.caSecretName`, `"${caSecret}" is not a valid Secret name`);
        if (g.gateway) {
            check(/^https:\/\/\S+$/.test(g.gateway.address), `${a}.gateway.address`, `"${g.gateway.address}" is not an https:// URL`);
            check(/^gateway:\/\/\S+:\d+$/.test(g.gateway.proxyAddress), `${a}.gateway.proxyAddress`, `"${g.gateway.proxyAddress}" is not a gateway://<host>:<port> address`);
        }
        const dashboardPrefix = `${prefix}/gateways/${g.name}`;
        return {
            name: g.name,
            namespace: g.namespace,
            sessions: g.sessions ?? false,
            caSecret,
            gateway: g.gateway ? { ...g.gateway, dashboardPrefix, publicAddress: `https://${args.domain}${dashboardPrefix}` } : null,
        };
    });
    const workload = `${args.facility}-dask-access`;
    requireDnsLabel(workload, `${argument} (object name ${workload})`);
    const o = DASK_ACCESS_GROUP_OBJECTS;
    return {
        facility: args.facility,
        namespace: args.namespace,
        domain: args.domain,
        daskPort,
        serviceName,
        prefix,
        serviceUrl: `http://${workload}.${args.namespace}.svc.cluster.local:${DASK_ACCESS_PORT}`,
        names: { workload },
        groups,
        certificateValidityDays: days,
        mintsPerDay,
        rootCa,
        websecure: args.traefik.entrypoints.websecure,
        dask: resolveDaskVersions(args.daskVersions, `${argument}.daskVersions`),
        sessionDashboards: { pathPrefix: `${prefix}/sessions`, entrypoint: args.traefik.entrypoints.websecure, middlewares: [o.signIn, o.dropCredentials, o.sessionPrefix] },
    };
}

/** Where a group's gateway serves cluster dashboards, and the middlewares in front (for `DaskGateway`'s `dashboards`). */
export function gatewayDashboards(plan: DaskAccessPlan, group: string): { pathPrefix: string; middlewares: string[] } {
    const g = plan.groups.find((x) => x.name === group);
    check(g?.gateway, `${plan.names.workload}.groups`, `group "${group}" has no gateway here`);
    return { pathPrefix: g.gateway.dashboardPrefix, middlewares: [DASK_ACCESS_GROUP_OBJECTS.signIn, DASK_ACCESS_GROUP_OBJECTS.dropCredentials] };
}

/** The hub service entry of the access service: every served group may use it, and signing in needs no confirmation page. */
export function daskAccessHubService(plan: DaskAccessPlan): { name: string; url: string; groups: string[]; skipConfirm: boolean; display: boolean } {
    return { name: plan.serviceName, url: plan.serviceUrl, groups: plan.groups.map((g) => g.name), skipConfirm: true, display: true };
}

/** The values file the service reads (no secrets: the hub token and cookie secret come from its Secret). */
export function renderDaskAccessValues(plan: DaskAccessPlan): Record<string, unknown> {
    return {
        facility: plan.facility,
        domain: plan.domain,
        daskPort: plan.daskPort,
        serviceName: plan.serviceName,
        prefix: `${plan.prefix}/`,
        port: DASK_ACCESS_PORT,
        metricsPort: DASK_ACCESS_METRICS_PORT,
        certificateValidityDays: plan.certificateValidityDays,
        mintsPerDay: plan.mintsPerDay,
        rootCaFile: plan.rootCa === false ? null : `${DASK_ACCESS_ROOT_CA_DIR}/ca.crt`,
        sessionAddressTemplate: contactAddressTemplate(plan.domain, plan.daskPort),
        sessionDashboardPrefix: plan.sessionDashboards.pathPrefix,
        recordsConfigMap: DASK_ACCESS_GROUP_OBJECTS.records,
        dask: plan.dask,
        groups: Object.fromEntries(
            plan.groups.map((g) => [g.name, { namespace: g.namespace, sessions: g.sessions, caSecret: g.caSecret, gateway: g.gateway }]),
        ),
    };
}
