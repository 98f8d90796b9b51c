/**
 * Monitoring, live: the dev stack with the facility's own Prometheus (mode `prometheus`; the
 * double of the upstream image, Prometheus 3.16.0 built here) finding every part through its
 * Kubernetes service discovery of the real API server's EndpointSlices, scraping them (the hub
 * with its read:metrics token), and evaluating the facility's alert rules. Each alert the test
 * drives is made true by the condition itself (batch jobs idle in a pool with no free slot, a
 * group CA bundle near its end, a front door with no ready endpoint) and is undone the same way.
 * The scrape interval and the alerts' hold times are shortened through the stack config, as a
 * site sets them (`hepaf:monitoring`), so the test runs in minutes.
 */
import * as http from "http";
import { LiveFacility, deploymentLogs, startFacility, waitDeploymentRunning, waitFrontDoor } from "./harness/facility";
import { HubSession } from "./harness/hub-client";
import { waitFor } from "./harness/processes";
import { HeldSession, openHeldSession, ScheddDouble, startScheddDouble } from "./harness/sessions";
import { opensslMakeCa } from "../helpers/openssl";
import { SCRAPE_JOBS } from "../../components/common";
import { dashboardQueries, expandDashboardVariables } from "../../components/monitoring";

jest.setTimeout(25 * 60 * 1000);

/** What the stack sets over the dev stack's `hepaf:monitoring`: seconds instead of minutes. */
const MONITORING = {
    mode: "prometheus",
    scrapeInterval: "2s",
    alerts: { downFor: "6s", certificateFor: "4s", batchPendingSeconds: 8, batchPendingFor: "4s" },
};

let f: LiveFacility;
let rootCa: string;
let schedd: ScheddDouble;

/** GET http://<ip>:<port><path> from the tier (the test's own namespace reaches pod addresses). */
function get(ip: string, port: number, urlPath: string, headers: Record<string, string> = {}): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        const req = http.get({ host: ip, port, path: urlPath, headers, timeout: 10000 }, (res) => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (c) => (body += c));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on("timeout", () => req.destroy(new Error(`GET ${ip}:${port}${urlPath} timed out`)));
        req.on("error", reject);
    });
}

const prometheusPod = () => f.kubelet.running().find((p) => p.namespace === "af-monitoring" && p.name.startsWith("prometheus-"));
/** Prometheus' HTTP API (`/api/v1/...`), parsed; fails on an error answer. */
async function api(urlPath: string): Promise<any> {
    const pod = prometheusPod();
    if (!pod) throw new Error("the Prometheus pod is not running");
    const res = await get(pod.ip, 9090, `/api/v1/${urlPath}`);
    const body = JSON.parse(res.body);
    if (body.status !== "success") throw new Error(`Prometheus /api/v1/${urlPath}: ${res.body.slice(0, 500)}`);
    return body.data;
}
const query = async (expr: string): Promise<{ metric: Record<string, string>; value: [number, string] }[]> => (await api(`query?query=${encodeURIComponent(expr)}`)).result;
const targets = async (): Promise<any[]> => (await api("targets?state=active")).activeTargets;
/** The alerts Prometheus holds now (pending or firing), with their labels. */
const alerts = async (): Promise<{ labels: Record<string, string>; state: string; activeAt: string }[]> => (await api("alerts")).alerts;
const firing = async (name: string, labels: Record<string, string> = {}) =>
    (await alerts()).find((a) => a.state === "firing" && a.labels.alertname === name && Object.entries(labels).every(([k, v]) => a.labels[k] === v));

/** Up targets by job. */
async function upByJob(): Promise<Record<string, number>> {
    const out: Record<string, number> = {};
    for (const t of await targets()) if (t.health === "up") out[t.labels.job] = (out[t.labels.job] ?? 0) + 1;
    return out;
}

