/**
 * The facility exporter (components/monitoring/hepaf_exporter.py) run as a process, as its pod
 * runs it, with the real prometheus_client, kubernetes_asyncio and cryptography: against the
 * Kubernetes API double over HTTP (test/python/fake_kube.py serve, a KUBECONFIG with a bearer
 * token) and a gateway health double on loopback. Its /metrics is read with prometheus_client's
 * own parser, after a first state of the cluster and after a change (a CA rotation finished, a
 * cluster running, a quota filled, a failing read mended).
 */
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { opensslMakeCa } from "../helpers/openssl";

const root = path.join(__dirname, "..", "..");
const python = execFileSync("bash", [path.join(root, "scripts", "python-env.sh")], { encoding: "utf8" }).trim();

type Sample = [string, Record<string, string>, number];
const notAfter = (pem: string) => new Date(new crypto.X509Certificate(pem).validTo).getTime() / 1000;

const rootCa = opensslMakeCa("af root CA", 3650);
const cmsOld = opensslMakeCa("af cms CA (old)", 30);
const cmsNew = opensslMakeCa("af cms CA", 400);
const atlasCa = opensslMakeCa("af atlas CA", 200);
const CRT = "ca.crt";
const values = {
    facility: "af",
    namespace: "af",
    intervalSeconds: 0.3,
    rootCaConfigMap: { namespace: "af", name: "hepaf-root-ca", key: CRT },
    groups: [
        { name: "cms", namespace: "af-cms", caConfigMap: { name: "hepaf-group-ca", key: CRT }, gatewayHealthUrl: "{health}/cms/api/health" },
        { name: "atlas", namespace: "af-atlas", caConfigMap: { name: "hepaf-group-ca", key: CRT }, gatewayHealthUrl: "{health}/atlas/api/health" },
    ],
};
const atlasClusters = "/apis/gateway.dask.org/v1alpha1/namespaces/af-atlas/daskclusters";
const cluster = (name: string, phase?: string) => ({ apiVersion: "gateway.dask.org/v1alpha1", kind: "DaskCluster", metadata: { name, namespace: "af-cms" }, ...(phase ? { status: { phase } } : {}) });
const before = {
    configMaps: {
        "af/hepaf-root-ca": { [CRT]: rootCa.certPem },
        // A rotation overlap: the old and the new certificate in one bundle.
        "af-cms/hepaf-group-ca": { [CRT]: cmsOld.certPem + cmsNew.certPem },
        // No atlas bundle yet: a failing read.
    },
    resourceQuotas: {
        "af-cms": [
            { name: "compute", hard: { "requests.cpu": "10", "requests.memory": "800Gi", "limits.cpu": "20", pods: "500" }, used: { "requests.cpu": "2500m", "requests.memory": "600Gi", "limits.cpu": "5", pods: "50" } },
            { name: "storage", hard: { "requests.storage": "1Ti", "requests.cpu": "40" }, used: { "requests.storage": "256Gi", "requests.cpu": "2500m" } },
        ],
        "af-atlas": [{ name: "compute", hard: { "requests.cpu": "8", "count/jobs.batch": "0" } }],
    },
    daskClusters: { "af-cms": [cluster("a", "Running"), cluster("b", "Running"), cluster("c"), cluster("d", "Failed")] },
    fail: { [atlasClusters]: 500 },
};
const after = {
    ...before,
    configMaps: { "af/hepaf-root-ca": { [CRT]: rootCa.certPem }, "af-cms/hepaf-group-ca": { [CRT]: cmsNew.certPem }, "af-atlas/hepaf-group-ca": { [CRT]: atlasCa.certPem } },
    resourceQuotas: { ...before.resourceQuotas, "af-cms": [{ ...before.resourceQuotas["af-cms"][0], used: { ...before.resourceQuotas["af-cms"][0].used, "requests.cpu": "9500m" } }] },
    daskClusters: { "af-cms": [cluster("a", "Running"), cluster("b", "Stopping"), cluster("c", "Running")], "af-atlas": [] },
    fail: {},
};

