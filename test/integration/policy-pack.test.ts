/**
 * The policy pack as a package of its own, started the way the Node.js language host starts a
 * policy pack for `pulumi preview --policy-pack policy`: the SDK's run-policy-pack, resolved
 * from the pack's folder, run in that folder (TypeScript type-checked by ts-node with the
 * pack's tsconfig). It serves the engine's Analyzer gRPC interface; this test is its client.
 */
import { ChildProcess, spawn } from "child_process";
import { generateKeyPairSync } from "crypto";
import * as fs from "fs";
import * as path from "path";

const root = path.join(__dirname, "..", "..");
const packDir = path.join(root, "policy");
// Everything from where the pack resolves it: the repository's node_modules, via Node's lookup from policy/.
const fromPack = (m: string) => require(require.resolve(m, { paths: [packDir, path.dirname(require.resolve("@pulumi/policy", { paths: [packDir] }))] }));
const grpc = fromPack("@grpc/grpc-js");
const analyzerRpc = fromPack("@pulumi/pulumi/proto/analyzer_grpc_pb");
const analyzerPb = fromPack("@pulumi/pulumi/proto/analyzer_pb");
const { Empty } = fromPack("google-protobuf/google/protobuf/empty_pb");
const { Struct } = fromPack("google-protobuf/google/protobuf/struct_pb");

jest.setTimeout(180000);

let pack: ChildProcess;
let client: any;
let stderr = "";

beforeAll(async () => {
    const runner = require.resolve("@pulumi/pulumi/cmd/run-policy-pack", { paths: [packDir] });
    pack = spawn(process.execPath, [runner, "127.0.0.1:0", "."], { cwd: packDir, stdio: ["ignore", "pipe", "pipe"] });
    pack.stderr!.on("data", (d) => (stderr += d));
    const port = await new Promise<string>((resolve, reject) => {
        let out = "";
        pack.stdout!.on("data", (d) => {
            out += d;
            const line = out.split("\n")[0].trim();
            if (/^\d+$/.test(line) && out.includes("\n")) resolve(line);
        });
        pack.on("exit", (code) => reject(new Error(`the policy pack exited (${code}) before serving:\n${out}${stderr}`)));
    });
    client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
});

afterAll(() => {
    client?.close();
    pack?.kill();
});

const call = <T>(method: string, req: unknown): Promise<T> =>
    new Promise((resolve, reject) => client[method](req, (err: Error | null, resp: T) => (err ? reject(err) : resolve(resp))));

function resource(kind: string, type: string, props: Record<string, unknown>, name: string) {
    const r = new analyzerPb.AnalyzeRequest();
    r.setType(type);
    r.setName(name);
    r.setUrn(`urn:pulumi:test::hepaf::${type}::${name}`);
    r.setProperties(Struct.fromJavaScript({ apiVersion: "v1", kind, ...props }));
    // The engine always sends the resource's options (empty here).
    r.setOptions(new analyzerPb.AnalyzerResourceOptions());
    return r;
}

const diagnostics = (resp: any) => resp.getDiagnosticsList().map((d: any) => ({ policy: d.getPolicyname(), message: d.getMessage() }));

test("the pack is a package: its name from index.ts, its version from policy/package.json, its five policies", async () => {
    const pkg = JSON.parse(fs.readFileSync(path.join(packDir, "package.json"), "utf8"));
    const info: any = await call("getAnalyzerInfo", new Empty());
    expect(info.getName()).toBe("hepaf");
    expect(info.getVersion()).toBe(pkg.version);
    expect(info.getPoliciesList().map((p: any) => p.getName()).sort()).toEqual([
        "dask-routes-passthrough",
        "group-namespaces-guarded",
        "no-secret-data-in-configmaps",
        "only-traefik-is-a-load-balancer",
        "workloads-limited-and-non-root",
    ]);
    expect(info.getPoliciesList().every((p: any) => p.getEnforcementlevel() === analyzerPb.EnforcementLevel.MANDATORY)).toBe(true);
});

