/**
 * The npm package as another site uses it: build, pack, install the tarball into a fresh
 * project, type-check a program that imports the components from "hepaf", and run the README's
 * site program (and two broken variants of it) the way `pulumi up` runs a Node.js program.
 *
 * A site program runs by the SDK's own language-host entry (`@pulumi/pulumi/cmd/run`, the
 * script the Node.js language host starts, with its own handlers for what a program throws),
 * TypeScript compiled by the SDK's ts-node as the host compiles it. Two parts of the engine are
 * stood in for: resource registration by Pulumi's mock runtime (`--monitor=mock`, set up
 * before the entry runs), and the engine's log service by a named double
 * (test/helpers/engine-log-double.ts) that records what `pulumi up` would print and under which
 * resource. The network is real, but for the one URL of the official Traefik CRDs, which a
 * named double answers from the local copy the unit tier uses (this machine has no internet).
 */
import { execFile, execFileSync, spawn } from "child_process";
import * as grpc from "@grpc/grpc-js";
// Pulumi's generated protocol modules (JavaScript, untyped).
// eslint-disable-next-line @typescript-eslint/no-var-requires
const providerRpc = require("@pulumi/pulumi/proto/provider_grpc_pb");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const providerProto = require("@pulumi/pulumi/proto/provider_pb");
// eslint-disable-next-line @typescript-eslint/no-var-requires
const emptyProto = require("google-protobuf/google/protobuf/empty_pb");
import { randomBytes } from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { HEPAF_VERSION, resolveImages } from "../../components/images";
import { crdReleaseUrl, TRAEFIK_VERSION } from "../../components/traefik/version";
import { startEngineLogDouble, EngineLogLine } from "../helpers/engine-log-double";
import { traefikCrdsFile } from "../helpers/k8s-schema";
import { installSitePackage } from "../helpers/site-package";

