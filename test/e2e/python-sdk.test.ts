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

jest.setTimeout(20 * 60 * 1000);

let dir: string;
let env: NodeJS.ProcessEnv;
let python: string;

const run = (cmd: string, args: string[], cwd = dir, extra: NodeJS.ProcessEnv = {}) =>
    execFileSync(cmd, args, { cwd, encoding: "utf8", env: { ...env, ...extra }, stdio: ["ignore", "pipe", "pipe"], maxBuffer: 64 * 1024 * 1024 });

/** A self-signed certificate and its key, made by openssl: a CA's (`ca`) or a leaf's. */
function keyPair(name: string, ca: boolean): { cert: string; key: string } {
    const cert = path.join(dir, `${name}.crt`);
    const key = path.join(dir, `${name}.key`);
    execFileSync("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days", "30", "-subj", `/CN=${name}`,
        "-addext", `basicConstraints=critical,CA:${ca ? "TRUE" : "FALSE"}`, ...(ca ? ["-addext", "keyUsage=critical,keyCertSign,cRLSign"] : [])], { stdio: "ignore" });
    return { cert, key };
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
    run("npm", ["run", "build", "--silent"], repoRoot);
    const tarball = run("npm", ["pack", "--silent", "--pack-destination", dir], repoRoot).trim().split("\n").pop()!;
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "site-af", version: "1.0.0", private: true }));
    run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", path.join(dir, tarball)]);
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
    const ca = keyPair("site-root", true);
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
    const [bad] = engine("bad", keyPair("leaf", false), "bad");
    expect(bad.failed).toBe(true);
    expect(bad.error).toContain("hepaf:pki:CertificateAuthority resource 'site-root' has a problem: site-root.import.certPem: is not a CA certificate (basicConstraints CA:TRUE is missing)");
    // The components' error hides its stack: no frame of the provider's code.
    expect(bad.error).not.toMatch(/at .*dist\/components\//);
    expect(bad.resources.map((r: string[]) => r[0])).not.toContain("hepaf:pki:CertificateAuthority");
});
