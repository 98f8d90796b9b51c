/**
 * Many users at once, on the live tier (the dev stack on a real control plane, real Traefik, the
 * real hub spawning through KubeSpawner, the images' own software in the kubelet double): for
 * each N of HEPAF_BENCH_USERS (default 10,50,100), a fresh facility whose group
 * HEPAF_BENCH_GROUP (default cms) lists N users, and all N take their way at once
 * (bench/users/flow.ts): sign in, bundle, spawn, pod running, hub ready, a Dask session in the
 * notebook, then for CMS its SNI route served by Traefik and a laptop client through the front
 * door computing one task; for opendata (N clusters at once on its gateway) a worker joining the
 * user's gateway cluster and one task computed on it through the front door. Then every server
 * is stopped at once and the run waits until nothing of the users is left. Prints, for each N, every step's p50, p95,
 * p99 and max, failures, the hub's, Traefik's and the API server's CPU and memory, the API
 * server's request count, and a summary across N with the goals beside it (bench/goals.ts).
 *
 * Sessions run HEPAF_BENCH_SESSIONS at a time (default 20): each holds a scheduler and a worker
 * (about 0.3 GiB), so all of 100 at once would not fit this machine's memory; servers are all
 * spawned at once. A session whose cluster does not exist within HEPAF_BENCH_SESSION_START seconds
 * (default 600) fails; a failed gateway user stops what they still have on the gateway through
 * it, as they would from a laptop, and the run says how many such clusters there were.
 * HEPAF_BENCH_HTTP_TIMEOUT sets the hub's `httpTimeoutSeconds` (how long it
 * waits for a started server to answer; default 120).
 *
 * Run by `npm run bench` after the front door; alone:
 *   npm run bench:users
 */
import * as fs from "fs";
import * as path from "path";
import { readStackFile } from "../infra/stack-file";
import { deploymentLogs, LiveFacility, startFacility, waitDeploymentRunning, waitFrontDoor } from "../test/live/harness/facility";
import { HubSession } from "../test/live/harness/hub-client";
import { startProcess, waitFor } from "../test/live/harness/processes";
import { ROOT } from "../test/live/harness/tools";
import { FlowContext, Semaphore, stopServer, userFlow, UserTimes } from "./users/flow";
import { RunFigures, runTable, summaryTable } from "./users/report";
import { apiRequests, availableMiB, deploymentPids, sampleParts, treeUsage } from "./users/resources";

const SIZES = (process.env.HEPAF_BENCH_USERS ?? "10,50,100").split(",").map(Number);
const SESSIONS_AT_ONCE = Number(process.env.HEPAF_BENCH_SESSIONS ?? 20);
/** The longest a user's session may take to start (HEPAF_BENCH_SESSION_START, seconds; default 600): with sessions starting at once on two cores, a gateway cluster's scheduler pod may wait minutes for its turn. */
const SESSION_START_SECONDS = Number(process.env.HEPAF_BENCH_SESSION_START ?? 600);
if (!(Number.isInteger(SESSION_START_SECONDS) && SESSION_START_SECONDS > 0)) throw new Error(`HEPAF_BENCH_SESSION_START: "${process.env.HEPAF_BENCH_SESSION_START}" must be a whole number of seconds > 0`);
/** The group the users are of (HEPAF_BENCH_GROUP): cms (HTCondor sessions, the default) or opendata (a cluster each on its gateway). */
const GROUP = process.env.HEPAF_BENCH_GROUP ?? "cms";
const PROFILES: Record<string, string> = { cms: "cms-coffea", opendata: "opendata-default" };
/** Each group's kind of session in the dev stack (its `dask.cluster`). */
const KINDS: Record<string, FlowContext["kind"]> = { cms: "htcondor", opendata: "gateway" };
if (!PROFILES[GROUP]) throw new Error(`HEPAF_BENCH_GROUP: "${GROUP}" is not a group of the dev stack; use one of ${Object.keys(PROFILES).join(", ")}`);
const PROFILE = PROFILES[GROUP];
/**
 * The hub's wait for a started server to answer (HEPAF_BENCH_HTTP_TIMEOUT, seconds: stack key
 * `hub.httpTimeoutSeconds`); unset, the dev stack's (the default, 120 s).
 */
