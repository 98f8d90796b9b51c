// Dask sessions of a facility's users: the hub-side hooks that give each notebook its scheduler
// behind the SNI front door (settings, RBAC, the shipped module). Names are explicit so they
// never collide with other modules.
export { DASK_SESSIONS_VALUES_KEY, GROUP_CA_SECRET, renderDaskSessionSettings } from "./settings";
export type { DaskSessionGroupArgs, DaskSessionSettings, DaskSessionSettingsArgs } from "./settings";
export { daskSessionRbac } from "./rbac";
export type { NamespacedRules } from "./rbac";
export { DASK_SESSIONS_MODULE, daskSessionsModuleText } from "./module";
