/**
 * The dev stack with the real Pulumi engine and providers (render mode, no cluster).
 * One stack lives through the whole file: up, up again, preview a change, destroy. The stack
 * keeps its own `hepaf:renderDir: out/dev`, relative to the (copied) project root.
 */
import * as fs from "fs";
import * as path from "path";
import { CrdValidator, isBuiltin, traefikCrds, validateBuiltin } from "../helpers/k8s-schema";
import { opensslSignLeaf, opensslText, opensslVerify } from "../helpers/openssl";
import { EngineStep, judgeUpdates } from "./steps";
import { E2eProject, e2eProject, previewWithPack, renderedObjects, secretValue, yamlFiles } from "./workspace";

jest.setTimeout(15 * 60 * 1000);

let project: E2eProject;
let firstObjects: any[];

beforeAll(async () => {
    project = await e2eProject("dev");
});

afterAll(() => project?.dispose());

const secrets = (objs: any[]) => objs.filter((o) => o.kind === "Secret");
const byName = (objs: any[], kind: string, ns: string, name: string) =>
    objs.find((o) => o.kind === kind && o.metadata.namespace === ns && o.metadata.name === name);

/** The config key the narrow change edits: the open-data gateway's worker limit (20 in the stack file). */
const MAX_WORKERS = "hepaf:groups[1].gateway.maxWorkers";

/** What the engine must never print: the program runs from its own file, not package.json's build. */
const NO_ENTRY_POINT = /Could not find entry point/;

test("up renders manifests into <project>/out/dev that validate against Kubernetes and the CRDs' own schemas", async () => {
    const result = await project.stack.up({ onOutput: () => undefined });
    expect(result.summary.result).toBe("succeeded");
    expect(`${result.stdout}${result.stderr}`).not.toMatch(NO_ENTRY_POINT);
    // Relative to the project root, although the engine runs the program in infra/.
    expect(project.renderDir).toBe(path.join(project.dir, "out", "dev"));
    expect(fs.existsSync(path.join(project.dir, "infra", "out"))).toBe(false);
    firstObjects = renderedObjects(project.renderDir);
    expect(firstObjects.length).toBeGreaterThan(20);
    const crdDocs = firstObjects.filter((o) => o.kind === "CustomResourceDefinition");
    const crds = new CrdValidator([...traefikCrds(), ...crdDocs]);
    for (const obj of firstObjects) {
        if (isBuiltin(obj)) validateBuiltin(obj);
        else crds.validate(obj);
    }
    expect(fs.existsSync(path.join(project.renderDir, "0-crd"))).toBe(true);
    expect(fs.existsSync(path.join(project.renderDir, "1-manifest"))).toBe(true);
    const outputs = await project.stack.outputs();
    expect(outputs.hubUrl.value).toBe("https://af.example.org");
    expect(outputs.daskEndpoint.value).toBe("af.example.org:8786");
});

test("certificates written by the real tls provider verify with openssl along the chain", () => {
    const root = byName(firstObjects, "ConfigMap", "af", "hepaf-root-ca").data["ca.crt"] as string;
    expect(opensslText(root)).toMatch(/CA:TRUE, pathlen:1/);
    // Traefik's default certificate: root -> leaf, SANs as declared.
    const edgeCert = secretValue(byName(firstObjects, "Secret", "af", "af-edge-default-tls"), "tls.crt");
    expect(opensslVerify(root, edgeCert, undefined, "sslserver").ok).toBe(true);
    expect(opensslText(edgeCert)).toMatch(/DNS:af.example.org, DNS:\*.af.example.org/);
    for (const group of ["cms", "opendata"]) {
        // Each group's CA is its own trust anchor; its key lives only in the group's namespace.
        // The real provider writes CA:TRUE without a path length (it cannot write pathlen:0).
        const keypair = byName(firstObjects, "Secret", `af-${group}`, "hepaf-group-ca-keypair");
        const groupCa = secretValue(keypair, "tls.crt");
        expect(opensslVerify(groupCa, groupCa).ok).toBe(true);
        expect(opensslText(groupCa)).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE\n/);
        expect(opensslText(groupCa)).not.toMatch(/pathlen/);
        expect(secretValue(keypair, "ca.crt")).toBe(groupCa);
        expect(byName(firstObjects, "ConfigMap", `af-${group}`, "hepaf-group-ca").data["ca.crt"]).toBe(groupCa);
        // group CA -> leaf: a user certificate signed with that key (as the hub does at spawn).
        const leaf = opensslSignLeaf(groupCa, secretValue(keypair, "tls.key"), `alice-${group}`);
        expect(opensslVerify(groupCa, leaf, undefined, "sslclient").ok).toBe(true);
        // ... and it opens nothing of another group, nor anything that trusts the facility root.
        const other = group === "cms" ? "opendata" : "cms";
        const otherCa = secretValue(byName(firstObjects, "Secret", `af-${other}`, "hepaf-group-ca-keypair"), "tls.crt");
        expect(opensslVerify(otherCa, leaf, groupCa).ok).toBe(false);
        expect(opensslVerify(root, leaf, groupCa).ok).toBe(false);
    }
});

