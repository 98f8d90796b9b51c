import * as k8s from "@pulumi/kubernetes";
import { Knobs } from "./condor-config";
import { JobqueueSettings } from "./dask-config";
import {
    BATCH_WORKER_DIR, CLIENT_CONFIG_KEYS, CONDOR_CONFIG_DIR, CONDOR_CONFIG_FILE, DASK_CONFIG_DIR, DASK_ROOT_CONFIG, TOKENS_DIR, TOKENS_SOURCE_DIR,
} from "./paths";
import { TOKEN_INIT_IMAGE } from "./version";

/** The submit client's condor_config knobs: where the pool is, and IDTOKENS only. */
export function clientKnobs(args: { collector: string; scheddName: string; trustDomain: string; uidDomain: string }): Knobs {
    return [
        ["CONDOR_HOST", args.collector],
        ["COLLECTOR_HOST", "$(CONDOR_HOST)"],
        ["SCHEDD_HOST", args.scheddName],
        ["TRUST_DOMAIN", args.trustDomain],
        ["UID_DOMAIN", args.uidDomain],
        ["SEC_DEFAULT_AUTHENTICATION_METHODS", "IDTOKENS"],
        ["SEC_CLIENT_AUTHENTICATION_METHODS", "IDTOKENS"],
        ["SEC_TOKEN_DIRECTORY", TOKENS_DIR],
        ["SEC_DEFAULT_ENCRYPTION", "REQUIRED"],
        ["SEC_DEFAULT_INTEGRITY", "REQUIRED"],
    ];
}

/** What a group's user pods need to submit to a pool; add each part to the pod spec. */
export interface HTCondorClientConfig {
    /** The pool (component) name. */
    pool: string;
    /** The group namespace the objects live in. */
    namespace: string;
    /** ConfigMap with `condor_config`, `jobqueue.yaml`, `tls.yaml` and the batch-worker launcher (no secrets). */
    configMapName: string;
    /** Secret with the group's IDTOKEN, key = the pool name. */
    tokenSecretName: string;
    /** Volumes to add to the pod. */
    volumes: k8s.types.input.core.v1.Volume[];
    /** Mounts to add to the notebook container. */
    volumeMounts: k8s.types.input.core.v1.VolumeMount[];
    /** Init containers to add to the pod (installs the token with mode 0600). */
    initContainers: k8s.types.input.core.v1.Container[];
    /** Environment of the notebook container (`CONDOR_CONFIG`, `DASK_ROOT_CONFIG`). */
    env: { name: string; value: string }[];
    /** The group's dask-jobqueue settings (also in the ConfigMap's `jobqueue.yaml`). */
    jobqueue: JobqueueSettings;
}

/**
 * The init step: copies every token file of the mounted Secret into the token directory with
 * mode 0600, owned by the notebook's user (HTCondor ignores token files others can read). It
 * runs as that user, so the copies are that user's: KubeSpawner sets the user on the notebook
 * container only, not on the pod, so the init container must say it itself (without it, a
 * `runAsNonRoot` container of a root image is refused, and as root the copies are unreadable).
 */
export const TOKEN_INSTALL_SCRIPT = [
    "set -eu",
    "umask 077",
    'for f in "$SRC"/*; do',
    '  [ -f "$f" ] || continue',
    '  install -m 0600 "$f" "$DST/$(basename "$f")"',
    "done",
].join("\n");

/** The user of JupyterHub's user images (jovyan), whom KubeSpawner runs notebooks as by default. */
export const DEFAULT_NOTEBOOK_UID = 1000;

/** Volumes, mounts, init container and env for a group's user pods; `notebookUid` is the user the notebook runs as, `initImage` the init step's image. */
export function podParts(
    configMapName: string, tokenSecretName: string, notebookUid = DEFAULT_NOTEBOOK_UID, initImage: string = TOKEN_INIT_IMAGE,
): Pick<HTCondorClientConfig, "volumes" | "volumeMounts" | "initContainers" | "env"> {
    const volumes: k8s.types.input.core.v1.Volume[] = [
        { name: "htcondor-config", configMap: { name: configMapName, items: [{ key: CLIENT_CONFIG_KEYS.condor, path: "condor_config" }] } },
        {
            name: "dask-config",
            configMap: {
                name: configMapName,
                items: [
                    { key: CLIENT_CONFIG_KEYS.jobqueue, path: "jobqueue.yaml" },
                    { key: CLIENT_CONFIG_KEYS.tls, path: "tls.yaml" },
                ],
            },
        },
        { name: "htcondor-job", configMap: { name: configMapName, items: [{ key: CLIENT_CONFIG_KEYS.batchWorker, path: CLIENT_CONFIG_KEYS.batchWorker }] } },
        { name: "htcondor-tokens-source", secret: { secretName: tokenSecretName, defaultMode: 0o440 } },
        { name: "htcondor-tokens", emptyDir: { medium: "Memory", sizeLimit: "1Mi" } },
    ];
    const volumeMounts: k8s.types.input.core.v1.VolumeMount[] = [
        { name: "htcondor-config", mountPath: CONDOR_CONFIG_DIR, readOnly: true },
        { name: "dask-config", mountPath: DASK_CONFIG_DIR, readOnly: true },
        { name: "htcondor-job", mountPath: BATCH_WORKER_DIR, readOnly: true },
        { name: "htcondor-tokens", mountPath: TOKENS_DIR },
    ];
    const initContainers: k8s.types.input.core.v1.Container[] = [
        {
            name: "htcondor-tokens",
            image: initImage,
            command: ["sh", "-c", TOKEN_INSTALL_SCRIPT],
            env: [
                { name: "SRC", value: TOKENS_SOURCE_DIR },
                { name: "DST", value: TOKENS_DIR },
            ],
            volumeMounts: [
                { name: "htcondor-tokens-source", mountPath: TOKENS_SOURCE_DIR, readOnly: true },
                { name: "htcondor-tokens", mountPath: TOKENS_DIR },
            ],
            resources: { requests: { cpu: "10m", memory: "16Mi" }, limits: { cpu: "100m", memory: "32Mi" } },
            securityContext: { runAsUser: notebookUid, allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, runAsNonRoot: true, capabilities: { drop: ["ALL"] } },
        },
    ];
    const env = [
        { name: "CONDOR_CONFIG", value: CONDOR_CONFIG_FILE },
        { name: "DASK_ROOT_CONFIG", value: DASK_ROOT_CONFIG },
    ];
    return { volumes, volumeMounts, initContainers, env };
}

/** A group's pod parts in the shape the hub adds to its servers (plain env as a map); `notebookUid` as for {@link podParts}, the init image the group's pool's. */
export function clientPodParts(group: { configMapName: string; tokenSecretName: string; tokenInitImage?: string }, notebookUid = DEFAULT_NOTEBOOK_UID) {
    const parts = podParts(group.configMapName, group.tokenSecretName, notebookUid, group.tokenInitImage);
    return { ...parts, env: Object.fromEntries(parts.env.map((e) => [e.name, e.value])) as Record<string, string> };
}