const HTTP_TIMEOUT = process.env.HEPAF_BENCH_HTTP_TIMEOUT === undefined ? undefined : Number(process.env.HEPAF_BENCH_HTTP_TIMEOUT);
if (HTTP_TIMEOUT !== undefined && !(Number.isInteger(HTTP_TIMEOUT) && HTTP_TIMEOUT > 0)) throw new Error(`HEPAF_BENCH_HTTP_TIMEOUT: "${process.env.HEPAF_BENCH_HTTP_TIMEOUT}" must be a whole number of seconds > 0`);
const say = (s: string) => process.stderr.write(`bench users: ${s}\n`);

/** user001, user002, ... */
const userNames = (n: number) => Array.from({ length: n }, (_, i) => `user${String(i + 1).padStart(3, "0")}`);

/**
 * The dev stack with the group listing the users, its quota (where it has one) sized for them
 * (each notebook may use 2 cores and 4 GiB), and a node that holds them: a site sizes both for
 * its users, and CMS's quota in the dev stack (200 cores) would cap this run near 100 users
 * instead of the facility.
 */
function stackFor(users: string[]) {
    const groups = (readStackFile("dev")["hepaf:groups"] as any[]).map((g) =>
        g.name === GROUP ? { ...g, members: { ...g.members, users }, ...(g.quota ? { quota: { cpu: 4 * users.length + 100, memoryGiB: 8 * users.length + 200 } } : {}) } : g,
    );
    const hub = readStackFile("dev")["hepaf:hub"] as Record<string, unknown>;
    return {
        config: { "hepaf:groups": groups, ...(HTTP_TIMEOUT ? { "hepaf:hub": { ...hub, httpTimeoutSeconds: HTTP_TIMEOUT } } : {}) },
        node: { cpu: 4 * users.length + 200, memoryGiB: 8 * users.length + 512, pods: Math.max(500, 3 * users.length + 100) },
    };
}

/** Names of what the users' sessions make: theirs, and a gateway cluster's (not the gateway's own parts). */
const ofUsers = (name: string) => /user\d{3}/.test(name) || (/^dask-/.test(name) && !/^dask-gateway/.test(name));

/**
 * A gateway cluster not yet stopped: a stopped one's DaskCluster stays as its record (phase
 * Stopped or Failed) until the gateway's controller removes it after `completedClusterMaxAge`.
 */
const live = (cluster: any) => !["Stopped", "Failed"].includes(cluster.status?.phase);

/** The objects the users' sessions leave in the group's namespace: the notebooks, the hub's session objects, gateway clusters and theirs. */
async function userObjects(f: LiveFacility): Promise<string[]> {
    const ns = `af-${GROUP}`;
    const lists: [string, string][] = [
        ["pod", `/api/v1/namespaces/${ns}/pods`],
        ["service", `/api/v1/namespaces/${ns}/services`],
        ["secret", `/api/v1/namespaces/${ns}/secrets`],
        ["ingressroutetcp", `/apis/traefik.io/v1alpha1/namespaces/${ns}/ingressroutetcps`],
        ["daskcluster", `/apis/gateway.dask.org/v1alpha1/namespaces/${ns}/daskclusters`],
    ];
    const out: string[] = [];
    for (const [kind, url] of lists) {
        for (const o of (await f.api.get(url)).items) if (kind === "daskcluster" ? live(o) : ofUsers(o.metadata.name)) out.push(`${kind}/${o.metadata.name}`);
    }
    return out;
}