/** Waits until alert `name` (with `labels`) fires; returns the seconds since `since`. */
async function waitFiring(name: string, labels: Record<string, string>, since: number, timeoutMs = 120000): Promise<number> {
    await waitFor(`alert ${name} ${JSON.stringify(labels)} firing`, () => firing(name, labels), { timeoutMs, intervalMs: 500 }).catch(async (err) => {
        throw new Error(`${err.message}\nalerts now: ${JSON.stringify(await alerts())}`);
    });
    return (Date.now() - since) / 1000;
}
/** Waits until alert `name` (with `labels`) is neither pending nor firing; returns the seconds since `since`. */
async function waitCleared(name: string, labels: Record<string, string>, since: number, timeoutMs = 120000): Promise<number> {
    await waitFor(
        `alert ${name} ${JSON.stringify(labels)} cleared`,
        async () => !(await alerts()).some((a) => a.labels.alertname === name && Object.entries(labels).every(([k, v]) => a.labels[k] === v)),
        { timeoutMs, intervalMs: 500 },
    );
    return (Date.now() - since) / 1000;
}

beforeAll(async () => {
    f = await startFacility("dev", { monitoring: true, names: ["alice.dask.af.example.org"], config: { "hepaf:monitoring": MONITORING } });
    try {
        for (const [ns, name] of [
            ["af", "af-hub"], ["af", "af-proxy"], ["af", "af-dask-access"], ["af", "hepaf-exporter"], ["af-monitoring", "prometheus"],
            ["af-cms", "dask-gateway-api"], ["af-opendata", "dask-gateway-api"], ["af-opendata", "dask-gateway-controller"],
        ]) {
            await waitDeploymentRunning(f, ns, name);
        }
        await waitFrontDoor(f);
    } catch (err) {
        throw new Error(`${(err as Error).message}\n${deploymentLogs(f, "af-monitoring", "prometheus")}\n${deploymentLogs(f, "af", "hepaf-exporter")}`);
    }
    rootCa = f.cp.admin.find("configmap", "hepaf-root-ca", "af").data["ca.crt"];
    // CMS's pool has no free slot, so every batch job waits idle in its queue.
    schedd = await startScheddDouble(f, { slots: 0, runJobs: false });
});

const sessions: HeldSession[] = [];
afterAll(async () => {
    for (const s of sessions) await s.close();
    await schedd?.proc.stop(10000);
    await f?.stop();
});

/** Logs `user` in, spawns the server and keeps a Dask session of the group's kind open in it. */
async function openSession(user: string, group: string, profile: string): Promise<HeldSession> {
    const s = await openHeldSession(f, user, group, profile, { rootCa, schedd, batchWorkers: 1 });
    sessions.push(s);
    return s;
}

