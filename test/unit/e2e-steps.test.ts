/**
 * The e2e tier's judgement of a preview's steps (test/e2e/steps.ts), on steps shaped like those
 * the engine reports: the Automation API's resourcePreEvent metadata (detailedDiff entries
 * `{ diffKind, inputDiff }`, no `diffs`, as the kubernetes provider answers a diff) and
 * `pulumi preview --json`'s steps (entries `{ kind, inputDiff }`).
 */
import { EngineStep, ExpectedUpdate, isUnder, judgeUpdates, policyFinding, typeAndName } from "../e2e/steps";

const stack = "urn:pulumi:dev::hepaf::";
const gatewayParent = "pulumi:pulumi:Stack$hepaf:facility:AnalysisFacility$hepaf:dask-gateway:DaskGateway";
const urn = (type: string, name: string, parent = gatewayParent) => `${stack}${parent}$${type}::${name}`;
const provider = `${stack}pulumi:providers:kubernetes::af-k8s::0b9f`;
const DEPLOYMENT = "kubernetes:apps/v1:Deployment";
const CONFIGMAP = "kubernetes:core/v1:ConfigMap";

/** A step as the engine's resourcePreEvent carries it (old and new state trimmed to what matters). */
function step(op: string, type: string, name: string, detailedDiff?: EngineStep["detailedDiff"], parent?: string): EngineStep & Record<string, unknown> {
    const u = urn(type, name, parent);
    return {
        op,
        urn: u,
        type,
        provider,
        old: { type, urn: u, custom: true, id: `af-opendata/${name}`, parent: "", provider },
        new: { type, urn: u, custom: true, id: `af-opendata/${name}`, parent: "", provider },
        ...(detailedDiff ? { detailedDiff } : {}),
    };
}
const update = (diffKind = "update") => ({ diffKind, inputDiff: true });
const annotation = 'spec.template.metadata.annotations["hepaf.io/config-sha256"]';

const expected: ExpectedUpdate[] = [
    { type: DEPLOYMENT, name: "af-opendata-gateway-api", under: ["spec.template"] },
    { type: DEPLOYMENT, name: "af-opendata-gateway-controller", under: ["spec.template"] },
    { type: CONFIGMAP, name: "af-opendata-gateway-config", under: ["data"] },
    { type: CONFIGMAP, name: "af-opendata-notebook-dask-config", under: ["data"] },
];
/** The plan of the narrow change as the engine reports it: four updates, each with a detailed diff only. */
const plan = (): (EngineStep & Record<string, unknown>)[] => [
    step("same", "pulumi:pulumi:Stack", "hepaf-dev", undefined, ""),
    step("update", DEPLOYMENT, "af-opendata-gateway-api", { [annotation]: update() }),
    step("update", DEPLOYMENT, "af-opendata-gateway-controller", { [annotation]: update() }),
    step("update", CONFIGMAP, "af-opendata-gateway-config", { 'data["gateway.yaml"]': update() }),
    step("update", CONFIGMAP, "af-opendata-notebook-dask-config", { "data.limits": update() }),
    step("same", CONFIGMAP, "af-cms-gateway-config"),
];

test("an update reported with a detailed diff and no list of changed keys passes", () => {
    const steps = plan();
    expect(steps.every((s) => s.diffs === undefined)).toBe(true);
    expect(judgeUpdates(steps, expected)).toEqual([]);
});

test("steps as `pulumi preview --json` writes them (entries with kind) are judged the same", () => {
    const json = plan().map((s) => ({
        op: s.op,
        urn: s.urn,
        provider,
        detailedDiff: s.detailedDiff && Object.fromEntries(Object.entries(s.detailedDiff).map(([p, d]) => [p, { kind: d.diffKind, inputDiff: d.inputDiff }])),
    }));
    expect(judgeUpdates(json, expected)).toEqual([]);
    json[3].detailedDiff = { data: { kind: "update-replace", inputDiff: true } };
    expect(judgeUpdates(json, expected)).toEqual([
        "kubernetes:core/v1:ConfigMap::af-opendata-gateway-config: data is a change that replaces the resource (update-replace)",
    ]);
});