async function measure(n: number): Promise<RunFigures> {
    const users = userNames(n);
    const { config, node } = stackFor(users);
    say(`N = ${n}: starting a facility whose ${GROUP} group lists ${n} users`);
    const f = await startFacility("dev", {
        names: users.map((u) => `${u}.dask.af.example.org`),
        config,
        node,
        // Only the gateway the users' sessions need runs (its API and controller): the others would take CPU from the users.
        run: (pod) => !/dask-gateway/.test(pod.spec.containers[0].image) || (KINDS[GROUP] === "gateway" && pod.metadata.namespace === `af-${GROUP}`),
    });
    try {
        for (const name of ["af-hub", "af-proxy", "af-dask-access"]) await waitDeploymentRunning(f, "af", name);
        if (KINDS[GROUP] === "gateway") for (const name of ["dask-gateway-api", "dask-gateway-controller"]) await waitDeploymentRunning(f, `af-${GROUP}`, name);
        await waitFrontDoor(f);
        const rootCa = f.cp.admin.find("configmap", "hepaf-root-ca", "af").data["ca.crt"];
        const dir = path.join(f.cp.dir, "bench-users");
        fs.mkdirSync(dir, { recursive: true });
        const requests = path.join(dir, "laptop-requests.jsonl");
        const laptops = startProcess(dir, "laptops", f.tools.python, [path.join(ROOT, "bench", "python", "users_client.py"), requests, String(n), "3600"]);
        const edge = f.objects.find((o) => o.kind === "Deployment" && /traefik:/.test(o.spec.template.spec.containers[0].image))!;
        const before = await userObjects(f);
        if (before.length) throw new Error(`the users' objects exist before they came: ${before.join(", ")}`);
        const apiBefore = await apiRequests(f);
        const sampler = sampleParts({
            hub: () => deploymentPids(f, "af", "af-hub"),
            traefik: () => deploymentPids(f, edge.metadata.namespace!, edge.metadata.name),
            apiserver: () => [f.cp.procs.apiserver.pid],
        });
        let minAvailable = availableMiB();
        const memTimer = setInterval(() => (minAvailable = Math.min(minAvailable, availableMiB())), 1000);
        const hubs = users.map((u) => new HubSession(`https://${f.domain}`, u, { ca: rootCa }));
        const ctx: FlowContext = { f, group: GROUP, kind: KINDS[GROUP], profile: PROFILE, rootCa, dir, laptops: { proc: laptops, requests }, sessions: new Semaphore(SESSIONS_AT_ONCE),
            sessionStartMs: SESSION_START_SECONDS * 1000,
            onFailure: (t) => say(`  ${t.user} failed after ${((Date.now() - t.start) / 1000).toFixed(0)} s: ${t.error!.split("\n")[0].slice(0, 300)}${t.leftClusters?.length ? `; stopped its clusters left on the gateway: ${t.leftClusters.join(", ")}` : ""}`),
        };
        say(`N = ${n}: ${n} users at once`);
        const started = Date.now();
        const progress = setInterval(() => say(`  ${f.kubelet.running().filter((p) => p.name.startsWith("jupyter-")).length}/${n} notebooks running after ${((Date.now() - started) / 1000).toFixed(0)} s`), 15000);
        let times: UserTimes[];
        try {
            times = await Promise.all(users.map((u, i) => userFlow(ctx, u, hubs[i])));
        } finally {
            clearInterval(progress);
        }
        const traefikWithRoutesMiB = treeUsage(deploymentPids(f, edge.metadata.namespace!, edge.metadata.name)).rssMiB;
        say(`N = ${n}: ${times.filter((t) => !t.error).length}/${n} computed in ${((Date.now() - started) / 1000).toFixed(0)} s; stopping every server at once`);
        const stopAsked = Date.now();
        const stops = await Promise.all(hubs.map((h) => stopServer(h)));
        for (const st of stops.filter((x) => x.answers.length > 1 || !x.accepted)) say(`  ${st.user}'s stop: ${st.answers.join(", ")}${st.accepted ? "" : " (never accepted)"}`);
        const left = await waitFor(`every user's objects gone`, async () => ((await userObjects(f)).length === 0 ? [] : false), { timeoutMs: 600000, intervalMs: 500 }).catch(async () => userObjects(f));
        const stoppedMs = Date.now() - stopAsked;
        const usage = sampler.stop();
        clearInterval(memTimer);
        const apiAfter = await apiRequests(f);
        for (const h of hubs) await h.close();
        await laptops.stop();
        return { n, times, usage, traefikWithRoutesMiB, apiRequests: apiAfter - apiBefore, minAvailableMiB: minAvailable, stoppedMs, left, stops };
    } catch (err) {
        throw new Error(`${(err as Error).message}\n${deploymentLogs(f, "af", "af-hub").slice(-3000)}`);
    } finally {
        await f.stop();
    }
}

async function main(): Promise<void> {
    const runs: RunFigures[] = [];
    for (const n of SIZES) {
        const r = await measure(n);
        runs.push(r);
        console.log(`\n${runTable(r, SESSIONS_AT_ONCE).join("\n")}`);
    }
    console.log(`\n${summaryTable(runs).join("\n")}`);
    // Every facility is stopped; what may still be pending are failed users' route probes
    // (bounded by the session's start and a minute), which would hold the process that long.
    process.exit(0);
}

main().catch((err) => {
    console.error(`bench users: FAILED: ${(err as Error).stack ?? err}`);
    process.exit(1);
});
