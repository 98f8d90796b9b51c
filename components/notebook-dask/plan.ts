import { check, requireDnsLabel, requireOneOf } from "../common";
import { DaskVersions, resolveDaskVersions } from "../images";
import { AdaptiveArgs, DedicatedWorkerArgs, NotebookGuarantee, SESSION_CLUSTER_KINDS, SessionClusterKind } from "./args";

/** Default most workers of one user's cluster. */
export const DEFAULT_MAX_WORKERS = 10;
/** Default seconds of idleness before a worker is removed. */
export const DEFAULT_IDLE_SECONDS = 60;
/** Default seconds between adaptive decisions. */
export const DEFAULT_INTERVAL_SECONDS = 1;
/** Memory of the dedicated worker where no profile states a guarantee, GiB. */
export const DEFAULT_DEDICATED_MEMORY_GIB = 2;

const GiB = 2 ** 30;

/** The settings `hepaf_dask.py` reads (`hepaf_dask.json` beside it): JSON-safe, no secret. */
export interface NotebookDaskSettings {
    group: string;
    kind: SessionClusterKind;
    adaptive: {
        minimum: number;
        /** The worker limit (after `maxCores`). */
        maximum: number;
        /** What the limit is, for the clipping warning (`10 workers`, `40 cores of 4-core workers`). */
        limit: string;
        idleSeconds: number;
        intervalSeconds: number;
        /**
         * Consecutive decisions a worker must be found idle in before it is removed:
         * ceil(idle / interval) + 1. The first finds it just idle, so the last comes at least
         * `idleSeconds` later (distributed's Adaptive closes a worker at its wait_count-th
         * consecutive recommendation).
         */
        waitCount: number;
    };
    /** The dedicated worker; null for none. */
    dedicatedWorker: { nthreads: number; memoryLimit: number } | null;
    /** The Dask the facility's workers run; a notebook with another gets a `VersionWarning`. */
    dask: DaskVersions;
}

const isPositive = (n: unknown) => typeof n === "number" && Number.isFinite(n) && n > 0;
const isCount = (n: unknown, min: number) => typeof n === "number" && Number.isInteger(n) && n >= min;

/** Resolves adaptive defaults and the worker limit, naming `argument` on bad input. */
export function planAdaptive(adaptive: AdaptiveArgs, workerCores: number, argument: string): NotebookDaskSettings["adaptive"] {
    const minimum = adaptive.minimum ?? 0;
    const maximum = adaptive.maximum ?? DEFAULT_MAX_WORKERS;
    const idleSeconds = adaptive.idleSeconds ?? DEFAULT_IDLE_SECONDS;
    const intervalSeconds = adaptive.intervalSeconds ?? DEFAULT_INTERVAL_SECONDS;
    check(isCount(minimum, 0), `${argument}.minimum`, `${minimum} is not a whole number of workers >= 0`);
    check(isCount(maximum, 1), `${argument}.maximum`, `${maximum} is not a whole number of workers >= 1`);
    check(isPositive(idleSeconds), `${argument}.idleSeconds`, `${idleSeconds} is not a number of seconds > 0`);
    check(isPositive(intervalSeconds), `${argument}.intervalSeconds`, `${intervalSeconds} is not a number of seconds > 0`);
    check(intervalSeconds <= idleSeconds, `${argument}.intervalSeconds`, `${intervalSeconds} s is longer than idleSeconds (${idleSeconds} s): a worker is idle for at least one interval`);
    let limit = maximum;
    let why = `${maximum} workers`;
    if (adaptive.maxCores !== undefined) {
        check(isPositive(adaptive.maxCores), `${argument}.maxCores`, `${adaptive.maxCores} is not a number of cores > 0`);
        const byCores = Math.floor(adaptive.maxCores / workerCores);
        check(byCores >= 1, `${argument}.maxCores`, `${adaptive.maxCores} cores do not fit one worker of ${workerCores} cores`);
        if (byCores < limit) {
            limit = byCores;
            why = `${adaptive.maxCores} cores of ${workerCores}-core workers`;
        }
    }
    check(minimum <= limit, `${argument}.minimum`, `${minimum} is above the worker limit (${why})`);
    return { minimum, maximum: limit, limit: why, idleSeconds, intervalSeconds, waitCount: Math.ceil(idleSeconds / intervalSeconds) + 1 };
}

/** Resolves the dedicated worker (null for none), checking it fits the notebook's guarantee. */
export function planDedicatedWorker(
    worker: DedicatedWorkerArgs | undefined,
    kind: SessionClusterKind,
    notebook: NotebookGuarantee,
    argument: string,
): NotebookDaskSettings["dedicatedWorker"] {
    if (kind === "gateway") {
        check(worker === undefined || worker.cores === 0, `${argument}.cores`,
            "a dedicated worker joins a scheduler in the notebook, which only HTCondor sessions have: leave it out, or set the cluster to \"htcondor\"");
        return null;
    }
    const cores = worker?.cores ?? 1;
    check(isCount(cores, 0), `${argument}.cores`, `${cores} is not a whole number of cores >= 0 (0: no dedicated worker)`);
    if (cores === 0) {
        check(worker?.memoryGiB === undefined, `${argument}.memoryGiB`, "there is no dedicated worker (cores: 0) to give memory to");
        return null;
    }
    const maxCores = notebook.cpu === undefined ? undefined : Math.max(1, Math.floor(notebook.cpu));
    check(maxCores === undefined || cores <= maxCores, `${argument}.cores`,
        `${cores} cores exceed the notebook's CPU guarantee (${notebook.cpu}, the smallest of the group's profiles): use at most ${maxCores}`);
    const memoryGiB = worker?.memoryGiB ?? (notebook.memoryGiB === undefined ? DEFAULT_DEDICATED_MEMORY_GIB : notebook.memoryGiB / 2);
    check(isPositive(memoryGiB), `${argument}.memoryGiB`, `${memoryGiB} is not a number of GiB > 0`);
    check(notebook.memoryGiB === undefined || memoryGiB <= notebook.memoryGiB, `${argument}.memoryGiB`,
        `${memoryGiB} GiB exceed the notebook's memory guarantee (${notebook.memoryGiB} GiB, the smallest of the group's profiles)`);
    return { nthreads: cores, memoryLimit: Math.round(memoryGiB * GiB) };
}

/** Inputs of {@link planNotebookDask}. */
export interface NotebookDaskPlanArgs {
    group: string;
    kind: SessionClusterKind;
    adaptive?: AdaptiveArgs;
    dedicatedWorker?: DedicatedWorkerArgs;
    workerCores?: number;
    notebook?: NotebookGuarantee;
    daskVersions?: DaskVersions;
}

/** Validates one group's session defaults and renders the module's settings (pure). `argument` names the group's `dask` args. */
export function planNotebookDask(args: NotebookDaskPlanArgs, argument: string): NotebookDaskSettings {
    requireDnsLabel(args.group, `${argument}.group`);
    requireOneOf(args.kind, SESSION_CLUSTER_KINDS, `${argument}.cluster`);
    const workerCores = args.workerCores ?? 1;
    check(isPositive(workerCores), `${argument}.workerCores`, `${workerCores} is not a number of cores > 0`);
    return {
        group: args.group,
        kind: args.kind,
        adaptive: planAdaptive(args.adaptive ?? {}, workerCores, `${argument}.adaptive`),
        dedicatedWorker: planDedicatedWorker(args.dedicatedWorker, args.kind, args.notebook ?? {}, `${argument}.dedicatedWorker`),
        dask: resolveDaskVersions(args.daskVersions, `${argument}.daskVersions`),
    };
}
