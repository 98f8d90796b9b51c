// Dask sessions of a facility's users: the hub-side hooks that give each notebook its scheduler
// behind the SNI front door (settings, RBAC, the shipped module), and the Dask access service
// (bundles for laptops, dashboard sign-in). Names are explicit so they never collide.
export { DASK_SESSIONS_VALUES_KEY, GROUP_CA_SECRET, renderDaskSessionSettings } from "./settings";
export type { DaskSessionDashboardArgs, DaskSessionDashboards, DaskSessionGroupArgs, DaskSessionSettings, DaskSessionSettingsArgs } from "./settings";
export { daskSessionRbac } from "./rbac";
export type { NamespacedRules } from "./rbac";
export { DASK_SESSIONS_MODULE, daskSessionsModuleText } from "./module";
export { DaskAccess, daskAccessServiceText } from "./access";
export type { DaskAccessArgs, DaskAccessGroupArgs, DaskAccessHubRef, DaskAccessTraefikRef } from "./access-args";
export {
    DASK_ACCESS_CONFIG_DIR, DASK_ACCESS_FILES, DASK_ACCESS_GROUP_OBJECTS, DASK_ACCESS_METRICS_PORT, DASK_ACCESS_PORT, DASK_ACCESS_ROOT_CA_DIR, DASK_ACCESS_SECRET_KEYS, DASK_ACCESS_SERVICE,
    daskAccessHubService, daskAccessKeptSecrets, gatewayDashboards, planDaskAccess, renderDaskAccessValues,
} from "./access-plan";
export type { DaskAccessGroupPlan, DaskAccessPlan } from "./access-plan";
export { daskAccessRbac } from "./access-rbac";