let dir: string;
let seen: any;
beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-exporter-"));
    seen = JSON.parse(execFileSync(python, [path.join(root, "test", "python", "exporter_check.py"), JSON.stringify({
        module: path.join(root, "components", "monitoring"), dir, values, states: [before, after], gateways: { cms: 200, atlas: 503 },
    })], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 180000 }));
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

/** The value of `name` with exactly `labels` in a round, or undefined. */
const value = (round: number, name: string, labels: Record<string, string>): number | undefined =>
    (seen.rounds[round].samples as Sample[]).find(([n, l]) => n === name && JSON.stringify(Object.entries(l).sort()) === JSON.stringify(Object.entries(labels).sort()))?.[2];
const series = (round: number, name: string) => (seen.rounds[round].samples as Sample[]).filter(([n]) => n === name);

test("CA expiry: the root bundle (group \"\"), each group's, the latest certificate of a rotation overlap; none for a bundle it cannot read", () => {
    expect(value(0, "hepaf_ca_expiry_timestamp_seconds", { group: "", ca: "root" })).toBe(notAfter(rootCa.certPem));
    expect(notAfter(cmsNew.certPem)).toBeGreaterThan(notAfter(cmsOld.certPem));
    expect(value(0, "hepaf_ca_expiry_timestamp_seconds", { group: "cms", ca: "group" })).toBe(notAfter(cmsNew.certPem));
    expect(series(0, "hepaf_ca_expiry_timestamp_seconds")).toHaveLength(2);
    expect(value(1, "hepaf_ca_expiry_timestamp_seconds", { group: "atlas", ca: "group" })).toBe(notAfter(atlasCa.certPem));
    expect(value(1, "hepaf_ca_expiry_timestamp_seconds", { group: "cms", ca: "group" })).toBe(notAfter(cmsNew.certPem));
});

test("quota: used/hard of every resource of every quota (Kubernetes quantities), the highest where two quotas hold one resource", () => {
    const q = (round: number, group: string, resource: string) => value(round, "hepaf_group_quota_used_ratio", { group, resource });
    expect(q(0, "cms", "requests.cpu")).toBeCloseTo(0.25, 12);
    expect(q(0, "cms", "requests.memory")).toBeCloseTo(0.75, 12);
    expect(q(0, "cms", "limits.cpu")).toBeCloseTo(0.25, 12);
    expect(q(0, "cms", "pods")).toBeCloseTo(0.1, 12);
    expect(q(0, "cms", "requests.storage")).toBeCloseTo(0.25, 12);
    // Nothing used yet (no status.used) counts 0; a hard limit of 0 with nothing used, 0.
    expect(q(0, "atlas", "requests.cpu")).toBe(0);
    expect(q(0, "atlas", "count/jobs.batch")).toBe(0);
    expect(series(0, "hepaf_group_quota_used_ratio")).toHaveLength(7);
    expect(q(1, "cms", "requests.cpu")).toBeCloseTo(0.95, 12);
    // The storage quota is gone: its series too.
    expect(q(1, "cms", "requests.storage")).toBeUndefined();
});

test("gateway clusters by phase, every phase always (no status yet: Pending); none for a namespace it cannot read", () => {
    const phases = (round: number, group: string) => Object.fromEntries(series(round, "hepaf_gateway_clusters").filter(([, l]) => l.group === group).map(([, l, v]) => [l.phase, v]));
    expect(phases(0, "cms")).toEqual({ Pending: 1, Running: 2, Stopping: 0, Stopped: 0, Failed: 1 });
    expect(phases(0, "atlas")).toEqual({});
    expect(phases(1, "cms")).toEqual({ Pending: 0, Running: 2, Stopping: 1, Stopped: 0, Failed: 0 });
    expect(phases(1, "atlas")).toEqual({ Pending: 0, Running: 0, Stopping: 0, Stopped: 0, Failed: 0 });
});

test("gateway up: 1 for a 200, 0 for another answer", () => {
    for (const round of [0, 1]) {
        expect(value(round, "hepaf_gateway_up", { group: "cms" })).toBe(1);
        expect(value(round, "hepaf_gateway_up", { group: "atlas" })).toBe(0);
    }
});