test("a replacement fails, however the engine spells it", () => {
    const replaced = plan();
    replaced[3] = step("replace", CONFIGMAP, "af-opendata-gateway-config", { 'data["gateway.yaml"]': update("update-replace") });
    expect(judgeUpdates(replaced, expected)).toEqual(["kubernetes:core/v1:ConfigMap::af-opendata-gateway-config: replace, where an in-place update is expected"]);
    // Delete-first replacement (fixed names): the delete and the create are steps of their own.
    const deleteFirst = plan();
    deleteFirst.splice(3, 1, step("delete-replaced", CONFIGMAP, "af-opendata-gateway-config"), step("create-replacement", CONFIGMAP, "af-opendata-gateway-config"));
    expect(judgeUpdates(deleteFirst, expected)).toEqual([
        "kubernetes:core/v1:ConfigMap::af-opendata-gateway-config: delete-replaced, where an in-place update is expected",
        "kubernetes:core/v1:ConfigMap::af-opendata-gateway-config: a second step (create-replacement)",
        "kubernetes:core/v1:ConfigMap::af-opendata-gateway-config: create-replacement, where an in-place update is expected",
    ]);
    // An update whose diff needs a replacement.
    const replacing = plan();
    replacing[1] = step("update", DEPLOYMENT, "af-opendata-gateway-api", { "spec.selector": update("update-replace") });
    expect(judgeUpdates(replacing, expected)).toEqual([
        "kubernetes:apps/v1:Deployment::af-opendata-gateway-api: spec.selector is a change that replaces the resource (update-replace)",
        "kubernetes:apps/v1:Deployment::af-opendata-gateway-api: spec.selector changed, outside spec.template",
    ]);
});

test("a delete, a create or any other resource touched fails", () => {
    const deleted = plan();
    deleted[4] = step("delete", CONFIGMAP, "af-opendata-notebook-dask-config");
    expect(judgeUpdates(deleted, expected)).toEqual(["kubernetes:core/v1:ConfigMap::af-opendata-notebook-dask-config: delete, where an in-place update is expected"]);
    const more = [...plan(), step("update", CONFIGMAP, "af-cms-gateway-config", { "data.x": update() }), step("create", "kubernetes:core/v1:Secret", "af-opendata-new")];
    expect(judgeUpdates(more, expected)).toEqual([
        "kubernetes:core/v1:ConfigMap::af-cms-gateway-config: update, a resource the plan should not touch",
        "kubernetes:core/v1:Secret::af-opendata-new: create, a resource the plan should not touch",
    ]);
});

test("an expected update missing, an update without a detailed diff, or a path outside the expected ones fails", () => {
    expect(judgeUpdates(plan().slice(0, 4), expected)).toEqual(["kubernetes:core/v1:ConfigMap::af-opendata-notebook-dask-config: no step, where an in-place update is expected"]);
    const noDiff = plan();
    noDiff[2] = step("update", DEPLOYMENT, "af-opendata-gateway-controller");
    expect(judgeUpdates(noDiff, expected)).toEqual(["kubernetes:apps/v1:Deployment::af-opendata-gateway-controller: an update without a detailed diff"]);
    const labels = plan();
    labels[2] = step("update", DEPLOYMENT, "af-opendata-gateway-controller", { [annotation]: update(), "metadata.labels.version": update() });
    expect(judgeUpdates(labels, expected)).toEqual(["kubernetes:apps/v1:Deployment::af-opendata-gateway-controller: metadata.labels.version changed, outside spec.template"]);
});

test("URNs, property paths and policy findings", () => {
    expect(typeAndName(urn(DEPLOYMENT, "af-opendata-gateway-api"))).toEqual({ type: DEPLOYMENT, name: "af-opendata-gateway-api" });
    expect(typeAndName(`${stack}pulumi:pulumi:Stack::hepaf-dev`)).toEqual({ type: "pulumi:pulumi:Stack", name: "hepaf-dev" });
    expect(() => typeAndName("af-opendata")).toThrow("not a URN");
    expect(["data", "data.x", 'data["a.b"]', "data[0]"].map((p) => isUnder(p, "data"))).toEqual([true, true, true, true]);
    const outside = [["dataset", "data"], ["metadata", "data"], ["spec.templates", "spec.template"], ["spec", "spec.template"]];
    expect(outside.map(([p, prefix]) => isUnder(p, prefix))).toEqual([false, false, false, false]);
    expect(
        policyFinding({
            policyName: "no-secret-data-in-configmaps",
            enforcementLevel: "warning",
            message: "can't run policy during preview",
            resourceUrn: urn(CONFIGMAP, "hepaf-root-ca", "pulumi:pulumi:Stack"),
        }),
    ).toBe("no-secret-data-in-configmaps (warning) on kubernetes:core/v1:ConfigMap::hepaf-root-ca: can't run policy during preview");
});
