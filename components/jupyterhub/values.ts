import { gatewayServiceName } from "../common";
import type { DaskSessionSettings } from "../dask-sessions";
import { HubPlan } from "./validate";
import { serviceTokenEnv, SITE_SECRET_ENV } from "./secret-names";


/** The user KubeSpawner runs notebooks as (jovyan of the JupyterHub user images). */
export const NOTEBOOK_UID = 1000;
/**
 * The values file the hub's jupyterhub_config.py reads: everything the config needs that is
 * not a secret, rendered from the validated plan by a serializer (JSON). Secrets go to
 * {@link renderHubSecrets} and a Kubernetes Secret, never here.
 */

/** Where the files are mounted in the hub container. */
export const HUB_CONFIG_DIR = "/usr/local/etc/jupyterhub";
/** File name of the values file in the ConfigMap. */
export const HUB_VALUES_FILE = "values.json";
/** Directory the Secret is mounted at. */
export const HUB_SECRET_DIR = "/usr/local/etc/jupyterhub/secret";
/** File name of the secrets file in the Secret. */
export const HUB_SECRETS_FILE = "secrets.json";
/** Where the sqlite database lives in the hub container. */
export const HUB_DATA_DIR = "/srv/jupyterhub";

/** Output values that are not secret and that the values file needs, resolved. */
export interface ResolvedHubInputs {
    /** Whether an external database URL is given (the URL itself is in the secrets file). */
    externalDatabase: boolean;
    /** Settings of the dask-sessions hooks, written under `daskSessions`. Default none. */
    daskSessions?: DaskSessionSettings;
    /** With secrets made in the cluster: what the secrets file held that is not secret (plain text, checked by the plan). */
    clusterSecrets?: { clientId?: string; groupEnv: Record<string, Record<string, string>> };
}

/** Secret values, resolved, for the secrets file. */
export interface ResolvedHubSecrets {
    /** OAuth client id: not secret by nature, but it may arrive as a Pulumi secret, so it lives here. */
    clientId?: string;
    clientSecret?: string;
    dummyPassword?: string;
    databaseUrl?: string;
    /** API token of each registered hub service, by service name. */
    serviceTokens: Record<string, string>;
    /** Environment of each group's user servers, by group name. */
    groupEnv: Record<string, Record<string, string>>;
}

/** In-cluster URL of the hub's API (what services such as a Dask Gateway call). */
export function hubApiUrl(plan: Pick<HubPlan, "names" | "namespace" | "hubPort">): string {
    return `http://${plan.names.hubService}.${plan.namespace}.svc.cluster.local:${plan.hubPort}/hub/api`;
}

