/**
 * Parts that fail while users work, live: the dev stack with CMS sessions on batch workers (the
 * schedd double runs each job in the worker image, outside the pod; each worker dials its
 * session through real Traefik), and one part at a time made to fail as it fails in a cluster:
 * a Traefik replica killed while a session computes through it, Traefik rolled to a new
 * configuration while a session computes, a notebook pod deleted behind
 * the hub's back, the hub's pod deleted (its Deployment makes a new one), a gateway's API and
 * controller pods deleted, kube-apiserver stopped and started again, and the Dask port flooded with garbage, TLS without SNI and unknown names. Each test counts what the facility holds
 * before and after (objects in its namespaces, pods the kubelet double runs, jobs in the pool and
 * their processes) and ends with what it began with.
 */
import * as net from "net";
import * as tls from "tls";
import { readStackFile } from "../../infra/stack-file";
import { daskPort, daskPortPeer, deploymentLogs, LiveFacility, startFacility, waitDeploymentReady, waitDeploymentRunning, waitFrontDoor, waitRouted } from "./harness/facility";
import { HubSession } from "./harness/hub-client";
import { waitFor } from "./harness/processes";
import { HeldSession, openHeldSession, ScheddDouble, startScheddDouble } from "./harness/sessions";

jest.setTimeout(20 * 60 * 1000);

/** CMS's users in these tests: one per test, so no pod reuses another's address or name. */
const CMS_USERS = ["alice", "carol", "dave", "erin", "frank", "gina", "hank"];
/** How often JupyterHub polls each server (Spawner.poll_interval: its default, which the facility keeps). */
const HUB_POLL_SECONDS = 30;
/** How long a batch worker lives without its scheduler: the group's `htcondor.worker.deathTimeoutSeconds`, set here below its default of 60 s as a site may set it. */
const WORKER_DEATH_TIMEOUT_SECONDS = 20;
const NAMESPACES = ["af", "af-cms", "af-opendata"];
/** What a session adds and must take away again: each kind's collection in a namespace, by the API's path. */
const KINDS: Record<string, (ns: string) => string> = {
    services: (ns) => `/api/v1/namespaces/${ns}/services`,
    secrets: (ns) => `/api/v1/namespaces/${ns}/secrets`,
    configmaps: (ns) => `/api/v1/namespaces/${ns}/configmaps`,
    serviceaccounts: (ns) => `/api/v1/namespaces/${ns}/serviceaccounts`,
    persistentvolumeclaims: (ns) => `/api/v1/namespaces/${ns}/persistentvolumeclaims`,
    ingressroutes: (ns) => `/apis/traefik.io/v1alpha1/namespaces/${ns}/ingressroutes`,
    ingressroutetcps: (ns) => `/apis/traefik.io/v1alpha1/namespaces/${ns}/ingressroutetcps`,
    daskclusters: (ns) => `/apis/gateway.dask.org/v1alpha1/namespaces/${ns}/daskclusters`,
};

let f: LiveFacility;
let rootCa: string;
let schedd: ScheddDouble;
const open: HeldSession[] = [];

beforeAll(async () => {
    // CMS with four users (the dev stack names one); CMS sessions run on HTCondor, so CMS's gateway stays Pending.
    const groups = (readStackFile("dev")["hepaf:groups"] as any[]).map((g) =>
        g.name === "cms"
            ? { ...g, members: { ...g.members, users: CMS_USERS }, htcondor: { ...g.htcondor, worker: { ...g.htcondor.worker, deathTimeoutSeconds: WORKER_DEATH_TIMEOUT_SECONDS } } }
            : g,
    );
    f = await startFacility("dev", {
        names: CMS_USERS.map((u) => `${u}.dask.af.example.org`),
        config: { "hepaf:groups": groups },
        run: (pod) => pod.metadata.namespace !== "af-cms" || !/dask-gateway/.test(pod.spec.containers[0].image),
    });
    try {
        for (const [ns, name] of [["af", "af-hub"], ["af", "af-proxy"], ["af", "af-dask-access"]]) await waitDeploymentRunning(f, ns, name);
        await waitFrontDoor(f);
    } catch (err) {
        throw new Error(`${(err as Error).message}\n${deploymentLogs(f, "af", "af-hub")}`);
    }
    rootCa = f.cp.admin.find("configmap", "hepaf-root-ca", "af").data["ca.crt"];
    schedd = await startScheddDouble(f);
});
afterAll(async () => {
    for (const s of open) await s.close();
    await schedd?.proc.stop(10000);
    await f?.stop();
});

