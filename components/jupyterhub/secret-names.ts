/** Names of the hub's secrets made in the cluster: value ids, Secret keys, environment variables (pure). */

/** Keys of the site's Secret (`secrets.siteSecret`) the hub reads, with secrets made in the cluster. */
export const SITE_SECRET_KEYS = { clientSecret: "client-secret", dummyPassword: "dummy-password", databaseUrl: "database-url" } as const;
/** Where those values reach the hub: its environment. */
export const SITE_SECRET_ENV = { clientSecret: "HEPAF_HUB_CLIENT_SECRET", dummyPassword: "HEPAF_HUB_DUMMY_PASSWORD", databaseUrl: "HEPAF_HUB_DATABASE_URL" } as const;

/** Id of a hub service's API token among the kept values (secrets made in the cluster). */
export function serviceTokenValueId(service: string): string {
    return `hub.service.${service}.token`;
}

/** Key of a hub service's API token in the hub's Secret (secrets made in the cluster). */
export function serviceTokenKey(service: string): string {
    return `service.${service}.token`;
}

/** Environment variable a service's token reaches the hub in (secrets made in the cluster). */
export function serviceTokenEnv(service: string): string {
    return `HEPAF_SERVICE_TOKEN_${service.toUpperCase().replace(/[^A-Z0-9]/g, "_")}`;
}
