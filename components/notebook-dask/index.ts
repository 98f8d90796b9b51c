// The notebook side of a group's sessions: the hepaf_dask module, its settings and pod parts.
export { SESSION_CLUSTER_KINDS } from "./args";
export type { AdaptiveArgs, DedicatedWorkerArgs, NotebookDaskArgs, NotebookGuarantee, SessionClusterKind } from "./args";
export { NotebookDask, notebookModuleSource, settingsFileText } from "./notebook-dask";
export { DEFAULT_DEDICATED_MEMORY_GIB, DEFAULT_IDLE_SECONDS, DEFAULT_INTERVAL_SECONDS, DEFAULT_MAX_WORKERS, planAdaptive, planDedicatedWorker, planNotebookDask } from "./plan";
export type { NotebookDaskPlanArgs, NotebookDaskSettings } from "./plan";
export { CLUSTER_CLASSES, labextensionEnv, NOTEBOOK_CONFIG_MAP, NOTEBOOK_FILES, NOTEBOOK_MODULE, NOTEBOOK_PYTHON_DIR, notebookDaskPodParts } from "./pod";
