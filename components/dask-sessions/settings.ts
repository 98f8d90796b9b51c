import { check, isDnsName, requireDnsLabel, requirePort, requirePositiveInteger, requireUnique, SCRAPE_JOBS, SCRAPE_LABEL } from "../common";
// Where the session's files sit in the user pod and the contact address: the HTCondor client's
// layout (workers on the pool read the same TLS files), so they come from there.
import { contactAddressTemplate } from "../htcondor/dask-config";
import { DASHBOARD_PORT, DASK_SESSION_DIR, DASK_SESSION_FILE, DASK_TLS_DIR, SCHEDULER_PORT } from "../htcondor/paths";

/**
 * Settings of the hub-side module `dask_sessions.py` (shipped next to this file), which at
 * spawn issues the user's certificate and creates the user's Secret, Service and SNI route,
 * and removes them at stop. The hub writes these settings into its values file under
 * {@link DASK_SESSIONS_VALUES_KEY}; the module reads them with `settings_from_values(values)`.
 */

/** Key of the settings in the hub values file. */
export const DASK_SESSIONS_VALUES_KEY = "daskSessions";
/** Default name of the group CA Secret (kubernetes.io/tls: tls.crt, tls.key, ca.crt) in each group namespace. */
export const GROUP_CA_SECRET = "hepaf-group-ca-keypair";

/** One group whose sessions get a notebook scheduler behind the SNI front door. */
export interface DaskSessionGroupArgs {
    /** Group name: the JupyterHub group whose members get sessions. Required. */
    name: string;
    /** The group namespace (where user pods, Secrets, Services and routes live). Required. */
    namespace: string;
    /** The group CA Secret. Default {@link GROUP_CA_SECRET}. */
    caSecretName?: string;
}

/** Session dashboards over HTTPS through Traefik, behind the group's middlewares (see `DaskAccess`). */
export interface DaskSessionDashboardArgs {
    /** Public path prefix: a session's dashboard is at `https://<domain><pathPrefix>/<escaped-user>/`. Required. */
    pathPrefix: string;
    /** The Traefik HTTPS entrypoint name (`traefik.entrypoints.websecure`). Required. */
    entrypoint: string;
    /** Names of the Middlewares in each group namespace the route goes through, in order (sign-in, then the prefix stripped). Required. */
    middlewares: string[];
}

/** Inputs of {@link renderDaskSessionSettings}. */
export interface DaskSessionSettingsArgs {
    /** The facility domain; sessions are `<escaped-user>.dask.<domain>`. Required. */
    domain: string;
    /** The public Dask port (Traefik's Dask entrypoint). Default 8786. */
    daskPort?: number;
    /** The Traefik TCP entrypoint name (`traefik.entrypoints.dask`). Required. */
    entrypoint: string;
    /** Labels the watching Traefik selects routes on (`traefik.routeLabels`). Default none. */
    routeLabels?: Record<string, string>;
    /** Groups. Required, at least one. */
    groups: DaskSessionGroupArgs[];
    /** Validity of issued user certificates in days. Default 30. */
    certificateValidityDays?: number;
    /** Route each session's dashboard through the front door (and set `distributed.dashboard.link`). Default none (not routed). */
    dashboards?: DaskSessionDashboardArgs;
}

/** The dashboard settings as the module reads them. */
export interface DaskSessionDashboards {
    /** Public host name the dashboards are served on (the facility domain). */
    host: string;
    /** Public path prefix: a session's dashboard is at `<pathPrefix>/<user>/`. */
    pathPrefix: string;
    /** Traefik's HTTPS entrypoint the dashboard routes attach to. */
    entrypoint: string;
    /** Middlewares each dashboard route goes through first, in order (e.g. sign-in with the hub). */
    middlewares: string[];
    /** `https://<domain><pathPrefix>/{user}/status`, the user part for the hub to fill. */
    linkTemplate: string;
}