/** What the facility holds: object names by namespace and kind, pod counts, the pool's jobs and their processes. */
interface Census {
    objects: Record<string, string[]>;
    pods: Record<string, number>;
    kubeletPods: number;
    queuedJobs: number;
    jobProcesses: number;
}

/**
 * The names of the objects of `kind` in `ns`. A stopped gateway cluster's DaskCluster is kept
 * as its record (phase Stopped) until the gateway's controller removes it after
 * `completedClusterMaxAge`: only the others count.
 */
async function names(ns: string, kind: string): Promise<string[]> {
    const items = ((await f.api.get(KINDS[kind](ns))).items as any[]).filter((o) => kind !== "daskclusters" || !["Stopped", "Failed"].includes(o.status?.phase));
    return items.map((o) => `${kind}/${o.metadata.name}`).sort();
}

async function census(): Promise<Census> {
    const objects: Record<string, string[]> = {};
    const pods: Record<string, number> = {};
    for (const ns of NAMESPACES) {
        for (const kind of Object.keys(KINDS)) objects[`${ns}/${kind}`] = await names(ns, kind);
        // Pods by count: a Deployment's replacement pod has a new name.
        pods[ns] = (await f.api.get(`/api/v1/namespaces/${ns}/pods`)).items.length;
    }
    return { objects, pods, kubeletPods: f.kubelet.running().length, queuedJobs: schedd.queued().length, jobProcesses: schedd.liveJobPids().length };
}

/** The census after, with the home claims of `users` (kept on purpose when a server stops, as KubeSpawner keeps them) taken out. */
function withoutHomes(c: Census, ...users: string[]): Census {
    const homes = new Set(users.map((u) => `persistentvolumeclaims/claim-${u}`));
    const objects = Object.fromEntries(Object.entries(c.objects).map(([k, v]) => [k, k.endsWith("/persistentvolumeclaims") ? v.filter((n) => !homes.has(n)) : v]));
    return { ...c, objects };
}

/** The session objects of `user` the hub made in CMS's namespace that exist now. */
async function sessionObjects(user: string): Promise<string[]> {
    const want = [`secrets/dask-tls-${user}`, `services/dask-${user}`, `ingressroutetcps/dask-${user}`, `ingressroutes/dask-${user}`];
    const have = new Set((await Promise.all(["secrets", "services", "ingressroutetcps", "ingressroutes"].map((k) => names("af-cms", k)))).flat());
    return want.filter((n) => have.has(n));
}

/** A user's CMS session with `workers` batch workers connected through the front door. */
async function cmsSession(user: string, workers: number): Promise<{ s: HeldSession; batch: string[] }> {
    const s = await openHeldSession(f, user, "cms", "cms-coffea", { rootCa, schedd, batchWorkers: workers });
    open.push(s);
    const batch = (await s.say(`workers:${workers}`, "workers", 300000)).names as string[];
    return { s, batch };
}

/** Ends a CMS session as its user does: the cluster closed (its jobs removed), then the server stopped; waits until all of it is gone. */
async function endSession(s: HeldSession): Promise<void> {
    await s.say("close", "closed", 120000);
    await s.hub.api("DELETE", `/users/${s.user}/server`);
    await waitFor(`${s.user}'s session gone`, async () => (await sessionObjects(s.user)).length === 0 && !f.kubelet.pod("af-cms", `jupyter-${s.user}`), { timeoutMs: 120000, intervalMs: 500 });
    await waitFor(`${s.user}'s batch jobs out of the pool`, () => !schedd.hasJobsOf(`${s.user}.dask.af.example.org`), { timeoutMs: 60000, intervalMs: 500 });
}

