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
