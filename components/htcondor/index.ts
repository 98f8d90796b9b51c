// Public API of the HTCondor module; names are explicit so they never collide with other modules.
export type {
    ExternalPoolArgs, HTCondorExecuteArgs, HTCondorGroupArgs, HTCondorPoolArgs, InClusterPoolArgs, MintedTokens, ProvidedTokens, RemoteTokens, SiteTokens, TokenSource,
} from "./args";
export { batchWorkerSource, HTCondorPool } from "./pool";
export type { HTCondorClientConfig } from "./client";
export { clientKnobs, clientPodParts, DEFAULT_NOTEBOOK_UID, TOKEN_INSTALL_SCRIPT } from "./client";
export { isKnobName, renderCondorConfig } from "./condor-config";
export type { KnobValue, Knobs } from "./condor-config";
export { BATCH_WORKER_SETTINGS_ENV, condorEnvironment, containerPortDirectives, contactAddressTemplate, daskTlsConfig, jobqueueSettings, renderDaskTlsYaml, renderJobqueueYaml, WORKER_NETWORKS, WORKER_UNIVERSES } from "./dask-config";
export type { BatchWorkerSettings, HTCondorWorkerArgs, JobqueueSettings, WorkerNetwork, WorkerUniverse } from "./dask-config";
export { ROLE_SCOPES, RUNS_AS_ROOT_ANNOTATION } from "./in-cluster";
export * as htcondorPaths from "./paths";
export { planPool, POOL_MODES, TOKEN_SOURCES } from "./plan";
export { AUTHZ_LEVELS, jwtKey, mintToken, POOL_KEY_ID, scopeClaim, SUBMIT_SCOPES, unscramble } from "./tokens";
export type { AuthzLevel, TokenClaims } from "./tokens";
export type { InClusterPlan, PoolGroupPlan, PoolPlan, PoolTokenPlan } from "./plan";
export { DEFAULT_WORKER_IMAGE, HTCONDOR_IMAGE_TAG, HTCONDOR_PORT, htcondorImage, TOKEN_INIT_IMAGE } from "./version";
export { poolKeptSecrets } from "./kept";
