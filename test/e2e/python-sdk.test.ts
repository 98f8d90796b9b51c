/**
 * The Python SDK with the real Pulumi engine, as a site uses it (README: "Using the components
 * from Python"): the npm package installed (the provider and its plugin executable on PATH) and
 * the wheel. It needs only the pulumi CLI: `pulumi package get-schema` asks the installed
 * plugin, and a Python program runs through Pulumi's Automation API as an inline program (no
 * Python language host). The program imports a root CA, which declares nothing of another
 * provider, so no other plugin is needed (`npm run test:e2e:sdk` runs this file alone, with
 * only the CLI installed).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { pulumiRoot, repoRoot } from "./workspace";
import { opensslMakeCa, opensslSelfSignedLeaf } from "../helpers/openssl";
import { installSitePackage } from "../helpers/site-package";

jest.setTimeout(20 * 60 * 1000);

let dir: string;
let env: NodeJS.ProcessEnv;
let python: string;

const run = (cmd: string, args: string[], cwd = dir, extra: NodeJS.ProcessEnv = {}) =>
    execFileSync(cmd, args, { cwd, encoding: "utf8", env: { ...env, ...extra }, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });

/** A self-signed certificate and its key made by openssl, in files: a CA's (30 days), or with `leaf` one that is not a CA, for the same kind of key. */
function keyPair(name: string, leaf = false): { cert: string; key: string } {
    const ca = opensslMakeCa(name, 30);
    const files = { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
    fs.writeFileSync(files.cert, leaf ? opensslSelfSignedLeaf(ca.keyPem) : ca.certPem);
    fs.writeFileSync(files.key, ca.keyPem);
    return files;
}

/** The driver's JSON lines for one stack in a directory of its own. */
function engine(name: string, pair: { cert: string; key: string }, mode: "up" | "bad"): any[] {
    const work = path.join(dir, name);
    fs.mkdirSync(work);
    return run(python, [path.join(repoRoot, "test", "python", "sdk_engine_check.py"), work, pair.cert, pair.key, mode])
        .trim()
        .split("\n")
        .map((l) => JSON.parse(l));
}

/** Objects with their keys in one order (the CLI writes a schema back with its own). */
const sorted = (v: any): any => (Array.isArray(v) ? v.map(sorted) : v && typeof v === "object" ? Object.fromEntries(Object.keys(v).sort().map((k) => [k, sorted(v[k])])) : v);

beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-python-e2e-"));
    env = { ...process.env, PULUMI_SKIP_UPDATE_CHECK: "true", PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true" };
    // As the README installs it: the npm package into the site, its .bin on PATH, the wheel with pip.
    installSitePackage(dir, [], env);
    python = run("bash", [path.join(repoRoot, "scripts", "python-env.sh"), path.join(repoRoot, "provider", "python", "requirements.txt")], repoRoot).trim();
    const wheel = run("bash", [path.join(repoRoot, "scripts", "python-sdk.sh"), path.join(dir, "dist")], repoRoot, { PYTHON: python }).trim();
    const site = path.join(dir, "site-packages");
    run(python, ["-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--no-deps", "--target", site, wheel]);
    env = { ...env, PATH: [path.join(dir, "node_modules", ".bin"), path.join(pulumiRoot(), "bin"), process.env.PATH].join(path.delimiter), PYTHONPATH: site };
});
afterAll(() => {
    if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test("pulumi package get-schema, asking the installed plugin executable, gives the committed schema", () => {
    const plugin = path.join(dir, "node_modules", ".bin", "pulumi-resource-hepaf");
    const got = JSON.parse(run("pulumi", ["package", "get-schema", plugin]));
    const committed = JSON.parse(fs.readFileSync(path.join(repoRoot, "provider", "schema.json"), "utf8"));
    // Pulumi writes the schema back in its own key order, with an empty `config`.
    expect(sorted(got)).toEqual(sorted({ ...committed, config: {} }));
    expect(Object.keys(got.resources)).toContain("hepaf:pki:CertificateAuthority");
});

test("the real engine previews, brings up and destroys a Python program's component: outputs, a secret kept encrypted, the type it asked for", () => {
    const ca = keyPair("site-root");
    const [preview, up, again, destroy] = engine("up", ca, "up");
    // The stack and the component; the plugin's provider is a default provider, not counted.
    expect(preview).toEqual({ preview: { create: 2 } });
    expect(up.up).toEqual({ create: 2 });
    const pem = fs.readFileSync(ca.cert, "utf8");
    expect(up.outputs).toEqual({ certPem: pem, chainPem: pem, validityHours: expect.any(Number) });
    expect(up.outputs.validityHours).toBeGreaterThan(29 * 24);
    expect(up.outputs.validityHours).toBeLessThanOrEqual(30 * 24);
    expect(up.secret).toEqual(["keyPem"]);
    expect(up.state).toMatchObject({ plainKey: false, ciphertext: true });
    expect(up.resources.map((r: string[]) => r[0])).toEqual(["pulumi:pulumi:Stack", "pulumi:providers:hepaf", "hepaf:pki:CertificateAuthority"]);
    expect(up.resources[2][1]).toBe("urn:pulumi:dev::hepaf-python::hepaf:pki:CertificateAuthority::site-root");
    expect(again).toEqual({ again: { same: 2 } });
    expect(destroy).toEqual({ destroy: { delete: 2 }, resources: [] });
});

test("bad input fails the up naming the argument, and the component is not created", () => {
    const [bad] = engine("bad", keyPair("leaf", true), "bad");
    expect(bad.failed).toBe(true);
    expect(bad.error).toContain("hepaf:pki:CertificateAuthority resource 'site-root' has a problem: site-root.import.certPem: is not a CA certificate (basicConstraints CA:TRUE is missing)");
    // The components' error hides its stack: no frame of the provider's code.
    expect(bad.error).not.toMatch(/at .*dist\/components\//);
    expect(bad.resources.map((r: string[]) => r[0])).not.toContain("hepaf:pki:CertificateAuthority");
});
