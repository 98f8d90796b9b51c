/**
 * The size goals the bench prints beside its figures (and the unit tier holds, since counts are
 * exact): what one more group may add to a facility's state.
 */

/**
 * Resources one group adds (its namespace, CA, gateway, HTCondor pool and its parts in the hub,
 * Traefik and the Dask access service), in the bench's shape: every group with profiles, a
 * gateway and a pool of its own. 48 before namespaced grants were declared once per facility.
 */
export const RESOURCES_PER_GROUP_GOAL = 41;

/** The many-users benchmark's goals (bench/many-users.ts). */
export const MANY_USERS_GOALS = {
    /** Spawns that fail (a refusal the hub asks to retry, and which then succeeds, is no failure). */
    failedSpawns: 0,
    /** p99 of a session's SNI route served by Traefik after its scheduler listens, at N = 100 (ms). */
    routeAfterReadyP99Ms: 1000,
    /** The N the route goal holds at. */
    routeGoalAtN: 100,
    /** Traefik's resident memory per session route, both replicas together (MiB): 1,000 sessions in 100 MiB. */
    traefikMiBPerRoute: 0.1,
    /** The hub's CPU per spawn, each user's whole way from sign-in to the server stopped (s): 100 spawns in under a minute of one core. */
    hubCpuSecondsPerSpawn: 0.5,
};