test("errors are counted per source, every source from the start; the exporter carries on and logs one line each, no token", () => {
    const errors = (round: number, source: string) => value(round, "hepaf_exporter_errors_total", { source });
    expect(errors(0, "ca")).toBeGreaterThanOrEqual(1);
    expect(errors(0, "clusters")).toBeGreaterThanOrEqual(1);
    // A gateway down is hepaf_gateway_up 0 (its own alert), not an error of the exporter.
    expect(errors(0, "gateway")).toBeUndefined();
    expect(errors(0, "quota")).toBe(0);
    expect(errors(1, "quota")).toBe(0);
    // Mended reads count no more.
    expect(errors(1, "ca")).toBeGreaterThanOrEqual(errors(0, "ca")!);
    expect(errors(1, "gateway")).toBeUndefined();
    const log: string[] = seen.log;
    expect(log.some((l) => / WARNING hepaf\.exporter ca af-atlas\/hepaf-group-ca: ApiException 404 /.test(l))).toBe(true);
    expect(log.some((l) => / WARNING hepaf\.exporter clusters af-atlas: ApiException 500 /.test(l))).toBe(true);
    expect(log.some((l) => / WARNING hepaf\.exporter gateway atlas: /.test(l))).toBe(true);
    const token = JSON.parse(fs.readFileSync(path.join(dir, "state.json"), "utf8")).token;
    expect(log.join("\n")).not.toContain(token);
    // It stops on SIGTERM, cleanly.
    expect(seen.exitCode).toBe(0);
    console.log(`facility exporter /metrics (excerpt):\n${(seen.rounds[1].text as string).split("\n").filter((l) => l.startsWith("hepaf_")).join("\n")}`);
});

test("it reads only ConfigMaps, ResourceQuotas and DaskClusters, with its token, never a Secret", () => {
    const paths = new Set((seen.requests as { method: string; path: string; status: number }[]).map((r) => `${r.method} ${r.path}`));
    expect([...paths].sort()).toEqual([
        "GET /api/v1/namespaces/af-atlas/configmaps/hepaf-group-ca",
        "GET /api/v1/namespaces/af-atlas/resourcequotas",
        `GET ${atlasClusters}`,
        "GET /api/v1/namespaces/af-cms/configmaps/hepaf-group-ca",
        "GET /api/v1/namespaces/af-cms/resourcequotas",
        "GET /apis/gateway.dask.org/v1alpha1/namespaces/af-cms/daskclusters",
        "GET /api/v1/namespaces/af/configmaps/hepaf-root-ca",
    ].sort());
    expect((seen.requests as { status: number }[]).some((r) => r.status === 401)).toBe(false);
});

test("Kubernetes quantities, as the API server writes them; anything else refused", () => {
    const quantities = ["100m", "2Gi", "800Gi", "500", "1.5", "0.5Gi", "1e3", "2E-3", "3k", "1E", "250u", "7n", "1Ki", "1Mi", "1Ti", "1Pi", "1Ei", "2M", "4G", "1T", "1P", "+1"];
    const bad = ["2GB", "", "Gi", "1.2.3", "1 Gi", "ten"];
    const out = JSON.parse(execFileSync(python, ["-c", [
        "import json, sys; sys.path.insert(0, sys.argv[1]); import hepaf_exporter as e",
        "good = {q: str(e.parse_quantity(q)) for q in json.loads(sys.argv[2])}",
        "bad = []",
        "for q in json.loads(sys.argv[3]):",
        "    try: e.parse_quantity(q)",
        "    except ValueError: bad.append(q)",
        "print(json.dumps({'good': good, 'bad': bad}))",
    ].join("\n"), path.join(root, "components", "monitoring"), JSON.stringify(quantities), JSON.stringify(bad)], { encoding: "utf8" }));
    const num = (s: string) => Number(s);
    const expected: Record<string, number> = {
        "100m": 0.1, "2Gi": 2 * 2 ** 30, "800Gi": 800 * 2 ** 30, "500": 500, "1.5": 1.5, "0.5Gi": 2 ** 29, "1e3": 1000, "2E-3": 0.002, "3k": 3000,
        "1E": 1e18, "250u": 0.00025, "7n": 7e-9, "1Ki": 1024, "1Mi": 2 ** 20, "1Ti": 2 ** 40, "1Pi": 2 ** 50, "1Ei": 2 ** 60, "2M": 2e6, "4G": 4e9, "1T": 1e12, "1P": 1e15, "+1": 1,
    };
    for (const q of quantities) expect([q, num(out.good[q])]).toEqual([q, expected[q]]);
    expect(out.bad).toEqual(bad);
});