/** Traefik's Deployment, as the stack declares it. */
const edgeDeployment = () => f.objects.find((o) => o.kind === "Deployment" && /traefik:/.test(o.spec.template.spec.containers[0].image))!;

/** Traefik's pods the kubelet double runs. */
function edgePods() {
    const edge = edgeDeployment();
    return f.kubelet.running().filter((p) => p.namespace === edge.metadata.namespace && p.name.startsWith(`${edge.metadata.name}-`));
}

/** New TLS connections to the Dask port with `sni`, one every 100 ms until `stop()`: each one's time and whether it reached the session. */
function probeLoop(sni: string): { stop(): Promise<{ t: number; ok: boolean }[]> } {
    const results: { t: number; ok: boolean }[] = [];
    let running = true;
    const loop = (async () => {
        for (let i = 0; running && i < 6000; i++) {
            const t = Date.now();
            const ok = await daskPortPeer(f, sni).then((san) => san.includes(`DNS:${sni}`), () => false);
            results.push({ t, ok });
            await new Promise((r) => setTimeout(r, 100));
        }
    })();
    return {
        stop: async () => {
            running = false;
            await loop;
            return results;
        },
    };
}

/**
 * A user's adaptive CMS session (2 to 4 batch workers) running `tasks` tasks of 1 s, with new
 * connections to its address probed every 100 ms: returned once the tasks run, for a fault.
 */
async function computingSession(user: string, tasks: number) {
    const { s } = await cmsSession(user, 2);
    await s.say("adapt:2:4", "adapting", 30000);
    const jobsBefore = schedd.events().filter((e) => e.event === "submit").length;
    s.tell(`compute:${tasks}:1`);
    // The tasks are running on the batch workers when the fault comes.
    await new Promise((r) => setTimeout(r, 5000));
    const probes = probeLoop(`${user}.dask.af.example.org`);
    await new Promise((r) => setTimeout(r, 1000));
    return { s, jobsBefore, probes };
}

test("a Traefik replica dies while a CMS session computes on batch workers through it: the result is right, lost workers come back through the other replica, new connections succeed", async () => {
    const before = await census();
    const { s, jobsBefore, probes } = await computingSession("frank", 40);
    const [victim, survivor] = edgePods();
    expect(survivor).toBeDefined();
    const t0 = Date.now();
    // It dies (every process of its container killed at once), and its pod is gone as its node's
    // kubelet would report it; the ReplicaSet makes a new one.
    process.kill(-victim.containers[0].proc.pid, "SIGKILL");
    f.cp.admin.ok(["-n", victim.namespace, "delete", "pod", victim.name, "--grace-period=0", "--force"]);
    const computed = await s.answer("computed", 600000);
    const seen = await probes.stop();
    expect(computed.right).toBe(true);
    await waitFrontDoor(f);
    // New connections, each through either replica, all reach the session.
    for (let i = 0; i < 10; i++) expect(await daskPortPeer(f, "frank.dask.af.example.org")).toContain("DNS:frank.dask.af.example.org");
    const ev = schedd.events();
    const lostJobs = ev.filter((e) => e.event === "exit" && e.t * 1000 >= t0).length;
    const newJobs = ev.filter((e) => e.event === "submit").length - jobsBefore;
    const failed = seen.filter((p) => p.t >= t0 && !p.ok);
    const lastFailure = failed.length ? (failed[failed.length - 1].t - t0) / 1000 : 0;
    // Adaptive scaling replaced each batch worker whose job ended: its minimum of 2 is connected again.
    expect(newJobs).toBeGreaterThanOrEqual(lostJobs);
    expect((await s.say("workers:2", "workers", 240000)).names.length).toBeGreaterThanOrEqual(2);
    await endSession(s);
    expect(withoutHomes(await census(), "frank")).toEqual(before);
    console.log(`live faults, a Traefik replica killed: 40 tasks of 1 s right in ${computed.seconds.toFixed(1)} s on ${computed.ranOn.length} workers; `
        + `${lostJobs} batch jobs ended with their connection, ${newJobs} submitted after it; `
        + `new connections: ${failed.length} of ${seen.filter((p) => p.t >= t0).length} failed, the last ${lastFailure.toFixed(1)} s after the kill`);
});

