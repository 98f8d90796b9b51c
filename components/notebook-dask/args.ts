/** What kind of Dask cluster a group's sessions make by default. */
export const SESSION_CLUSTER_KINDS = ["htcondor", "gateway"] as const;
/** `htcondor`: a `dask_jobqueue.HTCondorCluster` whose scheduler runs in the notebook; `gateway`: a cluster on the group's Dask Gateway. */
export type SessionClusterKind = (typeof SESSION_CLUSTER_KINDS)[number];

/** Adaptive scaling of a user's cluster, within the group's limits. */
export interface AdaptiveArgs {
    /** Workers adaptive scaling keeps at least (batch workers; the dedicated worker is extra). Default 0. */
    minimum?: number;
    /** Most workers of one user's cluster: the default maximum of `adapt()`, and the limit a larger `adapt`/`scale` is clipped to (with a warning). Default 10. */
    maximum?: number;
    /** Most cores of those workers; lowers the worker limit to `floor(maxCores / cores per worker)`. Default none. */
    maxCores?: number;
    /** Seconds a worker may stay idle before adaptive scaling removes it (HTCondor sessions; a gateway scales down after its own period). Default 60. */
    idleSeconds?: number;
    /** Seconds between two adaptive decisions (HTCondor sessions). Default 1. */
    intervalSeconds?: number;
}

/** The worker that runs in the notebook pod itself, next to the session's scheduler (HTCondor sessions). */
export interface DedicatedWorkerArgs {
    /** Its threads; 0 for no dedicated worker. At most the smallest CPU guarantee of the group's profiles (rounded down, at least 1). Default 1. */
    cores?: number;
    /** Its memory limit, GiB; at most the smallest memory guarantee of the group's profiles. Default half that guarantee, or 2 where no profile states one. */
    memoryGiB?: number;
}

/** A notebook's guarantees the dedicated worker must fit in. */
export interface NotebookGuarantee {
    /** The smallest CPU guarantee of the group's profiles, cores. Default none stated. */
    cpu?: number;
    /** The smallest memory guarantee of the group's profiles, GiB. Default none stated. */
    memoryGiB?: number;
}

import type { DaskVersions } from "../images";

/** Arguments of {@link NotebookDask}: one group's session Dask defaults. */
export interface NotebookDaskArgs {
    /** Group name (a DNS label). Required. */
    group: string;
    /** The group namespace the ConfigMap goes to. Required. */
    namespace: string;
    /** The default cluster of the group's sessions. Required. */
    kind: SessionClusterKind;
    /** Adaptive scaling defaults and limits. Default: 0 to 10 workers, removed after 60 s idle. */
    adaptive?: AdaptiveArgs;
    /** The dedicated worker (HTCondor sessions only). Default one core (none for gateway sessions). */
    dedicatedWorker?: DedicatedWorkerArgs;
    /** Cores of one worker (the jobqueue settings' or the gateway's), to turn `maxCores` into workers. Default 1. */
    workerCores?: number;
    /** The notebooks' guarantees. Default none stated. */
    notebook?: NotebookGuarantee;
    /**
     * The Dask the group's batch and gateway workers run (Python minor and the packages Dask
     * compares). `hepaf_dask` warns (`VersionWarning`) when a notebook's own differs. Default
     * the facility's images' `DASK_VERSIONS` (`components/images`).
     */
    daskVersions?: DaskVersions;
    /** Labels of the facility (`app.kubernetes.io/instance`, `hepaf.io/facility`). Required. */
    facility: string;
}