test("every part of the facility is found by Kubernetes discovery and scraped, the hub only with its token", async () => {
    const want = { [SCRAPE_JOBS.traefik]: 2, [SCRAPE_JOBS.hub]: 1, [SCRAPE_JOBS.daskAccess]: 1, [SCRAPE_JOBS.exporter]: 1, prometheus: 1 };
    await waitFor("every facility target up", async () => {
        const up = await upByJob();
        return Object.entries(want).every(([job, n]) => up[job] === n) ? up : undefined;
    }, { timeoutMs: 120000, intervalMs: 1000 }).catch(async (err) => {
        throw new Error(`${err.message}\n${JSON.stringify((await targets()).map((t) => ({ job: t.labels.job, health: t.health, err: t.lastError, url: t.scrapeUrl })), null, 1)}`);
    });
    const hubTarget = (await targets()).find((t) => t.labels.job === SCRAPE_JOBS.hub);
    expect(hubTarget.labels).toMatchObject({ namespace: "af" });
    expect(hubTarget.scrapeUrl).toMatch(/:8081\/hub\/metrics$/);
    // Without the token the hub refuses its metrics; with the scraper's (read:metrics) it serves them.
    const hubPod = f.kubelet.running().find((p) => p.namespace === "af" && p.name.startsWith("af-hub-"))!;
    expect((await get(hubPod.ip, 8081, "/hub/metrics")).status).toBe(403);
    const token = Buffer.from(f.cp.admin.find("secret", "hepaf-hub-metrics-token", "af-monitoring").data.token, "base64").toString();
    const served = await get(hubPod.ip, 8081, "/hub/metrics", { Authorization: `token ${token}` });
    expect(served.status).toBe(200);
    expect(served.body).toMatch(/^jupyterhub_total_users /m);
    // Through the front door the metrics are closed, even to the scraper's token.
    const outside = new HubSession(`https://${f.domain}`, "nobody", { ca: rootCa });
    try {
        const viaFrontDoor = await outside.request("GET", "/hub/metrics", { headers: { authorization: `token ${token}` } });
        expect(viaFrontDoor.status).toBe(403);
        expect(await viaFrontDoor.text()).not.toMatch(/jupyterhub_total_users/);
        expect((await outside.request("GET", "/hub/health")).status).toBe(200);
    } finally {
        await outside.close();
    }
    // The exporter's readings of the facility, as Prometheus holds them.
    const ca = await query("hepaf_ca_expiry_timestamp_seconds");
    // The root bundle has no group (an empty label is no label).
    expect(ca.map((s) => `${s.metric.ca}/${s.metric.group ?? ""}`).sort()).toEqual(["group/cms", "group/opendata", "root/"]);
    const gatewaysUp = await waitFor("both gateways healthy", async () => {
        const r = await query("hepaf_gateway_up == 1");
        return r.length === 2 ? r : undefined;
    }, { timeoutMs: 60000, intervalMs: 1000 });
    expect(gatewaysUp.map((s) => s.metric.group).sort()).toEqual(["cms", "opendata"]);
    // Each Traefik pod reports the edge certificate once its provider has read the TLSStore.
    const edge = await waitFor("the edge certificate reported by both Traefik pods", async () => {
        const r = (await query('traefik_tls_certs_not_after{job="hepaf-traefik"}')).filter((x) => (x.metric.sans ?? "").split(",").includes(f.domain));
        return new Set(r.map((x) => x.metric.pod)).size === 2 ? r : undefined;
    }, { timeoutMs: 60000, intervalMs: 1000 });
    expect(Number(edge[0].value[1]) * 1000).toBeGreaterThan(Date.now());
});

test("two sessions: their schedulers are scraped once they exist, jobs idle in the pool fire HepafBatchJobsIdle, which clears when they leave; every dashboard query returns a series", async () => {
    const alice = await openSession("alice", "cms", "cms-coffea");
    const submitted = Date.now();
    const bob = await openSession("bob", "opendata", "opendata-default");
    expect(alice.started.kind).toBe("htcondor");
    expect(bob.started.kind).toBe("gateway");
    const up = await waitFor("both sessions' schedulers scraped", async () => {
        const byJob = await upByJob();
        return byJob[SCRAPE_JOBS.sessionScheduler] === 1 && byJob[SCRAPE_JOBS.gatewayScheduler] === 1 ? byJob : undefined;
    }, { timeoutMs: 180000, intervalMs: 1000 }).catch(async (err) => {
        throw new Error(`${err.message}\n${JSON.stringify((await targets()).map((t) => ({ job: t.labels.job, health: t.health, err: t.lastError, url: t.scrapeUrl })), null, 1)}`);
    });
    // The one that is up (an open-data user's session Service has a target too, with no scheduler behind it).
    const session = (await targets()).find((t) => t.labels.job === SCRAPE_JOBS.sessionScheduler && t.health === "up");
    expect(session.labels).toMatchObject({ namespace: "af-cms", group: "cms", pod: "jupyter-alice" });
    const gateway = (await targets()).find((t) => t.labels.job === SCRAPE_JOBS.gatewayScheduler);
    expect(gateway.labels).toMatchObject({ namespace: "af-opendata", group: "opendata" });
    // The batch job waits: the pool has no free slot.
    const pending = await waitFor("alice's job pending in Prometheus", async () => {
        const r = await query('hepaf_batch_jobs{group="cms", state="pending"} == 1');
        return r.length === 1 ? r : undefined;
    }, { timeoutMs: 60000, intervalMs: 1000 });
    expect(pending[0].metric.job).toBe(SCRAPE_JOBS.sessionScheduler);
    const fired = await waitFiring("HepafBatchJobsIdle", { group: "cms" }, submitted);

    // What Prometheus holds for the dev stack with two sessions.
    const series = Number((await query('count({__name__=~".+"})'))[0].value[1]);
    const rss = Number((await query('process_resident_memory_bytes{job="prometheus"}'))[0].value[1]);
    const headSeries = Number((await query("prometheus_tsdb_head_series"))[0].value[1]);
    // Every dashboard query (with the dashboards' "All") returns at least one series.
    const empty: string[] = [];
    for (const q of dashboardQueries()) {
        const r = await query(expandDashboardVariables(q.expr));
        if (r.length === 0) empty.push(`${q.dashboard} / ${q.panel} / ${q.refId}: ${q.expr}`);
    }
    expect(empty).toEqual([]);

    await alice.say("scale-down", "scaledDown", 60000);
    const removed = Date.now();
    const cleared = await waitCleared("HepafBatchJobsIdle", { group: "cms" }, removed);
    console.log(
        `live monitoring, dev stack with two sessions: ${Object.values(up).reduce((a, b) => a + b, 0)} targets up (${JSON.stringify(up)}), `
            + `${series} series (${headSeries} in the head), Prometheus RSS ${(rss / 2 ** 20).toFixed(0)} MiB; `
            + `HepafBatchJobsIdle fired ${fired.toFixed(1)} s after the job was submitted (bound ${MONITORING.alerts.batchPendingSeconds} s, held ${MONITORING.alerts.batchPendingFor}), `
            + `cleared ${cleared.toFixed(1)} s after the job left; ${dashboardQueries().length} dashboard queries each returned a series`,
    );
});