test("Traefik rolled to a new configuration while a CMS session computes through it: the result is right, the session is back to its workers, and what new connections saw is measured", async () => {
    const before = await census();
    const { s, jobsBefore, probes } = await computingSession("hank", 60);
    const edge = edgeDeployment();
    const old = new Set(edgePods().map((p) => p.uid));
    const t0 = Date.now();
    // What a changed static configuration does: the pod template's config hash changes, and the Deployment rolls.
    f.cp.admin.ok(["-n", edge.metadata.namespace!, "patch", "deployment", edge.metadata.name, "--type", "merge", "-p",
        JSON.stringify({ spec: { template: { metadata: { annotations: { "hepaf.io/config-sha256": `rolled-${t0}` } } } } })]);
    await waitFor("Traefik rolled", () => {
        const pods = edgePods();
        return pods.length === edge.spec.replicas && pods.every((p) => !old.has(p.uid));
    }, { timeoutMs: 180000, intervalMs: 300 });
    const rolled = (Date.now() - t0) / 1000;
    await waitFrontDoor(f);
    const computed = await s.answer("computed", 600000);
    const seen = await probes.stop();
    expect(computed.right).toBe(true);
    expect((await s.say("workers:2", "workers", 240000)).names.length).toBeGreaterThanOrEqual(2);
    const ev = schedd.events();
    const lostJobs = ev.filter((e) => e.event === "exit" && e.t * 1000 >= t0).length;
    const newJobs = ev.filter((e) => e.event === "submit").length - jobsBefore;
    expect(newJobs).toBeGreaterThanOrEqual(lostJobs);
    const during = seen.filter((p) => p.t >= t0);
    const failed = during.filter((p) => !p.ok);
    await endSession(s);
    expect(withoutHomes(await census(), "hank")).toEqual(before);
    console.log(`live faults, Traefik rolled: both pods replaced in ${rolled.toFixed(1)} s; 60 tasks of 1 s right in ${computed.seconds.toFixed(1)} s; `
        + `${lostJobs} batch jobs ended with their connection, ${newJobs} submitted after it; new connections: ${failed.length} of ${during.length} failed`
        + (failed.length ? `, between ${((failed[0].t - t0) / 1000).toFixed(1)} s and ${((failed[failed.length - 1].t - t0) / 1000).toFixed(1)} s after the change` : ""));
});

test("a notebook pod deleted behind the hub's back: within the hub's poll its route, Secret and Service are gone; its batch jobs leave the pool; nothing is left", async () => {
    const before = await census();
    const { s } = await cmsSession("carol", 2);
    const made = await sessionObjects("carol");
    expect(made).toEqual(expect.arrayContaining(["secrets/dask-tls-carol", "services/dask-carol", "ingressroutetcps/dask-carol"]));
    expect(schedd.queued()).toHaveLength(2);
    expect(await daskPortPeer(f, "carol.dask.af.example.org")).toContain("DNS:carol.dask.af.example.org");

    const t0 = Date.now();
    f.cp.admin.ok(["-n", "af-cms", "delete", "pod", "jupyter-carol", "--wait=false"]);
    // The hub sees the server gone at its next poll and runs its stop hook, which deletes them.
    await waitFor("carol's session objects deleted", async () => (await sessionObjects("carol")).length === 0, { timeoutMs: (HUB_POLL_SECONDS + 60) * 1000, intervalMs: 500 });
    const objectsGone = (Date.now() - t0) / 1000;
    // Each worker ends when it has had no scheduler for its death-timeout; its job then leaves the pool.
    await waitFor("carol's batch jobs out of the pool", () => schedd.queued().length === 0 && schedd.liveJobPids().length === 0, {
        timeoutMs: (WORKER_DEATH_TIMEOUT_SECONDS + 60) * 1000,
        intervalMs: 500,
    });
    const jobsGone = (Date.now() - t0) / 1000;
    expect(objectsGone).toBeLessThanOrEqual(HUB_POLL_SECONDS + 15);
    expect(jobsGone).toBeLessThanOrEqual(WORKER_DEATH_TIMEOUT_SECONDS + 30);
    const server = (await s.hub.api("GET", "/users/carol")).body.servers?.[""];
    expect(server).toBeUndefined();
    expect(withoutHomes(await census(), "carol")).toEqual(before);
    console.log(`live faults, notebook pod deleted: session objects gone after ${objectsGone.toFixed(1)} s (hub poll ${HUB_POLL_SECONDS} s), `
        + `its 2 batch jobs out of the pool after ${jobsGone.toFixed(1)} s (worker death-timeout ${WORKER_DEATH_TIMEOUT_SECONDS} s)`);
});