/** The settings as the module reads them (JSON/YAML-safe, camelCase). */
export interface DaskSessionSettings {
    /** The facility domain; sessions are `<escaped-user>.dask.<domain>`. */
    domain: string;
    /** The public Dask port (Traefik's Dask entrypoint). */
    daskPort: number;
    /** The Traefik TCP entrypoint the sessions' SNI routes attach to. */
    entrypoint: string;
    /** Labels put on every session route, for the watching Traefik to select it. */
    routeLabels: Record<string, string>;
    /** Port the notebook's scheduler listens on for Dask (TLS). */
    schedulerPort: number;
    /** Port of the scheduler's dashboard in the notebook pod. */
    dashboardPort: number;
    /** Labels of each session's Service besides the module's own: the scrape label (`hepaf.io/scrape: hepaf-session-scheduler`) that monitoring discovery selects. */
    serviceLabels: Record<string, string>;
    /** Validity of issued user certificates in days. */
    certificateValidityDays: number;
    /** Where the session's TLS files are mounted in the notebook pod. */
    tlsMountPath: string;
    /** Directory of the session's Dask config in the notebook pod. */
    sessionConfigDir: string;
    /** The session's Dask config file in that directory. */
    sessionConfigFile: string;
    /** The public address schedulers advertise, with the user part for the hub to fill (`tls://{user}.dask.<domain>:<port>`). */
    contactAddressTemplate: string;
    /** Each group's namespace and the Secret of its CA, by group name. */
    groups: Record<
        string,
        {
            /** The group namespace (its sessions' Services and routes). */
            namespace: string;
            /** The Secret of the group CA that signs its sessions' certificates. */
            caSecret: string;
        }
    >;
    /** Dashboard routes, or null when dashboards are not routed. */
    dashboards: DaskSessionDashboards | null;
}

/** Renders (pure) the module's settings, naming the argument on bad input. */
export function renderDaskSessionSettings(args: DaskSessionSettingsArgs, argument = "daskSessions"): DaskSessionSettings {
    check(isDnsName(args.domain), `${argument}.domain`, `"${args.domain}" is not a valid DNS name`);
    const daskPort = args.daskPort ?? 8786;
    requirePort(daskPort, `${argument}.daskPort`);
    requireDnsLabel(args.entrypoint, `${argument}.entrypoint`);
    const validity = args.certificateValidityDays ?? 30;
    requirePositiveInteger(validity, `${argument}.certificateValidityDays`);
    check(args.groups.length > 0, `${argument}.groups`, "give at least one group");
    requireUnique(args.groups.map((g) => g.name), `${argument}.groups`, "group name");
    const groups: DaskSessionSettings["groups"] = {};
    args.groups.forEach((g, i) => {
        requireDnsLabel(g.name, `${argument}.groups[${i}].name`);
        requireDnsLabel(g.namespace, `${argument}.groups[${i}].namespace`);
        const caSecret = g.caSecretName ?? GROUP_CA_SECRET;
        check(isDnsName(caSecret), `${argument}.groups[${i}].caSecretName`, `"${caSecret}" is not a valid Secret name`);
        groups[g.name] = { namespace: g.namespace, caSecret };
    });
    const dashboards = args.dashboards ? sessionDashboards(args.domain, args.dashboards, `${argument}.dashboards`) : null;
    return {
        domain: args.domain,
        daskPort,
        entrypoint: args.entrypoint,
        routeLabels: { ...args.routeLabels },
        schedulerPort: SCHEDULER_PORT,
        dashboardPort: DASHBOARD_PORT,
        serviceLabels: { [SCRAPE_LABEL]: SCRAPE_JOBS.sessionScheduler },
        certificateValidityDays: validity,
        tlsMountPath: DASK_TLS_DIR,
        sessionConfigDir: DASK_SESSION_DIR,
        sessionConfigFile: DASK_SESSION_FILE,
        contactAddressTemplate: contactAddressTemplate(args.domain, daskPort),
        groups,
        dashboards,
    };
}

/** A URL path prefix: starts with '/', no trailing '/', only unreserved characters between slashes. */
const PATH_PREFIX = /^(\/[A-Za-z0-9._~-]+)+$/;

function sessionDashboards(domain: string, d: DaskSessionDashboardArgs, argument: string): DaskSessionDashboards {
    check(PATH_PREFIX.test(d.pathPrefix), `${argument}.pathPrefix`, `"${d.pathPrefix}" is not a path prefix such as "/services/dask/sessions" (starts with '/', no trailing '/')`);
    requireDnsLabel(d.entrypoint, `${argument}.entrypoint`);
    d.middlewares.forEach((m, i) => requireDnsLabel(m, `${argument}.middlewares[${i}]`));
    return { host: domain, pathPrefix: d.pathPrefix, entrypoint: d.entrypoint, middlewares: [...d.middlewares], linkTemplate: `https://${domain}${d.pathPrefix}/{user}/status` };
}
