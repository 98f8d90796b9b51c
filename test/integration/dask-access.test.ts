/**
 * The Dask access service's own code (components/dask-sessions/dask_access.py) with the real
 * software: the bundles it makes, judged by openssl and read by real distributed; its record
 * and limit against a fake Kubernetes API; its dashboard rules; and a real TLS scheduler that
 * a client with nothing but a bundle reaches, while an expired certificate and another group's
 * are refused. (Its handlers behind JupyterHub's sign-in run in the live tier, with a real hub;
 * here the service runs as a process behind HubOAuth with a hub API double, for its metrics.)
 */
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { planDaskAccess, renderDaskAccessValues } from "../../components/dask-sessions";
import { DASK_VERSIONS } from "../../components/images";
import { opensslMakeCa, opensslText, opensslVerify } from "../helpers/openssl";

const root = path.join(__dirname, "..", "..");
const python = execFileSync("bash", [path.join(root, "scripts", "python-env.sh")], { encoding: "utf8" }).trim();
const runPy = (arg: object) =>
    JSON.parse(
        execFileSync(python, [path.join(root, "test", "python", "dask_access_check.py"), JSON.stringify({ module: path.join(root, "components", "dask-sessions"), ...arg })], {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
            timeout: 300000,
        }),
    );

const runPy0 = (script: string, arg: object) =>
    JSON.parse(execFileSync(python, [path.join(root, "test", "python", script), JSON.stringify(arg)], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120000 }));

const gateway = (g: string) => ({ address: `https://af.example.edu/services/dask-gateway-${g}`, proxyAddress: "gateway://af.example.edu:8786" });
const plan = (days = 7, mintsPerDay = 3) =>
    planDaskAccess({
        facility: "af", namespace: "af", domain: "af.example.edu", certificateValidityDays: days, mintsPerDay,
        groups: [
            { name: "cms", namespace: "af-cms", sessions: true, gateway: gateway("cms") },
            { name: "atlas", namespace: "af-atlas", gateway: gateway("atlas") },
        ],
        traefik: { namespace: "af", entrypoints: { websecure: "websecure" }, routeLabels: {} },
    });