test("the hub restarts during a running session: the session, its route and its batch worker live on, the new hub adopts the server, and stopping it then removes everything", async () => {
    const before = await census();
    const { s, batch } = await cmsSession("dave", 1);
    expect((await s.say("compute-batch:4:0.2", "computed", 120000)).right).toBe(true);
    // The user's server through the hub's proxy, with the user's token, before the restart.
    expect((await s.hub.request("GET", "/user/dave/api/status", { useToken: true })).status).toBe(200);
    const notebook = f.kubelet.pod("af-cms", "jupyter-dave")!;
    const oldHub = f.kubelet.running().find((p) => p.namespace === "af" && p.name.startsWith("af-hub-"))!;

    const t0 = Date.now();
    f.cp.admin.ok(["-n", "af", "delete", "pod", oldHub.name, "--wait=false"]);
    await waitFor("the hub's pod replaced", () => f.kubelet.running().find((p) => p.namespace === "af" && p.name.startsWith("af-hub-") && p.uid !== oldHub.uid), { timeoutMs: 120000 });
    await waitDeploymentRunning(f, "af", "af-hub");
    await waitFrontDoor(f);
    const hubBack = (Date.now() - t0) / 1000;

    // The notebook pod, its session and its batch job were not touched.
    expect(f.kubelet.pod("af-cms", "jupyter-dave")?.uid).toBe(notebook.uid);
    expect(s.proc.exited()).toBeUndefined();
    expect(schedd.queued()).toHaveLength(1);
    expect(schedd.liveJobPids()).toHaveLength(1);
    expect(await daskPortPeer(f, "dave.dask.af.example.org")).toContain("DNS:dave.dask.af.example.org");
    // The batch worker still computes through the front door.
    const computed = await s.say("compute-batch:4:0.2", "computed", 120000);
    expect(computed.right).toBe(true);
    expect(computed.ranOn).toEqual(expect.arrayContaining(batch));
    // The new hub knows the server (its database is on the hub's volume) and the proxy routes to it again.
    const adopted = await waitFor("the new hub to route dave's server", async () => {
        const server = (await s.hub.api("GET", "/users/dave")).body.servers?.[""];
        const status = (await s.hub.request("GET", "/user/dave/api/status", { useToken: true })).status;
        if (server?.ready !== true || status !== 200) throw new Error(`server ${JSON.stringify(server)}, /user/dave/api/status ${status}`);
        return server;
    }, { timeoutMs: 120000, intervalMs: 1000 });
    expect(adopted.ready).toBe(true);

    // Stopping it through the new hub removes the pod, the session's objects and, once the workers see no scheduler, the jobs.
    const t1 = Date.now();
    const stop = await s.hub.api("DELETE", "/users/dave/server");
    expect([202, 204]).toContain(stop.status);
    await waitFor("dave's notebook pod gone", () => !f.kubelet.pod("af-cms", "jupyter-dave"), { timeoutMs: 120000 });
    await waitFor("dave's session objects deleted", async () => (await sessionObjects("dave")).length === 0, { timeoutMs: 60000, intervalMs: 500 });
    await waitFor("dave's batch job out of the pool", () => schedd.queued().length === 0 && schedd.liveJobPids().length === 0, {
        timeoutMs: (WORKER_DEATH_TIMEOUT_SECONDS + 60) * 1000,
        intervalMs: 500,
    });
    const cleaned = (Date.now() - t1) / 1000;
    expect(withoutHomes(await census(), "dave")).toEqual(before);
    console.log(`live faults, hub restarted: serving again after ${hubBack.toFixed(1)} s, the session kept computing on its batch worker; `
        + `stopped through the new hub, everything gone after ${cleaned.toFixed(1)} s`);
});