test("a second up changes nothing and keeps every generated secret", async () => {
    const result = await project.stack.up({ onOutput: () => undefined });
    const changes = result.summary.resourceChanges ?? {};
    expect(Object.keys(changes).filter((k) => k !== "same")).toEqual([]);
    const again = renderedObjects(project.renderDir);
    for (const s of secrets(firstObjects)) {
        const twin = byName(again, "Secret", s.metadata.namespace, s.metadata.name);
        expect(twin).toBeDefined();
        expect(twin.stringData ?? twin.data).toEqual(s.stringData ?? s.data);
    }
});

test("a narrow config change is planned as four in-place updates in the changed group, nothing replaced", async () => {
    const steps: EngineStep[] = [];
    await project.stack.setConfig(MAX_WORKERS, { value: "30" }, true);
    try {
        const preview = await project.stack.preview({
            diff: true,
            onOutput: () => undefined,
            onEvent: (e) => {
                const m = e.resourcePreEvent?.metadata;
                if (m) steps.push({ op: m.op, urn: m.urn, type: m.type, detailedDiff: m.detailedDiff });
            },
        });
        expect(`${preview.stdout}${preview.stderr}`).not.toMatch(NO_ENTRY_POINT);
        // The plan, exactly: the open-data gateway's ConfigMap updated in place (the provider sets
        // enableConfigMapMutable), its two Deployments updated (the config checksum in the pod
        // template rolls them), and the group's notebook settings (the gateway's maxWorkers is also
        // its gateway sessions' worker limit); no replacement, no create, no delete, nothing of CMS
        // or the hub. Judged on what the engine reports: each step's op and the property paths of
        // its detailed diff (the kubernetes provider gives no list of changed keys).
        expect(judgeUpdates(steps, [
            { type: "kubernetes:apps/v1:Deployment", name: "af-opendata-gateway-api", under: ["spec.template"] },
            { type: "kubernetes:apps/v1:Deployment", name: "af-opendata-gateway-controller", under: ["spec.template"] },
            { type: "kubernetes:core/v1:ConfigMap", name: "af-opendata-gateway-config", under: ["data"] },
            { type: "kubernetes:core/v1:ConfigMap", name: "af-opendata-notebook-dask-config", under: ["data"] },
        ])).toEqual([]);
        expect(preview.changeSummary).toEqual({ same: expect.any(Number), update: 4 });
        expect(preview.stdout).toMatch(/30/);
    } finally {
        // The tests after this one preview the stack as it was, whatever failed above.
        await project.stack.setConfig(MAX_WORKERS, { value: "20" }, true);
    }
    expect((await project.stack.getConfig(MAX_WORKERS, true)).value).toBe("20");
});

test("the policy pack (a package of its own) starts and passes on the dev stack, with no advisory", async () => {
    const { preview, findings } = await previewWithPack(project);
    // A violation or an advisory (the engine's "warning") of any policy, with its resource.
    expect(findings).toEqual([]);
    expect(preview.stdout).not.toMatch(/advisory|can't run policy/);
    const pkg = JSON.parse(fs.readFileSync(path.join(project.dir, "policy", "package.json"), "utf8"));
    expect(preview.stdout).toMatch(new RegExp(`hepaf@v?${pkg.version.replace(/\./g, "\\.")}`));
    expect(preview.stdout).not.toMatch(/mandatory/);
    expect(preview.stdout).not.toMatch(/policy pack not started/);
    expect(preview.changeSummary.create ?? 0).toBe(0);
});

test("destroy removes every rendered file", async () => {
    expect(yamlFiles(project.renderDir).length).toBeGreaterThan(0);
    const result = await project.stack.destroy({ onOutput: () => undefined });
    expect(result.summary.result).toBe("succeeded");
    expect(yamlFiles(project.renderDir)).toEqual([]);
});