const root = path.join(__dirname, "..", "..");
function run(cmd: string, args: string[], cwd: string): string {
    try {
        return execFileSync(cmd, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    } catch (err) {
        const e = err as { stdout?: string; stderr?: string; message: string };
        throw new Error(`${e.message}\n${e.stdout ?? ""}${e.stderr ?? ""}`);
    }
}

/** The README's site program, as written in "Using the package from another site". */
function readmeSiteProgram(): string {
    const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
    const section = readme.slice(readme.indexOf("## Using the package from another site"), readme.indexOf("### Images"));
    const m = /```ts\n([^]*?)```/.exec(section);
    if (!m) throw new Error('README.md: no ```ts block in "Using the package from another site"');
    return m[1];
}

/** `text` with `from` replaced by `to`; `from` must occur exactly once. */
function replaceOnce(text: string, from: string, to: string): string {
    const at = text.indexOf(from);
    if (at < 0 || text.indexOf(from, at + 1) >= 0) throw new Error(`the README's site program no longer has exactly one ${JSON.stringify(from)}`);
    return text.slice(0, at) + to + text.slice(at + from.length);
}

/**
 * Set up before the SDK's entry runs: the mock runtime as the resource monitor, in preview
 * (as `pulumi preview` runs a program: every output of a resource still to be created is
 * unknown, so nothing waits for keys or certificates; every registration and the stack's
 * outputs are written to $SITE_REGISTRATIONS at exit), and the double of the CRD release URL.
 */
const PRELOAD = `
const fs = require("fs");
const pulumi = require("@pulumi/pulumi");
const settings = require("@pulumi/pulumi/runtime/settings");
pulumi.runtime.setMocks({ newResource: () => ({ id: "", state: {} }), call: (a) => a.inputs }, "site-af", "dev", true);
const monitor = settings.getMonitor();
monitor.signalAndWaitForShutdown = (_req, done) => done(null, {});
process.on("exit", () => {
    const out = [...monitor.getRegisteredResources().values()].map((r) => ({
        urn: r.urn,
        ...(r.urn.endsWith("::pulumi:pulumi:Stack::site-af-dev") && r.state && r.state.toJavaScript ? { outputs: r.state.toJavaScript() } : {}),
    }));
    fs.writeFileSync(process.env.SITE_REGISTRATIONS, JSON.stringify(out));
});
const realFetch = globalThis.fetch;
globalThis.fetch = (url, init) =>
    String(url) === process.env.SITE_CRDS_URL
        ? Promise.resolve(new Response(fs.readFileSync(process.env.SITE_CRDS_FILE, "utf8")))
        : realFetch(url, init);
`;

/** What a run of a site program gave: exit code, output, what the engine received, what was registered. */
interface SiteRun {
    code: number | null;
    output: string;
    logs: EngineLogLine[];
    registered: { urn: string; outputs?: Record<string, unknown> }[];
}

/** Runs `program` as the project `site-af`, stack `dev`, in a directory of its own under `dir`. */
async function runSite(dir: string, name: string, program: string): Promise<SiteRun> {
    const project = path.join(dir, "programs", name);
    fs.mkdirSync(project, { recursive: true });
    fs.writeFileSync(path.join(project, "package.json"), JSON.stringify({ name: `site-af-${name}`, version: "1.0.0", private: true }));
    // The tsconfig of a new Pulumi TypeScript project.
    fs.writeFileSync(
        path.join(project, "tsconfig.json"),
        JSON.stringify({ compilerOptions: { strict: true, outDir: "bin", target: "es2020", module: "commonjs", moduleResolution: "node", sourceMap: true, skipLibCheck: true }, files: ["index.ts"] }),
    );
    fs.writeFileSync(path.join(project, "index.ts"), program);
    fs.writeFileSync(path.join(project, "preload.js"), PRELOAD);
    const registrations = path.join(project, "registrations.json");
    const engine = await startEngineLogDouble();
    try {
        const { code, output } = await new Promise<{ code: number | null; output: string }>((resolve) => {
            const child = execFile(
                process.execPath,
                ["-r", "./preload.js", path.join(dir, "node_modules", "@pulumi", "pulumi", "cmd", "run"),
                    "--monitor=mock", `--engine=${engine.address}`, "--project=site-af", "--stack=dev", "."],
                {
                    cwd: project,
                    encoding: "utf8",
                    env: {
                        PATH: process.env.PATH,
                        HOME: process.env.HOME,
                        PULUMI_NODEJS_TYPESCRIPT: "true",
                        PULUMI_NODEJS_ENGINE: engine.address,
                        PULUMI_CONFIG: JSON.stringify({
                            "site-af:clientId": "af-client",
                            "site-af:clientSecret": "s".repeat(32),
                            "site-af:poolKey": randomBytes(64).toString("base64"),
                        }),
                        PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(["site-af:clientSecret", "site-af:poolKey"]),
                        SITE_REGISTRATIONS: registrations,
                        SITE_CRDS_URL: crdReleaseUrl(TRAEFIK_VERSION),
                        SITE_CRDS_FILE: traefikCrdsFile(),
                    },
                },
                (err, stdout, stderr) => resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, output: `${stdout}${stderr}` }),
            );
            child.stdin?.end();
        });
        const registered = fs.existsSync(registrations) ? JSON.parse(fs.readFileSync(registrations, "utf8")) : [];
        return { code, output, logs: [...engine.lines], registered };
    } finally {
        await engine.stop();
    }
}

/** Lines of JavaScript stack frames (`    at f (file:line:col)`). */
const FRAME = /^\s+at .+/m;

/** Exit code by which the SDK's entry tells the language host it already reported the error to the user. */
const REPORTED = 32;

