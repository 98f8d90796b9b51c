import { SessionClusterKind } from "./args";

/** Where the module and its settings are mounted in a notebook pod; on the pod's PYTHONPATH. */
export const NOTEBOOK_PYTHON_DIR = "/etc/hepaf/python";
/** The module (`import hepaf_dask`). */
export const NOTEBOOK_MODULE = "hepaf_dask";
/** File names in the ConfigMap (and the mounted directory). */
export const NOTEBOOK_FILES = { module: `${NOTEBOOK_MODULE}.py`, settings: `${NOTEBOOK_MODULE}.json` } as const;
/** The ConfigMap in each group namespace. */
export const NOTEBOOK_CONFIG_MAP = "hepaf-notebook-dask";
/** The module's cluster class for each kind: what dask-labextension's "new cluster" makes. */
export const CLUSTER_CLASSES: Record<SessionClusterKind, string> = { htcondor: "HTCondorSessionCluster", gateway: "GatewaySessionCluster" };

/** The volume, mount and environment that put the module on a group's notebook pods (nothing secret). */
export function notebookDaskPodParts(configMapName = NOTEBOOK_CONFIG_MAP) {
    return {
        volumes: [{ name: "hepaf-python", configMap: { name: configMapName, items: [NOTEBOOK_FILES.module, NOTEBOOK_FILES.settings].map((f) => ({ key: f, path: f })) } }],
        volumeMounts: [{ name: "hepaf-python", mountPath: NOTEBOOK_PYTHON_DIR, readOnly: true }],
        env: { PYTHONPATH: NOTEBOOK_PYTHON_DIR } as Record<string, string>,
    };
}

/**
 * dask-labextension's factory for a group: the module's class of the group's kind, asked to
 * adapt with the group's defaults (`kwargs.adapt`), so "new cluster" makes the group's cluster,
 * configured, scaling with the work. dask reads `DASK_LABEXTENSION__FACTORY__KWARGS__ADAPT`
 * as the literal `True`.
 */
export function labextensionEnv(kind: SessionClusterKind): Record<string, string> {
    return {
        DASK_LABEXTENSION__FACTORY__MODULE: NOTEBOOK_MODULE,
        DASK_LABEXTENSION__FACTORY__CLASS: CLUSTER_CLASSES[kind],
        DASK_LABEXTENSION__FACTORY__KWARGS__ADAPT: "True",
    };
}
