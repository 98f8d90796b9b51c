/**
 * The notebook side of a group's sessions: the settings hepaf_dask.py reads (adaptive defaults,
 * the worker limit, the dedicated worker), the pod parts and the labextension factory, as pure
 * functions; and the component's ConfigMap.
 */
import { errorOf, setupMocks, settled } from "../helpers/pulumi";
import { CrdValidator, k8sObjects, validateAll } from "../helpers/k8s-schema";

const mocks = setupMocks();
import { labextensionEnv, NotebookDask, notebookDaskPodParts, planAdaptive, planDedicatedWorker, planNotebookDask } from "../../components";
import { DASK_VERSIONS } from "../../components/images";

describe("adaptive defaults and the worker limit", () => {
    test("defaults: 0 to 10 workers, removed after 60 one-second decisions", () => {
        expect(planAdaptive({}, 1, "a")).toEqual({ minimum: 0, maximum: 10, limit: "10 workers", idleSeconds: 60, intervalSeconds: 1, waitCount: 61 });
    });
    test("a core limit lowers the worker limit and says so", () => {
        expect(planAdaptive({ maximum: 20, maxCores: 24 }, 4, "a")).toMatchObject({ maximum: 6, limit: "24 cores of 4-core workers" });
        expect(planAdaptive({ maximum: 5, maxCores: 24 }, 4, "a")).toMatchObject({ maximum: 5, limit: "5 workers" });
    });
    test("the idle time becomes whole decisions, rounded up", () => {
        // Found idle at 0, 3, 6, 9 and 12 s: removed at the fifth, after at least 10 s idle.
        expect(planAdaptive({ idleSeconds: 10, intervalSeconds: 3 }, 1, "a").waitCount).toBe(5);
    });
    test.each([
        [{ maximum: 0 }, "a.maximum: 0 is not a whole number of workers >= 1"],
        [{ maximum: 2.5 }, "a.maximum: 2.5 is not a whole number of workers >= 1"],
        [{ minimum: -1 }, "a.minimum: -1 is not a whole number of workers >= 0"],
        [{ minimum: 4, maximum: 10, maxCores: 6 }, "a.minimum: 4 is above the worker limit (6 cores of 2-core workers)"],
        [{ maxCores: 1 }, "a.maxCores: 1 cores do not fit one worker of 2 cores"],
        [{ idleSeconds: 0 }, "a.idleSeconds: 0 is not a number of seconds > 0"],
        [{ idleSeconds: 5, intervalSeconds: 10 }, "a.intervalSeconds: 10 s is longer than idleSeconds (5 s): a worker is idle for at least one interval"],
    ])("refuses %j", (adaptive, message) => {
        expect(errorOf(() => planAdaptive(adaptive, 2, "a"))).toBe(message);
    });
});

describe("the dedicated worker fits the notebook's guarantee", () => {
    test("default one core and half the memory guarantee; 2 GiB where none is stated", () => {
        expect(planDedicatedWorker(undefined, "htcondor", { cpu: 2, memoryGiB: 8 }, "d")).toEqual({ nthreads: 1, memoryLimit: 4 * 2 ** 30 });
        expect(planDedicatedWorker(undefined, "htcondor", {}, "d")).toEqual({ nthreads: 1, memoryLimit: 2 * 2 ** 30 });
    });
    test("cores 0: none; gateway sessions have none", () => {
        expect(planDedicatedWorker({ cores: 0 }, "htcondor", {}, "d")).toBeNull();
        expect(planDedicatedWorker(undefined, "gateway", {}, "d")).toBeNull();
    });
    test("a guarantee below one core still fits one thread", () => {
        expect(planDedicatedWorker({ cores: 1 }, "htcondor", { cpu: 0.5 }, "d")).toMatchObject({ nthreads: 1 });
    });
    test.each([
        [{ cores: 3 }, { cpu: 2 }, "d.cores: 3 cores exceed the notebook's CPU guarantee (2, the smallest of the group's profiles): use at most 2"],
        [{ memoryGiB: 9 }, { memoryGiB: 8 }, "d.memoryGiB: 9 GiB exceed the notebook's memory guarantee (8 GiB, the smallest of the group's profiles)"],
        [{ cores: 1.5 }, {}, "d.cores: 1.5 is not a whole number of cores >= 0 (0: no dedicated worker)"],
        [{ cores: 0, memoryGiB: 1 }, {}, "d.memoryGiB: there is no dedicated worker (cores: 0) to give memory to"],
    ])("refuses %j within %j", (worker, notebook, message) => {
        expect(errorOf(() => planDedicatedWorker(worker, "htcondor", notebook, "d"))).toBe(message);
    });
    test("refuses one for a gateway session", () => {
        expect(errorOf(() => planDedicatedWorker({ cores: 1 }, "gateway", {}, "d"))).toMatch(/^d\.cores: a dedicated worker joins a scheduler in the notebook, which only HTCondor sessions have/);
    });
});