describe("the packed package in a fresh project", () => {
    let dir: string;
    let readmeRun: Promise<SiteRun>;
    let badPoolRun: Promise<SiteRun>;
    let noCrdsRun: Promise<SiteRun>;

    beforeAll(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-consumer-"));
        // As the README installs it, with the compiler a TypeScript Pulumi project has.
        installSitePackage(dir, ["@pulumi/pulumi@3.248.0", "typescript@~5.9", "@types/node@20"]);
        // The three site programs run side by side (each compiles with ts-node, which takes a while).
        const readme = readmeSiteProgram();
        readmeRun = runSite(dir, "readme", readme);
        badPoolRun = runSite(dir, "bad-pool", replaceOnce(readme, 'htcondor: { pool: "campus"', 'htcondor: { pool: "nowhere"'));
        noCrdsRun = runSite(dir, "no-crds", replaceOnce(readme, "daskPort: 8786 },", 'daskPort: 8786, crds: { source: "url", url: "http://127.0.0.1:9/none.yml" } },'));
        // Settle all of them before any test, so a failure in one never leaves a run behind.
        return Promise.allSettled([readmeRun, badPoolRun, noCrdsRun]);
    });
    afterAll(() => {
        if (dir) fs.rmSync(dir, { recursive: true, force: true });
    });

    test("the installed package's plugin executable serves the committed schema over Pulumi's provider protocol", async () => {
        const plugin = path.join(dir, "node_modules", ".bin", "pulumi-resource-hepaf");
        expect(fs.existsSync(plugin)).toBe(true);
        // As the engine starts a plugin: its own address as the argument; the plugin prints the port it serves.
        const proc = spawn(plugin, ["127.0.0.1:1"], { stdio: ["ignore", "pipe", "pipe"] });
        let output = "";
        proc.stdout.on("data", (d) => (output += d));
        proc.stderr.on("data", (d) => (output += d));
        try {
            const port = await new Promise<number>((resolve, reject) => {
                const timer = setTimeout(() => reject(new Error(`the plugin printed no port in 60 s: ${output}`)), 60000);
                proc.stdout.on("data", () => {
                    const m = /^(\d+)\n/.exec(output);
                    if (m) {
                        clearTimeout(timer);
                        resolve(Number(m[1]));
                    }
                });
                proc.on("exit", (code) => reject(new Error(`the plugin exited ${code}: ${output}`)));
            });
            const client = new providerRpc.ResourceProviderClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
            const ask = <T>(method: string, req: unknown) => new Promise<T>((resolve, reject) => (client as any)[method](req, (err: Error | null, res: T) => (err ? reject(err) : resolve(res))));
            const info = await ask<any>("getPluginInfo", new emptyProto.Empty());
            expect(info.getVersion()).toBe(HEPAF_VERSION);
            const schema = await ask<any>("getSchema", new providerProto.GetSchemaRequest());
            expect(schema.getSchema()).toBe(fs.readFileSync(path.join(root, "provider", "schema.json"), "utf8"));
            client.close();
        } finally {
            proc.kill("SIGTERM");
        }
    });

    test("another project installs the packed package and type-checks against it", () => {
        const listing = run("tar", ["-tzf", path.join(dir, "hepaf.tgz")], dir);
        expect(listing).toContain("package/dist/components/index.d.ts");
        // The image catalogue ships with the Dask versions file it reads.
        expect(listing).toContain("package/dist/components/images/dask-versions.json");
        // The monitoring data (alert rules, their promtool tests, dashboards) ships as files.
        for (const f of ["rules/facility.rules.yaml", "rules/facility.rules.test.yaml", "dashboards/facility-overview.json", "dashboards/groups.json"]) {
            expect(listing).toContain(`package/components/monitoring/${f}`);
        }
        expect(listing).not.toMatch(/package\/test\//);
        expect(listing).not.toMatch(/package\/dist\/test\//);

        fs.writeFileSync(
            path.join(dir, "index.ts"),
            [
                'import { CertificateAuthority, SniRoute, Traefik } from "hepaf";',
                'const ca = new CertificateAuthority("root", { subject: { organization: "Site" }, validityDays: 3650 });',
                'const cms = ca.intermediate("cms", { validityDays: 1825 });',
                'const cert = cms.issue("edge", { dnsNames: ["af.example.edu"], usages: ["server"] });',
                'const traefik = new Traefik("edge", { namespace: "af", watchNamespaces: ["af-cms"], daskPort: 8786, defaultCertificate: cert });',
                'new SniRoute("alice", { namespace: "af-cms", host: "alice.dask.af.example.edu", service: { name: "dask-alice", port: 8786 }, entrypoint: traefik.entrypoints.dask, labels: traefik.routeLabels });',
                "export const dask: string = traefik.entrypoints.dask;",
                'import { FacilityImagesArgs, resolveImages } from "hepaf";',
                'const site: FacilityImagesArgs = { registry: "registry.example.edu/hepaf" };',
                "export const hubImage: string = resolveImages(site).hub;",
                "",
            ].join("\n"),
        );
        fs.writeFileSync(
            path.join(dir, "tsconfig.json"),
            JSON.stringify({ compilerOptions: { strict: true, module: "commonjs", target: "ES2022", esModuleInterop: true, skipLibCheck: true, noEmit: true, types: ["node"] }, files: ["index.ts"] }),
        );
        run(path.join(dir, "node_modules", ".bin", "tsc"), ["-p", "."], dir);
        // The installed package resolves images at run time as the repository does.
        const resolved = JSON.parse(run(process.execPath, ["-e", 'console.log(JSON.stringify(require("hepaf").resolveImages({ registry: "registry.example.edu/hepaf" })))'], dir));
        expect(resolved).toEqual(resolveImages({ registry: "registry.example.edu/hepaf" }));
        expect(resolved.notebook).toBe(`registry.example.edu/hepaf/notebook:${HEPAF_VERSION}`);
        // The compiled monitoring modules find their shipped rule file and dashboards from dist/.
        const monitoring = JSON.parse(run(process.execPath, ["-e", [
            'const m = "./node_modules/hepaf/dist/components/monitoring/";',
            'const r = require(m + "rules").renderRules({ quotaRatio: 0.8 });',
            'const q = require(m + "dashboards").dashboardQueries();',
            "console.log(JSON.stringify({ alerts: r.groups.flatMap((g) => g.rules.map((x) => x.alert)), quota: r.groups.flatMap((g) => g.rules).find((x) => x.alert === \"HepafGroupNearQuota\").expr, queries: q.length }));",
        ].join("\n")], dir));
        expect(monitoring.alerts).toContain("HepafFrontDoorDown");
        expect(monitoring.quota).toBe("hepaf_group_quota_used_ratio > 0.8");
        expect(monitoring.queries).toBeGreaterThan(10);

        // A type error in the consumer is caught: the types really come from the package.
        fs.writeFileSync(path.join(dir, "bad.ts"), 'import { Traefik } from "hepaf";\nnew Traefik("x", { namespace: 42 });\n');
        fs.writeFileSync(path.join(dir, "tsconfig.json"), JSON.stringify({ compilerOptions: { strict: true, module: "commonjs", skipLibCheck: true, noEmit: true, types: ["node"] }, files: ["bad.ts"] }));
        expect(() => run(path.join(dir, "node_modules", ".bin", "tsc"), ["-p", "."], dir)).toThrow(/not assignable to type 'string'/);
    });

    test("the README's site program runs as written: the whole facility is declared and its outputs are the README's", async () => {
        const r = await readmeRun;
        expect({ code: r.code, errors: r.logs.filter((l) => l.severity === "error") }).toEqual({ code: 0, errors: [] });
        expect(r.output).not.toMatch(FRAME);
        const types = r.registered.map((x) => x.urn.split("::")[2].split("$").pop());
        expect(types).toContain("hepaf:facility:AnalysisFacility");
        expect(types).toContain("hepaf:traefik:Traefik");
        expect(types.filter((t) => t === "hepaf:dask-gateway:DaskGateway")).toHaveLength(2);
        expect(types.filter((t) => t === "kubernetes:apiextensions.k8s.io/v1:CustomResourceDefinition").length).toBeGreaterThan(5);
        const stack = r.registered.find((x) => x.outputs);
        expect(stack?.outputs).toMatchObject({
            hubUrl: "https://af.example.edu",
            daskEndpoint: "af.example.edu:8786",
            gateways: { cms: "gateway://af.example.edu:8786", opendata: "gateway://af.example.edu:8786" },
            daskAccess: "https://af.example.edu/services/dask/",
        });
    });

    test("a bad argument reaches the engine as its message alone: the argument path, no frames, nothing declared", async () => {
        const r = await badPoolRun;
        expect(r.code).toBe(REPORTED);
        const errors = r.logs.filter((l) => l.severity === "error");
        expect(errors).toEqual([
            { severity: "error", message: 'groups[0].htcondor.pool: "nowhere" is not a pool in htcondor.pools (declared: "campus")', urn: "" },
        ]);
        for (const text of [r.output, ...errors.map((l) => l.message)]) {
            expect(text).not.toMatch(FRAME);
            expect(text).not.toContain("unhandled exception");
        }
        // Refused before the facility registered anything: only the stack exists.
        expect(r.registered.map((x) => x.urn)).toEqual(["urn:pulumi:dev::site-af::pulumi:pulumi:Stack::site-af-dev"]);
    });

    test("an unreachable CRD URL is one line under the Traefik component: the file, the argument, the way out", async () => {
        const r = await noCrdsRun;
        expect(r.code).toBe(REPORTED);
        const errors = r.logs.filter((l) => l.severity === "error");
        expect(errors).toHaveLength(1);
        const [line] = errors;
        expect(line.message).toBe(
            "casa-edge.crds.url: cannot download Traefik CRDs from http://127.0.0.1:9/none.yml (fetch failed); " +
                'fetch that file where it can be reached and use crds: { source: "file", path } with the local copy, or { source: "none" }',
        );
        expect(line.message).not.toContain("\n");
        expect(line.urn).toMatch(/\$hepaf:traefik:Traefik::casa-edge$/);
        expect(r.registered.map((x) => x.urn)).toContain(line.urn);
        expect(r.output).not.toMatch(FRAME);
        expect(r.output).not.toContain("unhandled exception");
    });
});