test("a group CA near its end fires HepafCAExpiringSoon for that group, and the real bundle back clears it", async () => {
    const bundle = f.cp.admin.find("configmap", "hepaf-group-ca", "af-opendata");
    const original = bundle.data["ca.crt"];
    const short = opensslMakeCa("opendata CA ending soon", 2).certPem;
    const patch = (pem: string) => f.cp.admin.ok(["-n", "af-opendata", "patch", "configmap", "hepaf-group-ca", "--type", "merge", "-p", JSON.stringify({ data: { "ca.crt": pem } })]);
    const t0 = Date.now();
    patch(short);
    let fired: number;
    try {
        fired = await waitFiring("HepafCAExpiringSoon", { group: "opendata", ca: "group" }, t0);
        expect(await firing("HepafCAExpiringSoon", { group: "cms" })).toBeUndefined();
    } finally {
        patch(original);
    }
    const cleared = await waitCleared("HepafCAExpiringSoon", { group: "opendata" }, Date.now());
    console.log(`live monitoring: HepafCAExpiringSoon fired ${fired.toFixed(1)} s after the bundle changed (exporter reading every ${MONITORING.scrapeInterval}, held ${MONITORING.alerts.certificateFor}), cleared ${cleared.toFixed(1)} s after it was restored`);
});

test("a front door with no ready endpoint fires HepafFrontDoorDown, and Traefik back clears it", async () => {
    const scale = (n: number) => f.cp.admin.ok(["-n", "af", "scale", "deployment", "af-edge", `--replicas=${n}`]);
    const t0 = Date.now();
    scale(0);
    let fired: number;
    try {
        await waitFor("no Traefik target", async () => !(await targets()).some((t) => t.labels.job === SCRAPE_JOBS.traefik), { timeoutMs: 120000, intervalMs: 500 });
        fired = await waitFiring("HepafFrontDoorDown", {}, t0);
    } finally {
        scale(2);
    }
    const back = Date.now();
    await waitFrontDoor(f);
    const cleared = await waitCleared("HepafFrontDoorDown", {}, back);
    // One pod up clears the alert; the other is scraped once its endpoint is ready and Prometheus's next round reaches it.
    await waitFor("both Traefik pods scraped and up", async () => (await upByJob())[SCRAPE_JOBS.traefik] === 2, { timeoutMs: 60000, intervalMs: 1000 });
    console.log(`live monitoring: HepafFrontDoorDown fired ${fired.toFixed(1)} s after Traefik was scaled to 0 (held ${MONITORING.alerts.downFor}), cleared ${cleared.toFixed(1)} s after it was scaled back`);
});
