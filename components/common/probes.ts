/**
 * How the serving parts' readiness is probed. A pod joins its Service (and Traefik's backends)
 * within two seconds of answering, from its first moment (no initial delay), which bounds the
 * gap of a restart or a roll. Liveness probes stay slow (each part sets its own): they restart a
 * process, readiness only routes around it.
 */

/** A part with several replicas (Traefik): three misses in a row (six seconds) route around a replica. */
export const READINESS_TIMING = { initialDelaySeconds: 0, periodSeconds: 2, failureThreshold: 3 } as const;

/**
 * A part with one replica (the hub, its proxy, the access service, a gateway's API and
 * controller): once Ready it stays in its Service through slow answers (a busy hub), since
 * taking the only replica out helps nobody; its liveness probe restarts it if it hangs. The
 * same choice as zero-to-jupyterhub's hub and proxy (failureThreshold 1000).
 */
export const SINGLE_REPLICA_READINESS = { ...READINESS_TIMING, failureThreshold: 1000 } as const;