const cmsCa = opensslMakeCa("af cms CA");
const ca = { namespace: "af-cms", name: "hepaf-group-ca-keypair", "tls.crt": cmsCa.certPem, "tls.key": cmsCa.keyPem, "ca.crt": cmsCa.certPem };
let dir: string;
beforeAll(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-dask-access-"))));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

describe("a bundle, as the service makes it", () => {
    let out: any;
    beforeAll(() => {
        out = runPy({ check: "bundles", values: renderDaskAccessValues(plan(3)), ca, user: "alice@example.edu", group: "cms", out: path.join(dir, "bundles"), gatewayOnlyGroup: "atlas" });
    });
    const file = (name: string) => fs.readFileSync(path.join(out.first.dir, name), "utf8");

    test("the files, the key and config private (mode 0600)", () => {
        expect(out.first.listing).toEqual([
            ["af.example.edu-cms/README.txt", "0o644"],
            ["af.example.edu-cms/dask.yaml", "0o600"],
            ["af.example.edu-cms/ca.crt", "0o644"],
            ["af.example.edu-cms/tls.crt", "0o644"],
            ["af.example.edu-cms/tls.key", "0o600"],
            ["af.example.edu-cms/root-ca.crt", "0o644"],
        ]);
        expect(file("ca.crt")).toBe(cmsCa.certPem);
        expect(file("root-ca.crt")).toBe("ROOT CA PEM\n");
    });

    test("openssl: the chain verifies to the group CA alone, for client use only; subject and lifetime as configured", () => {
        const cert = file("tls.crt");
        expect(opensslVerify(cmsCa.certPem, cert, undefined, "sslclient").ok).toBe(true);
        expect(opensslVerify(cmsCa.certPem, cert, undefined, "sslserver").ok).toBe(false);
        expect(opensslVerify(opensslMakeCa("af atlas CA").certPem, cert, undefined, "sslclient").ok).toBe(false);
        const text = opensslText(cert);
        expect(text).toMatch(/Subject: OU\s?=\s?cms, CN\s?=\s?alice@example\.edu\n/);
        expect(text).toMatch(/CA:FALSE/);
        expect(text).toMatch(/TLS Web Client Authentication\n/);
        const x = new crypto.X509Certificate(cert);
        // Three days as configured (from five minutes back, against clock skew).
        expect(new Date(x.validTo).getTime() - new Date(x.validFrom).getTime()).toBe((3 * 24 * 60 + 5) * 60 * 1000);
        expect(x.serialNumber.toLowerCase().replace(/^0+/, "")).toBe(out.serial.replace(/^0+/, ""));
        // The key is the certificate's.
        expect(x.checkPrivateKey(crypto.createPrivateKey(file("tls.key")))).toBe(true);
    });

    test("dask.yaml: TLS inline, encryption required, results through the scheduler, the dashboard link and the gateway", () => {
        const config = parse(file("dask.yaml"));
        // The session's name as the hub escapes it (not a DNS label as it is: hashed).
        const escaped = `alice-example-edu-${crypto.createHash("sha256").update("alice@example.edu").digest("hex").slice(0, 10)}`;
        expect(config.distributed.comm).toEqual({
            "require-encryption": true,
            tls: { "ca-file": cmsCa.certPem, client: { cert: file("tls.crt"), key: file("tls.key") } },
        });
        expect(config.distributed.client).toEqual({ "direct-to-workers": false });
        expect(config.distributed.dashboard).toEqual({ link: `https://af.example.edu/services/dask/sessions/${escaped}/status` });
        expect(config.gateway).toEqual({
            address: "https://af.example.edu/services/dask-gateway-cms",
            "public-address": "https://af.example.edu/services/dask/gateways/cms",
            "proxy-address": "gateway://af.example.edu:8786",
            auth: { type: "jupyterhub" },
        });
        const readme = file("README.txt");
        expect(readme).toContain(`client = Client("tls://${escaped}.dask.af.example.edu:8786")`);
        expect(readme).toContain("export DASK_CONFIG=$PWD/af.example.edu-cms");
        expect(readme).toContain(`valid until ${out.notAfter.slice(0, 10)}`);
    });

    test("the README names the Dask a laptop's client needs, from the rendered values: the Python minor and a pip line of every package Dask compares", () => {
        const pins = Object.entries(DASK_VERSIONS.packages).sort(([a], [b]) => a.localeCompare(b)).map(([n, v]) => `${n}==${v}`).join(" ");
        for (const readme of [file("README.txt"), fs.readFileSync(path.join(out.gatewayOnly.dir, "README.txt"), "utf8")]) {
            expect(readme).toContain(`Your client needs the Dask the facility's schedulers and workers run: Python ${DASK_VERSIONS.python} and\n    pip install ${pins}\n`);
        }
        // What that line installs is what this venv's client has, the client that reached the scheduler with only a bundle (below).
        const line = /pip install (.+)\n/.exec(file("README.txt"))![1];
        const here = JSON.parse(execFileSync(python, ["-c", "import json, sys; from importlib import metadata; "
            + "print(json.dumps({'python': '%d.%d' % sys.version_info[:2], 'pins': ' '.join(f'{n}=={metadata.version(n)}' for n in sys.argv[1:])}))",
        ...line.split(" ").map((pin) => pin.split("==")[0])], { encoding: "utf8" }));
        expect(here).toEqual({ python: DASK_VERSIONS.python, pins: line });
    });

    test("a group without its own schedulers: the gateway's config, no certificate", () => {
        expect(out.gatewayOnly.listing.map((l: string[]) => l[0])).toEqual(["af.example.edu-atlas/README.txt", "af.example.edu-atlas/dask.yaml"]);
        const config = parse(fs.readFileSync(path.join(out.gatewayOnly.dir, "dask.yaml"), "utf8"));
        expect(config).toEqual({ distributed: { client: { "direct-to-workers": false } }, gateway: expect.objectContaining({ address: "https://af.example.edu/services/dask-gateway-atlas" }) });
    });

    test("each certificate is recorded before it is handed out; the limit holds per user; the record survives other writers", () => {
        expect(out.records[out.serial]).toEqual({ user: "alice@example.edu", issued: expect.stringMatching(/Z$/), notAfter: out.notAfter });
        // mintsPerDay 3: the fourth is refused, saying when the next one is possible (about a day).
        expect(out.minted).toBe(3);
        expect(out.retryAfter).toBeGreaterThan(24 * 3600 - 120);
        expect(out.retryAfter).toBeLessThanOrEqual(24 * 3600 + 1);
        expect(Object.values(out.records).filter((r: any) => r.user === "alice@example.edu")).toHaveLength(3);
        // Bob is not limited by alice: his is the fourth certificate entry (besides the two other writers' keys).
        expect(out.afterBob).toBe(3 + 1 + 2);
        expect(out.recordsKeptOthers).toBe(true);
        // It read only the group's CA Secret, and wrote only its record.
        expect(out.secretsRead).toEqual(["af-cms/hepaf-group-ca-keypair"]);
        expect(out.calls).toEqual(["read_config_map", "read_secret", "replace_config_map_data"]);
        // Pruned: only expired certificates issued more than a day ago; unreadable entries kept.
        expect(out.pruned).toEqual(["b", "c", "d"]);
    });
});

test("dashboards: which paths lead to whose dashboard (and nothing a proxy might read differently)", () => {
    const uris = [
        "/services/dask/sessions/alice/status",
        "/services/dask/sessions/alice/",
        "/services/dask/sessions/alice",
        "/services/dask/sessions/Alice/status",
        "/services/dask/sessions/alice/../bob/status",
        "/services/dask/sessions/alice//status",
        "/services/dask/sessions/alice/%2e%2e/bob/",
        "/services/dask/gateways/cms/clusters/af-cms.0123abcd/status?x=1",
        "/services/dask/gateways/cms/clusters/af-atlas.0123abcd/status",
        "/services/dask/gateways/atlas/clusters/af-atlas.ff/individual-plots.json",
        "/services/dask/gateways/cms/clusters/af-cms.notahex/status",
        "/services/dask/bundle/cms",
        "/hub/home",
    ];
    const { targets } = runPy({ check: "targets", values: renderDaskAccessValues(plan()), uris });
    expect(targets).toEqual({
        "/services/dask/sessions/alice/status": { kind: "session", group: null, name: "alice", namespace: null },
        "/services/dask/sessions/alice/": { kind: "session", group: null, name: "alice", namespace: null },
        "/services/dask/sessions/alice": null,
        "/services/dask/sessions/Alice/status": null,
        "/services/dask/sessions/alice/../bob/status": null,
        "/services/dask/sessions/alice//status": null,
        "/services/dask/sessions/alice/%2e%2e/bob/": null,
        "/services/dask/gateways/cms/clusters/af-cms.0123abcd/status?x=1": { kind: "gateway", group: "cms", name: "0123abcd", namespace: "af-cms" },
        "/services/dask/gateways/cms/clusters/af-atlas.0123abcd/status": null,
        "/services/dask/gateways/atlas/clusters/af-atlas.ff/individual-plots.json": { kind: "gateway", group: "atlas", name: "ff", namespace: "af-atlas" },
        "/services/dask/gateways/cms/clusters/af-cms.notahex/status": null,
        "/services/dask/bundle/cms": null,
        "/hub/home": null,
    });
});

test("a real scheduler: a client with nothing but the bundle computes; an expired certificate and another group's are refused", () => {
    const other = opensslMakeCa("af atlas CA");
    const out = runPy({
        check: "scheduler", values: renderDaskAccessValues(plan()), ca, user: "alice", group: "cms", out: path.join(dir, "scheduler"),
        otherCa: { cert: other.certPem, key: other.keyPem }, client: path.join(root, "test", "python", "bundle_client.py"),
    });
    const { valid, expired, otherGroup } = out.results;
    console.log(`bundle clients at a real scheduler: expired: ${expired.error} (scheduler: ${out.schedulerSaid.expired.join("; ")}); other group's: ${otherGroup.error}`);
    // Only DASK_CONFIG: TLS, encryption and how results travel came from the bundle's dask.yaml.
    expect(valid).toMatchObject({ result: 45, scattered: 499500, gathered: 4, directToWorkers: false, requireEncryption: true, dashboard: "https://af.example.edu/services/dask/sessions/alice/status" });
    expect(valid.workers).toHaveLength(1);
    expect(new Date(out.expiredNotAfter).getTime()).toBeLessThan(Date.now());
    expect(expired.error).toMatch(/TLS|SSL|certificate|closed|Timed out/i);
    expect(expired.scheduler).toBeUndefined();
    // The scheduler refused it for its age: the same bundle otherwise, issued ten days ago for a day.
    expect(out.schedulerSaid.expired.join("\n")).toMatch(/certificate has expired/);
    expect(out.schedulerSaid.valid).toEqual([]);
    expect(otherGroup.error).toMatch(/TLS|SSL|certificate|closed|Timed out/i);
    expect(otherGroup.scheduler).toBeUndefined();
    // Presented to the scheduler, another group's certificate is refused by the scheduler itself.
    expect(out.results.otherGroupCert.scheduler).toBeUndefined();
    expect(out.schedulerSaid.otherGroupCert.join("\n")).toMatch(/certificate verify failed/);
});

describe("the service's metrics, on a port of their own", () => {
    const user = (name: string, groups: string[]) => ({ kind: "user", name, groups, scopes: ["access:services!service=dask"], session_id: "" });
    let out: any;
    beforeAll(() => {
        out = runPy0("dask_access_metrics_check.py", {
            module: path.join(root, "components", "dask-sessions"), dir: path.join(dir, "metrics"), values: renderDaskAccessValues(plan()),
            users: { "alice-token": user("alice", ["cms", "atlas"]), "bob-token": user("bob", []) },
            requests: [
                ["GET", "bundle/cms", "alice-token"], // her page: served
                ["GET", "bundle/cms", "bob-token"], // not a member: refused
                ["POST", "bundle/cms", "bob-token"],
                ["GET", "bundle/atlas", "bob-token"],
                ["GET", "bundle/nosuchgroup", "alice-token"], // not_found, as group "unknown"
                ["POST", "bundle/atlas", "alice-token"], // a gateway-only group's bundle: served, no certificate
                ["POST", "bundle/cms", "alice-token"], // a certificate, but no Kubernetes API here: error
            ],
        });
    });
    type Sample = [string, Record<string, string>, number];
    const count = (samples: Sample[], group: string, outcome: string) =>
        samples.find(([n, l]) => n === "hepaf_access_requests_total" && l.group === group && l.outcome === outcome)?.[2];

    test("every configured group's outcomes (and unknown's not_found) are there from the start, at 0", () => {
        const series = (out.before as Sample[]).filter(([n]) => n === "hepaf_access_requests_total").map(([, l]) => `${l.group}/${l.outcome}`).sort();
        const outcomes = ["served", "refused", "limited", "not_found", "error"];
        expect(series).toEqual([...["cms", "atlas"].flatMap((g) => outcomes.map((o) => `${g}/${o}`)), "unknown/not_found"].sort());
        expect((out.before as Sample[]).filter(([n]) => n === "hepaf_access_requests_total").every(([, , v]) => v === 0)).toBe(true);
    });

    test("the counter moves by outcome: served, refused, not_found, error; the service's own port serves no metrics", () => {
        expect(out.statuses).toEqual([200, 403, 403, 403, 404, 200, 500]);
        const after: Sample[] = out.after;
        expect(count(after, "cms", "served")).toBe(1);
        expect(count(after, "cms", "refused")).toBe(2);
        expect(count(after, "atlas", "refused")).toBe(1);
        expect(count(after, "atlas", "served")).toBe(1);
        expect(count(after, "unknown", "not_found")).toBe(1);
        expect(count(after, "cms", "error")).toBe(1);
        expect(count(after, "cms", "limited")).toBe(0);
        // The asked name of a group that is not configured never becomes a label.
        expect(after.some(([, l]) => l.group === "nosuchgroup")).toBe(false);
        expect(out.servicePortMetrics).toBe(404);
        expect(out.exitCode).toBe(0);
        console.log(`Dask access /metrics (excerpt):\n${(out.text as string).split("\n").filter((l) => l.startsWith("hepaf_access_requests_total")).join("\n")}`);
    });
});
