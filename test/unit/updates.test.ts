/**
 * A narrow config change updates in place: the dev stack, declared twice under mocks that keep
 * provider state like the engine (keys, certificates and random values stay), before and after
 * changing the open-data gateway's maxWorkers (20 -> 30; for that gateway group it is also its
 * sessions' worker limit, so the group's notebook settings follow), planned by the named double of the
 * engine and the Kubernetes provider (test/helpers/plan-double.ts). The real engine's plan for
 * the same change is asserted by the e2e tier (test/e2e/dev-stack.test.ts).
 */
import { traefikCrdsFile } from "../helpers/k8s-schema";
import { changedPaths, planChange, PlannedResource } from "../helpers/plan-double";
import { Recorded, setupMocks, settled } from "../helpers/pulumi";

const mocks = setupMocks({ keepState: true });
import { rawStackConfig, toProgramConfig } from "../../infra/config";
import { declareProgram } from "../../infra/program";
import { readStackFile } from "../../infra/stack-file";

/** The dev stack's raw config (encrypted values become placeholders), with `edit` applied. */
function devConfig(edit: (raw: Record<string, any>) => void = () => undefined) {
    const raw = rawStackConfig(Object.fromEntries(Object.entries(readStackFile("dev")).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])));
    edit(raw);
    return toProgramConfig(raw, { traefikCrdsFile: traefikCrdsFile() });
}

const asPlanned = (r: Recorded): PlannedResource => ({
    urn: r.options.urn,
    type: r.type,
    inputs: r.inputs,
    propertyDependencies: r.options.propertyDependencies,
    ignoreChanges: r.options.ignoreChanges,
});
const where = (r: Recorded) => `${r.inputs?.kind} ${r.inputs?.metadata?.namespace ?? "-"}/${r.inputs?.metadata?.name}`;

/** Placeholders are random per read; the change below must not depend on them. */
const signingKey = Buffer.alloc(64, 7).toString("base64");
let before: Recorded[];
let after: Recorded[];
let providerInputs: any;

beforeAll(async () => {
    const key = (raw: Record<string, any>) => (raw.poolSigningKeys = { campus: signingKey });
    declareProgram(devConfig(key));
    await settled();
    before = [...mocks.resources];
    providerInputs = mocks.ofType("pulumi:providers:kubernetes")[0].inputs;
    mocks.reset();
    declareProgram(
        devConfig((raw) => {
            key(raw);
            raw.groups[1].gateway.maxWorkers = 30;
        }),
    );
    await settled();
    after = [...mocks.resources];
});

test("the change touches exactly the open-data gateway's ConfigMap, the checksum of its two Deployments and the group's notebook settings", () => {
    expect(after.map((r) => r.options.urn).sort()).toEqual(before.map((r) => r.options.urn).sort());
    const old = new Map(before.map((r) => [r.options.urn, r]));
    const changed = after
        // The engine ignores what a resource's ignoreChanges names (the tokens' issue time).
        .map((r) => ({ r, paths: changedPaths(old.get(r.options.urn)!.inputs, r.inputs).filter((p) => !r.options.ignoreChanges.includes(p)) }))
        .filter((c) => c.paths.length > 0)
        .map((c) => `${where(c.r)}: ${c.paths.join(", ")}`)
        .sort();
    expect(changed).toEqual([
        "ConfigMap af-opendata/dask-gateway-config: data.values.json",
        "ConfigMap af-opendata/hepaf-notebook-dask: data.hepaf_dask.json",
        'Deployment af-opendata/dask-gateway-api: spec.template.metadata.annotations.hepaf.io/config-sha256',
        'Deployment af-opendata/dask-gateway-controller: spec.template.metadata.annotations.hepaf.io/config-sha256',
    ]);
    const values = (rs: Recorded[]) => JSON.parse(rs.find((r) => where(r) === "ConfigMap af-opendata/dask-gateway-config")!.inputs.data["values.json"]);
    expect(values(before).cluster.maxWorkers).toBe(20);
    expect(values(after).cluster.maxWorkers).toBe(30);
    const settings = (rs: Recorded[]) => JSON.parse(rs.find((r) => where(r) === "ConfigMap af-opendata/hepaf-notebook-dask")!.inputs.data["hepaf_dask.json"]);
    expect(settings(before).adaptive).toMatchObject({ maximum: 20, limit: "20 workers" });
    expect(settings(after).adaptive).toMatchObject({ maximum: 30, limit: "30 workers" });
});

test("with the program's provider (ConfigMaps and Secrets mutable): four updates, nothing replaced", () => {
    // Provider configuration travels as strings.
    expect(providerInputs).toMatchObject({ enableConfigMapMutable: "true", enableSecretMutable: "true" });
    const switches = { enableConfigMapMutable: providerInputs.enableConfigMapMutable === "true", enableSecretMutable: providerInputs.enableSecretMutable === "true" };
    const plan = planChange(before.map(asPlanned), after.map(asPlanned), switches);
    const byWhere = new Map(after.map((r) => [r.options.urn, where(r)]));
    expect(Object.fromEntries([...plan].map(([urn, op]) => [byWhere.get(urn), op.op]))).toEqual({
        "ConfigMap af-opendata/dask-gateway-config": "update",
        "ConfigMap af-opendata/hepaf-notebook-dask": "update",
        "Deployment af-opendata/dask-gateway-api": "update",
        "Deployment af-opendata/dask-gateway-controller": "update",
    });
});