test("the labextension makes the module's class of the group's kind, adaptive; the pod parts put the module on PYTHONPATH", () => {
    expect(labextensionEnv("htcondor")).toEqual({
        DASK_LABEXTENSION__FACTORY__MODULE: "hepaf_dask", DASK_LABEXTENSION__FACTORY__CLASS: "HTCondorSessionCluster", DASK_LABEXTENSION__FACTORY__KWARGS__ADAPT: "True",
    });
    expect(labextensionEnv("gateway").DASK_LABEXTENSION__FACTORY__CLASS).toBe("GatewaySessionCluster");
    const parts = notebookDaskPodParts();
    expect(parts.env).toEqual({ PYTHONPATH: "/etc/hepaf/python" });
    expect(parts.volumeMounts).toEqual([{ name: "hepaf-python", mountPath: "/etc/hepaf/python", readOnly: true }]);
});

test("NotebookDask declares one valid ConfigMap with the module and its settings, and refuses bad input before any resource", async () => {
    mocks.reset();
    const nb = new NotebookDask("af-cms-notebook-dask", { facility: "af", group: "cms", namespace: "af-cms", kind: "htcondor", adaptive: { maximum: 4 }, workerCores: 2 });
    await settled();
    const objs = k8sObjects(mocks.resources);
    validateAll(objs, new CrdValidator([]));
    expect(objs.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)).toEqual(["ConfigMap/af-cms/hepaf-notebook-dask"]);
    const data = objs[0].data as Record<string, string>;
    expect(Object.keys(data).sort()).toEqual(["hepaf_dask.json", "hepaf_dask.py"]);
    expect(JSON.parse(data["hepaf_dask.json"])).toEqual(nb.settings);
    // The Dask the facility's workers run, which the module compares with the notebook's own.
    expect(JSON.parse(data["hepaf_dask.json"]).dask).toEqual(DASK_VERSIONS);
    expect(nb.settings).toEqual(planNotebookDask({ group: "cms", kind: "htcondor", adaptive: { maximum: 4 }, workerCores: 2 }, "x"));
    mocks.reset();
    expect(errorOf(() => new NotebookDask("nb", { facility: "af", group: "cms", namespace: "af-cms", kind: "slurm" as any }))).toBe('nb.cluster: "slurm" is not valid; use one of "htcondor", "gateway"');
    await settled();
    expect(mocks.resources).toHaveLength(0);
});

describe("the expected Dask in the settings", () => {
    const plan = (daskVersions?: any) => planNotebookDask({ group: "cms", kind: "gateway", daskVersions }, "cms.dask");
    test("default: the facility's images' DASK_VERSIONS, every package Dask compares", () => {
        expect(plan().dask).toEqual(DASK_VERSIONS);
        expect(Object.keys(plan().dask.packages)).toEqual(["cloudpickle", "dask", "distributed", "msgpack", "toolz", "tornado"]);
    });
    test("given: rendered as given", () => {
        const other = { python: "3.12", packages: { ...DASK_VERSIONS.packages, dask: "2026.3.0" } };
        expect(plan(other).dask).toEqual(other);
    });
    test.each([
        [{ python: "3", packages: DASK_VERSIONS.packages }, 'cms.dask.daskVersions.python: "3" is not a Python minor such as "3.11"'],
        [{ python: "3.11", packages: { ...DASK_VERSIONS.packages, tornado: undefined } }, "cms.dask.daskVersions.packages.tornado: is missing: give the version of each of cloudpickle, dask, distributed, msgpack, toolz, tornado"],
        [{ python: "3.11", packages: { ...DASK_VERSIONS.packages, dask: ">=2026" } }, 'cms.dask.daskVersions.packages.dask: ">=2026" is not a release version such as "2026.8.0"'],
        [{ python: "3.11", packages: { ...DASK_VERSIONS.packages, numpy: "2.3.0" } }, 'cms.dask.daskVersions.packages: "numpy" is not one of the packages Dask compares (cloudpickle, dask, distributed, msgpack, toolz, tornado)'],
    ])("refuses %j", (daskVersions, message) => {
        expect(errorOf(() => plan(daskVersions))).toBe(message);
    });
});