/** Renders the values object (to be serialized with {@link valuesFileText}). */
export function renderHubValues(plan: HubPlan, inputs: ResolvedHubInputs): Record<string, unknown> {
    const login = plan.login;
    const auth: Record<string, unknown> = {
        type: login.type,
        adminUsers: plan.admins,
        allowedUsers: plan.allowedUsers,
        callbackUrl: `https://${plan.domain}/hub/oauth_callback`,
    };
    if (login.type === "generic-oauth") {
        Object.assign(auth, {
            issuer: login.issuer ?? null,
            authorizeUrl: login.authorizeUrl ?? null,
            tokenUrl: login.tokenUrl ?? null,
            userdataUrl: login.userdataUrl ?? null,
            scopes: login.scopes ?? ["openid", "email", "profile"],
            usernameClaim: login.usernameClaim ?? "email",
            groupsClaim: login.groupsClaim ?? "groups",
            loginService: login.loginService ?? "OAuth 2.0",
        });
    } else if (login.type === "github") {
        Object.assign(auth, { allowedOrganizations: login.allowedOrganizations ?? [] });
    } else {
        Object.assign(auth, { passwordRequired: login.password !== undefined });
    }
    return {
        facility: plan.facility,
        namespace: plan.namespace,
        hub: {
            bindPort: plan.hubPort,
            connectUrl: `http://${plan.names.hubService}.${plan.namespace}.svc.cluster.local:${plan.hubPort}`,
            apiUrl: hubApiUrl(plan),
            publicUrl: `https://${plan.domain}`,
            database: inputs.externalDatabase ? { type: "url" } : { type: "sqlite", path: `${HUB_DATA_DIR}/jupyterhub.sqlite` },
            concurrentSpawnLimit: plan.concurrentSpawnLimit,
            namedServerLimit: plan.namedServerLimit,
        },
        proxy: { apiUrl: `http://${plan.names.proxyApi}.${plan.namespace}.svc.cluster.local:${plan.proxyApiPort}` },
        auth,
        groups: plan.groups.map((g) => ({
            name: g.name,
            namespace: g.namespace,
            claimValues: g.claimValues,
            users: g.users,
            pod: g.pod,
            profiles: g.profiles.map((p) => ({
                slug: p.slug,
                displayName: p.displayName,
                description: p.description ?? null,
                image: p.image,
                cmd: p.cmd ?? null,
                cpuGuarantee: p.cpuGuarantee ?? null,
                cpuLimit: p.cpuLimit ?? null,
                memoryGuarantee: p.memoryGuarantee ?? null,
                memoryLimit: p.memoryLimit ?? null,
                gpus: p.gpus,
                nodeSelector: p.nodeSelector,
                default: p.default,
            })),
        })),
        spawner: {
            startTimeout: plan.startTimeoutSeconds,
            httpTimeout: plan.httpTimeoutSeconds,
            defaultUrl: plan.defaultUrl,
            cmd: plan.notebookCmd,
            uid: NOTEBOOK_UID,
            fsGid: 100,
            storage: plan.storage.type === "none"
                ? { type: "none" }
                : {
                      type: "dynamic",
                      storageClass: plan.storage.storageClass ?? null,
                      capacity: plan.storage.capacity,
                      mountPath: plan.storage.mountPath,
                  },
        },
        services: plan.services.map((s) => ({
            name: s.name,
            url: s.url ?? null,
            groups: s.accessGroups,
            display: s.display,
            skipConfirm: s.skipConfirm,
            scopes: s.scopes,
        })),
        culler: plan.culler,
        // Where the hub finds what is secret: the secrets file, or (made in the cluster) its environment.
        secrets: inputs.clusterSecrets
            ? {
                  from: "environment",
                  clientId: inputs.clusterSecrets.clientId ?? null,
                  clientSecretEnv: SITE_SECRET_ENV.clientSecret,
                  dummyPasswordEnv: SITE_SECRET_ENV.dummyPassword,
                  databaseUrlEnv: SITE_SECRET_ENV.databaseUrl,
                  serviceTokenEnv: Object.fromEntries(plan.services.map((s) => [s.name, serviceTokenEnv(s.name)])),
                  groupEnv: inputs.clusterSecrets.groupEnv,
              }
            : { from: "file" },
        ...(inputs.daskSessions ? { daskSessions: inputs.daskSessions } : {}),
    };
}

/** The values file's text. */
export function valuesFileText(values: Record<string, unknown>): string {
    return JSON.stringify(values, null, 2) + "\n";
}

/** The secrets file's text (for the Secret only). */
export function renderHubSecrets(secrets: ResolvedHubSecrets): string {
    return JSON.stringify(
        {
            clientId: secrets.clientId ?? null,
            clientSecret: secrets.clientSecret ?? null,
            dummyPassword: secrets.dummyPassword ?? null,
            databaseUrl: secrets.databaseUrl ?? null,
            serviceTokens: secrets.serviceTokens,
            groupEnv: secrets.groupEnv,
        },
        null,
        2,
    ) + "\n";
}

/** The conventional service entry of a group's Dask Gateway, for callers composing a facility. */
export function gatewayHubService(group: string, url: string): { name: string; url: string; group: string } {
    return { name: gatewayServiceName(group), url, group };
}