test("with a site's own provider (ConfigMaps replaced): the ConfigMaps are replaced delete-first, the Deployments still only update", () => {
    const plan = planChange(before.map(asPlanned), after.map(asPlanned), {});
    const byWhere = new Map(after.map((r) => [r.options.urn, where(r)]));
    expect(Object.fromEntries([...plan].map(([urn, op]) => [byWhere.get(urn), op.op === "replace" ? `replace${op.deleteFirst ? " (delete first)" : ""}` : op.op]))).toEqual({
        "ConfigMap af-opendata/dask-gateway-config": "replace (delete first)",
        "ConfigMap af-opendata/hepaf-notebook-dask": "replace (delete first)",
        "Deployment af-opendata/dask-gateway-api": "update",
        "Deployment af-opendata/dask-gateway-controller": "update",
    });
});

describe("workloads name what they mount and wait for it, without taking its outputs", () => {
    const refsOf = (pod: any): { kind: string; name: string }[] => [
        ...(pod.volumes ?? []).flatMap((v: any) => [
            ...(v.configMap ? [{ kind: "ConfigMap", name: v.configMap.name }] : []),
            ...(v.secret ? [{ kind: "Secret", name: v.secret.secretName }] : []),
            ...(v.persistentVolumeClaim ? [{ kind: "PersistentVolumeClaim", name: v.persistentVolumeClaim.claimName }] : []),
        ]),
        ...[...(pod.initContainers ?? []), ...(pod.containers ?? [])].flatMap((c: any) =>
            (c.env ?? []).flatMap((e: any) => (e.valueFrom?.secretKeyRef ? [{ kind: "Secret", name: e.valueFrom.secretKeyRef.name }] : [])),
        ),
        ...(pod.serviceAccountName ? [{ kind: "ServiceAccount", name: pod.serviceAccountName }] : []),
    ];

    test("every Deployment: each ConfigMap, Secret, claim and ServiceAccount by its fixed name, in dependsOn, not in a property", () => {
        const deployments = after.filter((r) => r.inputs?.kind === "Deployment");
        expect(deployments.length).toBeGreaterThanOrEqual(8);
        let checked = 0;
        for (const d of deployments) {
            const ns = d.inputs.metadata.namespace;
            expect(d.options.deleteBeforeReplace).toBe(false);
            expect(d.options.replaceOnChanges).toEqual([]);
            for (const ref of refsOf(d.inputs.spec.template.spec)) {
                expect(typeof ref.name).toBe("string");
                const target = after.find((r) => r.inputs?.kind === ref.kind && r.inputs.metadata.namespace === ns && r.inputs.metadata.name === ref.name);
                if (!target) throw new Error(`${where(d)} names ${ref.kind} ${ns}/${ref.name}, which nothing declares`);
                expect(d.options.dependencies).toContain(target.options.urn);
                for (const [prop, urns] of Object.entries(d.options.propertyDependencies)) {
                    expect({ prop, urns }).toEqual({ prop, urns: expect.not.arrayContaining([target.options.urn]) });
                }
                checked++;
            }
        }
        expect(checked).toBeGreaterThanOrEqual(20);
    });

    test("no Kubernetes object takes an input from a ConfigMap, Secret, Role, ServiceAccount or claim", () => {
        const named = new Set(
            after.filter((r) => ["ConfigMap", "Secret", "Role", "ClusterRole", "ServiceAccount", "PersistentVolumeClaim"].includes(r.inputs?.kind)).map((r) => r.options.urn),
        );
        const offenders = after
            .filter((r) => r.type.startsWith("kubernetes:"))
            .flatMap((r) => Object.entries(r.options.propertyDependencies).flatMap(([prop, urns]) => urns.filter((u) => named.has(u)).map((u) => `${where(r)}.${prop} <- ${u}`)));
        expect(offenders).toEqual([]);
    });
});

test("the plan double tells the difference: a Deployment taking its ConfigMap's output name is replaced with it", () => {
    // Two declarations of the same pair, the way components were written before: the volume
    // takes `config.metadata.name`, so its `spec` depends on the ConfigMap.
    const cm = (v: string): PlannedResource => ({
        urn: "urn:cm",
        type: "kubernetes:core/v1:ConfigMap",
        inputs: { kind: "ConfigMap", metadata: { name: "c", namespace: "n" }, data: { v } },
        propertyDependencies: {},
    });
    const dep = (sum: string, specFrom: string[]): PlannedResource => ({
        urn: "urn:dep",
        type: "kubernetes:apps/v1:Deployment",
        inputs: { kind: "Deployment", metadata: { name: "d", namespace: "n" }, spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { annotations: { sum } } } } },
        propertyDependencies: { spec: specFrom },
    });
    const viaOutput = planChange([cm("1"), dep("x", ["urn:cm"])], [cm("2"), dep("y", ["urn:cm"])], {});
    expect(viaOutput.get("urn:dep")).toMatchObject({ op: "replace", deleteFirst: true, because: "takes spec from a resource replaced delete-first" });
    const byName = planChange([cm("1"), dep("x", [])], [cm("2"), dep("y", [])], {});
    expect(byName.get("urn:dep")).toEqual({ op: "update", paths: ["spec.template.metadata.annotations.sum"] });
    expect(planChange([cm("1"), dep("x", ["urn:cm"])], [cm("2"), dep("y", ["urn:cm"])], { enableConfigMapMutable: true }).get("urn:cm")!.op).toBe("update");
});
