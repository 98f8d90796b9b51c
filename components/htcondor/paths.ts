/** Where things live inside a user pod. One place, so the TS side and the hub module agree. */

/** Directory of the client condor_config (from the group's ConfigMap). */
export const CONDOR_CONFIG_DIR = "/etc/hepaf/condor";
/** The condor_config file; the pod's `CONDOR_CONFIG` points at it. */
export const CONDOR_CONFIG_FILE = `${CONDOR_CONFIG_DIR}/condor_config`;
/** Where the token Secret is mounted, read only by the init step. */
export const TOKENS_SOURCE_DIR = "/etc/hepaf/condor-tokens";
/**
 * Where tokens are installed with mode 0600 (SEC_TOKEN_DIRECTORY). A memory-backed emptyDir
 * rather than `~/.condor/tokens.d`: it does not depend on the image's home directory, and
 * the token never lands on the user's persistent volume.
 */
export const TOKENS_DIR = "/var/run/hepaf/condor/tokens.d";
/** Directory of the group's Dask YAML files (jobqueue.yaml, tls.yaml); the pod's `DASK_ROOT_CONFIG`. */
export const DASK_CONFIG_DIR = "/etc/hepaf/dask";
/** `DASK_ROOT_CONFIG`: Dask reads `<this>/*.yaml` (lowest priority). */
export const DASK_ROOT_CONFIG = DASK_CONFIG_DIR;
/** Where the hub mounts the user's Dask TLS Secret (ca.crt, tls.crt, tls.key). */
export const DASK_TLS_DIR = "/etc/hepaf/dask-tls";
/** File names in the TLS Secret (a `kubernetes.io/tls` Secret plus `ca.crt`). */
export const DASK_TLS_FILES = { ca: "ca.crt", cert: "tls.crt", key: "tls.key" } as const;
/** Keys of the group client ConfigMap. */
export const CLIENT_CONFIG_KEYS = { condor: "condor_config", jobqueue: "jobqueue.yaml", tls: "tls.yaml", batchWorker: "hepaf_batch_worker.py" } as const;
/**
 * Where the batch-worker launcher (`hepaf_batch_worker.py`, shipped next to this file) is
 * mounted in a user pod; every worker job transfers it and starts its worker with it
 * (`python -m hepaf_batch_worker`, from the job's sandbox), which first checks the worker's Dask.
 */
export const BATCH_WORKER_DIR = "/etc/hepaf/condor-job";
/** The launcher's module name (its file is `<name>.py`). */
export const BATCH_WORKER_MODULE = "hepaf_batch_worker";
/**
 * Ports a container-universe worker listens on inside its container; HTCondor maps each to a
 * port of the node (`container_service_names`), which the launcher reads from the job ad.
 */
export const BATCH_WORKER_CONTAINER_PORTS = { dask: 8786 } as const;
/** Port of the notebook's Dask scheduler and of its dashboard. */
export const SCHEDULER_PORT = 8786;
export const DASHBOARD_PORT = 8787;
/**
 * Where the hub mounts the user's `session.yaml` (the session's contact address), and the
 * pod's `DASK_CONFIG`. A file rather than a `DASK_...` environment variable: Dask reads
 * environment keys with '_' where dask-jobqueue's defaults use '-' (`scheduler-options`), and
 * the two spellings do not merge.
 */
export const DASK_SESSION_DIR = "/etc/hepaf/dask-session";
/** Key of the session config in the user's TLS Secret. */
export const DASK_SESSION_FILE = "session.yaml";