test("a gateway's API and controller restart: the running gateway cluster stays reachable and computes, and is stopped afterwards through the new API", async () => {
    const before = await census();
    const s = await openHeldSession(f, "bob", "opendata", "opendata-default", { rootCa });
    open.push(s);
    expect(s.started.kind).toBe("gateway");
    await s.say("scale:1", "scaled", 30000);
    await s.say("workers:1", "workers", 300000);
    expect((await s.say("compute:4:0.2", "computed", 120000)).right).toBe(true);
    const t0 = Date.now();
    for (const name of ["dask-gateway-api", "dask-gateway-controller"]) {
        const selector = Object.entries(f.declared("Deployment", name, "af-opendata").spec.selector.matchLabels as Record<string, string>).map(([k, v]) => `${k}=${v}`).join(",");
        f.cp.admin.ok(["-n", "af-opendata", "delete", "pods", "-l", selector, "--wait=false"]);
    }
    // Back once serving: a client's call before the new API is Ready gets 503 (Traefik keeps the
    // route with no servers), and dask-gateway's close() only logs a failed stop.
    for (const name of ["dask-gateway-api", "dask-gateway-controller"]) await waitDeploymentReady(f, "af-opendata", name);
    const back = (Date.now() - t0) / 1000;
    // The cluster's scheduler and worker were not touched; a new client reaches it through the front door.
    await s.say("reconnect", "reconnected", 120000);
    expect((await s.say("compute:4:0.2", "computed", 120000)).right).toBe(true);
    // Closed through the new API: the gateway's controller removes the cluster's pods.
    await s.say("close", "closed", 180000);
    const clusterPods = async () => ((await f.api.get("/api/v1/namespaces/af-opendata/pods")).items as any[]).filter((p) => /^dask-(scheduler|worker)-/.test(p.metadata.name)).length;
    await waitFor("bob's gateway cluster gone", async () => (await names("af-opendata", "daskclusters")).length === before.objects["af-opendata/daskclusters"].length
        && (await clusterPods()) === 0, { timeoutMs: 180000, intervalMs: 1000 });
    await s.hub.api("DELETE", "/users/bob/server");
    await waitFor("bob's notebook pod gone", () => !f.kubelet.pod("af-opendata", "jupyter-bob"), { timeoutMs: 120000, intervalMs: 500 });
    // The gateway's objects of the cluster (its Secret, its Services) go with it, a moment after its pods.
    await waitFor("the facility as it was", async () => JSON.stringify(withoutHomes(await census(), "bob")) === JSON.stringify(before), { timeoutMs: 60000, intervalMs: 1000 }).catch(() => undefined);
    expect(withoutHomes(await census(), "bob")).toEqual(before);
    console.log(`live faults, gateway API and controller restarted: running again after ${back.toFixed(1)} s; the cluster computed before and after, and was stopped through the new API`);
});

