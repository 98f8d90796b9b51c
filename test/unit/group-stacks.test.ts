/**
 * A large site's micro-stacks: the facility's stack with `groupStacks` and one stack per group
 * (`FacilityGroupParts`, fed by the facility's `groupParts` output) declare, together, exactly
 * the objects one stack declares.
 */
import * as pulumi from "@pulumi/pulumi";
import { isSecretValue, setupMocks, settled, valueOf } from "../helpers/pulumi";
import { k8sObjects, K8sObject } from "../helpers/k8s-schema";

const mocks = setupMocks({ preview: false });
import { AnalysisFacility, AnalysisFacilityArgs, FacilityGroupParts, GroupParts } from "../../components";

beforeEach(() => mocks.reset());

const args = (): AnalysisFacilityArgs => ({
    domain: "af.example.org",
    traefik: { crds: { source: "none" } },
    hub: { login: { type: "dummy" }, allowDummy: true },
    htcondor: {
        pools: { t2: { mode: "external", collector: "cm.t2.example.edu", schedd: { host: "ap.t2.example.edu" }, trustDomain: "t2.example.edu", tokens: { source: "mint", signingKey: pulumi.secret(Buffer.alloc(32, 7).toString("base64")) } } },
    },
    groups: [
        { name: "cms", htcondor: { pool: "t2" }, profiles: [{ name: "coffea", image: "example/coffea:1", cpuGuarantee: "1" }] },
        { name: "atlas", gateway: { limits: { maxWorkers: 20 } } },
    ],
});

const key = (o: K8sObject) => `${o.kind} ${o.metadata.namespace ?? ""}/${o.metadata.name}`;
/** Objects whose values come from keys or random tokens made in each run (compared by name only). */
const madeEachRun = (o: K8sObject) => o.kind === "Secret" || (o.kind === "ConfigMap" && ["hepaf-group-ca", "hepaf-root-ca"].includes(o.metadata.name)) || o.kind === "TLSStore";
const byKey = (objs: K8sObject[]) => new Map(objs.map((o) => [key(o), madeEachRun(o) ? "made each run" : JSON.stringify(o)]));

async function oneStack(): Promise<Map<string, string>> {
    const f = new AnalysisFacility("af", args());
    await settled(...Object.values(f.gatewayAddresses));
    return byKey(k8sObjects(mocks.resources));
}

test("the facility's stack and the groups' stacks declare together what one stack declares; the facility's holds no group key", async () => {
    const whole = await oneStack();
    mocks.reset();

    const facility = new AnalysisFacility("af", { ...args(), groupStacks: true });
    await settled(...Object.values(facility.groupParts));
    expect(Object.keys(facility.groups)).toEqual([]);
    const shared = k8sObjects(mocks.resources);
    const types = mocks.resources.map((r) => r.type);
    expect(types.filter((t) => t === "hepaf:pki:CertificateAuthority")).toHaveLength(1); // the facility root only
    expect(types).not.toContain("hepaf:dask-gateway:DaskGateway");
    expect(types).not.toContain("hepaf:notebook:NotebookDask");
    expect(shared.filter((o) => o.metadata.name === "hepaf-group-ca-keypair")).toEqual([]);
    // The parts carry the gateway's hub token, so the output is a secret.
    const parts: Record<string, GroupParts> = Object.fromEntries(await Promise.all(Object.entries(facility.groupParts).map(async ([g, o]) => [g, await valueOf(o)] as const)));
    expect(await pulumi.isSecret(facility.groupParts.cms)).toBe(true);
    expect(parts.cms.hub.apiToken).toMatch(/^[A-Za-z0-9]{32,}$/);
    // Plain values: what a stack reference gives the group's stack.
    expect(JSON.parse(JSON.stringify(parts))).toEqual(parts);

    const ofGroups = new Map<string, string>();
    for (const g of ["cms", "atlas"]) {
        mocks.reset();
        const own = new FacilityGroupParts(`af-${g}`, parts[g]);
        await settled(own.gatewayAddress);
        const objs = k8sObjects(mocks.resources);
        expect(objs.every((o) => o.kind === "ClusterRoleBinding" || o.metadata.namespace === `af-${g}`)).toBe(true);
        // The gateway's hub token Secret holds the token the hub registered.
        const tokenSecret = mocks.resources.find((r) => r.type === "kubernetes:core/v1:Secret" && r.inputs.metadata.name === "dask-gateway-hub")!;
        expect(isSecretValue(tokenSecret.rawInputs.stringData)).toBe(true);
        expect(tokenSecret.inputs.stringData["jupyterhub-api-token"]).toBe(parts[g].hub.apiToken);
        for (const [k, v] of byKey(objs)) ofGroups.set(k, v);
    }
    const split = new Map([...byKey(shared), ...ofGroups]);
    expect([...split.keys()].sort()).toEqual([...whole.keys()].sort());
    for (const [k, v] of whole) expect({ k, v: split.get(k) }).toEqual({ k, v });
});