describe("with cert-manager's CAs (pki.mode cert-manager)", () => {
    const certValues = {
        ...values,
        rootCaConfigMap: null,
        rootCaCertificate: { namespace: "af", name: "af-root-ca" },
        groups: values.groups.map((g) => ({ name: g.name, namespace: g.namespace, caCertificate: { name: "hepaf-group-ca" }, gatewayHealthUrl: g.gatewayHealthUrl })),
    };
    const issued = (at: string) => ({ notAfter: at, conditions: [{ type: "Ready", status: "True" }] });
    const first = {
        certificates: {
            "af/af-root-ca": issued("2036-12-01T06:00:00Z"),
            "af-cms/hepaf-group-ca": issued("2031-12-01T06:00:00Z"),
            // Not issued yet: a Certificate without status.notAfter.
            "af-atlas/hepaf-group-ca": { conditions: [{ type: "Ready", status: "False", reason: "Issuing" }] },
        },
        daskClusters: { "af-cms": [], "af-atlas": [] },
    };
    // A renewal moved cms's notAfter; atlas's was issued.
    const second = { ...first, certificates: { ...first.certificates, "af-cms/hepaf-group-ca": issued("2032-01-15T12:30:00Z"), "af-atlas/hepaf-group-ca": issued("2031-12-02T00:00:00Z") } };
    let run: any;
    beforeAll(() => {
        const d = path.join(dir, "cert-manager");
        run = JSON.parse(execFileSync(python, [path.join(root, "test", "python", "exporter_check.py"), JSON.stringify({
            module: path.join(root, "components", "monitoring"), dir: d, values: certValues, states: [first, second], gateways: { cms: 200, atlas: 200 },
        })], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 180000 }));
    });
    const at = (round: number, labels: Record<string, string>) =>
        (run.rounds[round].samples as Sample[]).find(([n, l]) => n === "hepaf_ca_expiry_timestamp_seconds" && l.group === labels.group && l.ca === labels.ca)?.[2];
    const unix = (iso: string) => Date.parse(iso) / 1000;

    test("CA expiry is each Certificate's status.notAfter; one not issued yet has no series until it is, and a renewal moves it", () => {
        expect(at(0, { group: "", ca: "root" })).toBe(unix("2036-12-01T06:00:00Z"));
        expect(at(0, { group: "cms", ca: "group" })).toBe(unix("2031-12-01T06:00:00Z"));
        expect(at(0, { group: "atlas", ca: "group" })).toBeUndefined();
        expect(at(1, { group: "cms", ca: "group" })).toBe(unix("2032-01-15T12:30:00Z"));
        expect(at(1, { group: "atlas", ca: "group" })).toBe(unix("2031-12-02T00:00:00Z"));
        expect(run.log.some((l: string) => / WARNING hepaf\.exporter ca af-atlas\/hepaf-group-ca: ValueError: Certificate hepaf-group-ca has no status\.notAfter yet/.test(l))).toBe(true);
    });

    test("it reads the Certificates, no ConfigMap and never a Secret", () => {
        const paths = [...new Set((run.requests as { path: string }[]).map((r) => r.path))].filter((p) => !/resourcequotas|daskclusters/.test(p)).sort();
        expect(paths).toEqual([
            "/apis/cert-manager.io/v1/namespaces/af-atlas/certificates/hepaf-group-ca",
            "/apis/cert-manager.io/v1/namespaces/af-cms/certificates/hepaf-group-ca",
            "/apis/cert-manager.io/v1/namespaces/af/certificates/af-root-ca",
        ]);
    });
});