test("kube-apiserver restarts: Traefik keeps serving the routes it has and the hub its pages; once it is back, a new session routes", async () => {
    const before = await census();
    const { s: alice } = await cmsSession("alice", 1);
    const t0 = Date.now();
    await f.cp.stopApiServer();
    try {
        // While it is down: the existing session's route, and the hub's pages, from Traefik's last configuration.
        for (let i = 0; i < 5; i++) expect(await daskPortPeer(f, "alice.dask.af.example.org")).toContain("DNS:alice.dask.af.example.org");
        expect((await alice.say("compute-batch:4:0.2", "computed", 120000)).right).toBe(true);
        const outside = new HubSession(`https://${f.domain}`, "nobody", { ca: rootCa });
        try {
            expect((await outside.request("GET", "/hub/health")).status).toBe(200);
        } finally {
            await outside.close();
        }
    } finally {
        await f.cp.startApiServer();
    }
    const down = (Date.now() - t0) / 1000;
    const t1 = Date.now();
    const { s: erin } = await cmsSession("erin", 1);
    await waitRouted(f, "erin.dask.af.example.org", { timeoutMs: 60000 });
    const routed = (Date.now() - t1) / 1000;
    expect((await erin.say("compute-batch:4:0.2", "computed", 120000)).right).toBe(true);
    await endSession(alice);
    await endSession(erin);
    expect(withoutHomes(await census(), "alice", "erin")).toEqual(before);
    console.log(`live faults, kube-apiserver down ${down.toFixed(1)} s: routes and the hub served throughout; a new session spawned and routed ${routed.toFixed(1)} s after it was back`);
});

/**
 * Bad clients at the Dask port until `stop()`: `width` at a time, each one of garbage bytes (no
 * TLS), a TLS hello with no SNI, or TLS for a name no session has, closed by the other side or
 * after 2 s. Returns how many it made and how many any session's certificate answered (none should).
 */
function flood(width: number): { stop(): Promise<{ made: number; answered: number }> } {
    let running = true;
    let made = 0;
    let answered = 0;
    const one = (kind: number) =>
        new Promise<void>((resolve) => {
            const done = () => resolve();
            if (kind === 0) {
                const sock = net.connect(daskPort(f), f.domain, () => sock.write(Buffer.alloc(512, 0x5a)));
                sock.setTimeout(2000, () => sock.destroy());
                sock.on("close", done).on("error", () => undefined);
                return;
            }
            const sock = tls.connect({ host: f.domain, port: daskPort(f), rejectUnauthorized: false, ...(kind === 1 ? {} : { servername: "nobody.dask.af.example.org" }) }, () => {
                if (/\.dask\./.test(sock.getPeerCertificate().subjectaltname ?? "")) answered++;
                sock.destroy();
            });
            sock.setTimeout(2000, () => sock.destroy());
            sock.on("close", done).on("error", () => undefined);
        });
    const lanes = Array.from({ length: width }, async (_, lane) => {
        for (let i = 0; running && i < 100000; i++) {
            made++;
            await one((lane + i) % 3);
        }
    });
    return {
        stop: async () => {
            running = false;
            await Promise.all(lanes);
            return { made, answered };
        },
    };
}

test("garbage, TLS without SNI and a flood of unknown names at the Dask port: refused, and another user's session slows within a bound", async () => {
    const before = await census();
    const { s } = await cmsSession("gina", 1);
    // Round trips between the scheduler (in the notebook) and its batch worker (through Traefik): 200 tasks that do nothing.
    const round = async () => (await s.say("compute-batch:200:0", "computed", 120000)).seconds as number;
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    await round();
    const quiet = median([await round(), await round(), await round()]);
    const bad = flood(50);
    await new Promise((r) => setTimeout(r, 2000));
    const loaded = median([await round(), await round(), await round()]);
    const { made, answered } = await bad.stop();
    expect(answered).toBe(0);
    expect(made).toBeGreaterThan(100);
    // The bound: the session at most three times slower, plus a second, while 50 bad clients at a time keep coming.
    expect(loaded).toBeLessThanOrEqual(quiet * 3 + 1);
    expect(await daskPortPeer(f, "gina.dask.af.example.org")).toContain("DNS:gina.dask.af.example.org");
    await endSession(s);
    expect(withoutHomes(await census(), "gina")).toEqual(before);
    console.log(`live faults, bad clients at the Dask port: ${made} refused (garbage, no SNI, unknown name; 50 at a time), none answered by a session; `
        + `200 empty tasks took ${quiet.toFixed(2)} s quiet and ${loaded.toFixed(2)} s under the flood (medians of 3)`);
});