test("it judges resources as the engine hands them over: a key in a ConfigMap is refused, a certificate is not", async () => {
    // A real key, made for this test and never written anywhere.
    const key = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey.export({ type: "sec1", format: "pem" }) as string;
    const bad = await call("analyze", resource("ConfigMap", "kubernetes:core/v1:ConfigMap", { metadata: { name: "leak" }, data: { "tls.key": key } }, "leak"));
    expect(diagnostics(bad)).toEqual([{ policy: "no-secret-data-in-configmaps", message: expect.stringContaining('ConfigMap key "tls.key" holds a PEM private key') }]);
    const cert = ["-----BEGIN CERTIFICATE-----", "MIIB", "-----END CERTIFICATE-----"].join("\n");
    const good = await call("analyze", resource("ConfigMap", "kubernetes:core/v1:ConfigMap", { metadata: { name: "bundle" }, data: { "ca.crt": cert } }, "bundle"));
    expect(diagnostics(good)).toEqual([]);
});

test("during a preview a trust bundle whose certificate is not known yet gets neither a violation nor an advisory", async () => {
    // The engine sends a value it cannot know yet as Pulumi's unknown sentinel (the tls
    // provider has not made the certificate during a preview).
    const unknown = fromPack("@pulumi/pulumi").runtime.unknownValue;
    const bundle = await call("analyze", resource("ConfigMap", "kubernetes:core/v1:ConfigMap", { metadata: { name: "hepaf-root-ca" }, data: { "ca.crt": unknown } }, "hepaf-root-ca"));
    expect(diagnostics(bundle)).toEqual([]);
    const key = generateKeyPairSync("ec", { namedCurve: "prime256v1" }).privateKey.export({ type: "sec1", format: "pem" }) as string;
    const leak = await call("analyze", resource("ConfigMap", "kubernetes:core/v1:ConfigMap", { metadata: { name: "leak" }, data: { "ca.crt": unknown, "tls.key": key } }, "leak"));
    expect(diagnostics(leak)).toEqual([{ policy: "no-secret-data-in-configmaps", message: expect.stringContaining('ConfigMap key "tls.key" holds a PEM private key') }]);
    const limits = { limits: { cpu: "1", memory: "1Gi" } };
    const workload = await call(
        "analyze",
        resource("Deployment", "kubernetes:apps/v1:Deployment", { metadata: { name: "w", annotations: { x: unknown } }, spec: { template: { spec: { containers: [{ name: "app", image: unknown, resources: limits, securityContext: { runAsUser: unknown } }] } } } }, "w"),
    );
    expect(diagnostics(workload)).toEqual([]);
});

test("and the stack as a whole: a group namespace without its NetworkPolicy and ResourceQuota is refused", async () => {
    const ns = new analyzerPb.AnalyzerResource();
    ns.setType("kubernetes:core/v1:Namespace");
    ns.setName("af-cms");
    ns.setUrn("urn:pulumi:test::hepaf::kubernetes:core/v1:Namespace::af-cms");
    ns.setProperties(Struct.fromJavaScript({ apiVersion: "v1", kind: "Namespace", metadata: { name: "af-cms", labels: { "hepaf.io/group": "cms" } } }));
    ns.setOptions(new analyzerPb.AnalyzerResourceOptions());
    const req = new analyzerPb.AnalyzeStackRequest();
    req.setResourcesList([ns]);
    const resp = await call("analyzeStack", req);
    expect(diagnostics(resp).map((d: any) => `${d.policy}: ${d.message}`).sort()).toEqual([
        expect.stringMatching(/^group-namespaces-guarded: [\s\S]*group namespace "af-cms" has no NetworkPolicy$/),
        expect.stringMatching(/^group-namespaces-guarded: [\s\S]*group namespace "af-cms" has no ResourceQuota$/),
    ]);
});
