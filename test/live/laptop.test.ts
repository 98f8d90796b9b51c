/**
 * From a laptop, with credentials the hub hands out: the Dask access service runs from the dev
 * stack's objects (kubelet double) beside the real hub and behind real Traefik. A user signs in
 * with the hub as a browser does, downloads the group's bundle, and a real Dask client on a
 * laptop double (a network namespace that reaches only the facility's one public address) with
 * nothing but that bundle computes on the user's own notebook scheduler, its workers on a batch
 * node double it cannot reach. Dashboards: through Traefik, after signing in, the owner only.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { ACCESS_SERVICE, signInToAccess, unpackBundle } from "./harness/bundles";
import { deploymentLogs, LiveFacility, spawnServer, startFacility, waitDeploymentRunning, waitFrontDoor } from "./harness/facility";
import { Host, HostNetwork } from "./harness/host-network";
import { HubSession } from "./harness/hub-client";
import { RunningPod } from "./harness/kubelet-double";
import { jsonLines, Proc, startProcess, waitFor } from "./harness/processes";
import { ROOT } from "./harness/tools";
import { opensslText, opensslVerify } from "../helpers/openssl";

jest.setTimeout(15 * 60 * 1000);

const DOMAIN = "https://af.example.org";
const SERVICE = ACCESS_SERVICE;
let f: LiveFacility;
let rootCa: string;
const hosts = new HostNetwork();
let laptop: Host;
let batch: Host;
const users: Record<string, HubSession> = {};

beforeAll(async () => {
    f = await startFacility("dev", { names: ["alice", "bob"].map((u) => `${u}.dask.af.example.org`), run: (pod) => !/dask-gateway/.test(pod.spec.containers[0].image) });
    try {
        for (const name of ["af-hub", "af-proxy", "af-dask-access"]) await waitDeploymentRunning(f, "af", name);
        await waitFrontDoor(f);
        rootCa = f.cp.admin.find("configmap", "hepaf-root-ca", "af").data["ca.crt"];
        const probe = new HubSession(DOMAIN, "probe", { ca: rootCa });
        await waitFor(`${DOMAIN}${SERVICE}health through Traefik`, async () => (await probe.request("GET", `${SERVICE}health`)).status === 200, { timeoutMs: 120000, intervalMs: 500 });
        await probe.close();
    } catch (err) {
        throw new Error(`${(err as Error).message}\n${deploymentLogs(f, "af", "af-dask-access")}`);
    }
    // The laptop reaches only the load balancer's address (Traefik's Service); the batch node the whole site.
    const edge = f.cp.admin.find("service", "af-edge", "af").spec.clusterIP;
    laptop = hosts.attach("laptop", "10.250.0.2", [edge]);
    batch = hosts.attach("batch", "10.250.1.2", "site");
    for (const u of ["alice", "bob", "admin"]) {
        users[u] = new HubSession(DOMAIN, u, { ca: rootCa });
        await users[u].login();
    }
});
afterAll(async () => {
    for (const u of Object.values(users)) await u.close();
    await f?.stop();
    hosts.detachAll();
});

const accessLog = () => deploymentLogs(f, "af", "af-dask-access");
/** The access service's whole log (deploymentLogs keeps only the end, for failure messages). */
const fullAccessLog = () =>
    f.kubelet.running().filter((p) => p.namespace === "af" && p.name.startsWith("af-dask-access-")).flatMap((p) => p.containers.map((c) => c.proc.log())).join("\n");
const py = (name: string) => path.join(ROOT, "test", "python", name);

/** Signs `user` in to the access service as a browser does (the access service's log on failure). */
const signIn = (user: HubSession) => signInToAccess(user, () => `\n${accessLog().slice(-3000)}`);

/** POSTs the download form of `group` as the browser would. */
async function download(user: HubSession, group: string, xsrf: string) {
    return user.request("POST", `${SERVICE}bundle/${group}`, { form: { _xsrf: xsrf } });
}

/** Unpacks a bundle (Python's own zip tool) and returns its folder. */
const unpack = (zip: Buffer, into: string) => unpackBundle(f.tools.python, zip, into);

/** The bundle client on the laptop (its only configuration: DASK_CONFIG, the bundle's folder). */
async function onLaptop(bundleDir: string, address: string, mode: string, env: Record<string, string> = {}): Promise<any> {
    const p = startProcess(path.join(f.cp.dir, "laptop"), `client-${mode}-${Date.now()}`, f.tools.python, [py("bundle_client.py"), JSON.stringify({ address, timeout: 20, mode })], {
        netns: laptop.netns,
        env: { DASK_CONFIG: bundleDir, DASK_ROOT_CONFIG: undefined, ...env },
    });
    await waitFor(`the laptop's client (${mode}) of ${address}`, () => p.exited(), { timeoutMs: 180000 });
    return jsonLines(p).pop() ?? { error: p.log().slice(-2000) };
}

/** Whether a TCP connection from `host` to ip:port is made (bash's /dev/tcp), and what it said. */
async function tcpFrom(host: Host | undefined, ip: string, port: number): Promise<{ connected: boolean; said: string }> {
    const p = startProcess(path.join(f.cp.dir, "probes"), `tcp-${ip}-${port}-${Date.now()}`, "bash", ["-c", `exec 3<>/dev/tcp/${ip}/${port}`], host ? { netns: host.netns } : {});
    const st = await waitFor(`a TCP probe of ${ip}:${port}`, () => p.exited(), { timeoutMs: 60000 });
    return { connected: st.code === 0, said: p.log().trim() };
}

const bundles: Record<string, string> = {};
const sessions: Record<string, { pod: RunningPod; scheduler: Proc; first: any }> = {};

async function startSession(user: HubSession, group: string, profile: string, workers: number): Promise<void> {
    const pod = (await spawnServer(f, user, group, profile))!;
    const scheduler = f.kubelet.exec(pod, `${user.user}-session`, ["python3", py("live/session_scheduler.py"), String(workers)]);
    const first = await waitFor(`${user.user}'s session scheduler`, () => jsonLines(scheduler)[0], { watch: [scheduler], timeoutMs: 120000 });
    sessions[user.user] = { pod, scheduler, first };
}

test("signed in with the hub, a member downloads their group's bundle; another group's user and users of no group get 403", async () => {
    // A browser: the service sends it to the hub's OAuth, the hub (no confirmation page for the
    // facility's own service) back to the service's callback, which returns to the page.
    const alice = await signIn(users.alice);
    expect(alice.visited).toEqual([SERVICE, expect.stringMatching(/^\/hub\/api\/oauth2\/authorize\?client_id=service-dask&/), expect.stringMatching(/^\/services\/dask\/oauth_callback\?code=/), SERVICE]);
    expect(alice.page).toContain("Signed in as alice");
    expect(alice.page).toContain("Download the cms bundle");
    expect(alice.page).not.toContain("Download the opendata bundle");
    const res = await download(users.alice, "cms", alice.xsrf);
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toBe("application/zip");
    expect(res.headers["content-disposition"]).toBe('attachment; filename="af.example.org-cms.zip"');
    bundles.alice = await unpack(await res.bytes(), path.join(f.cp.dir, "alice-bundle"));

    // What it holds: a certificate for alice from the CMS CA alone, for clients, valid the default 7 days.
    const cmsCa = f.cp.admin.find("configmap", "hepaf-group-ca", "af-cms").data["ca.crt"];
    const cert = fs.readFileSync(path.join(bundles.alice, "tls.crt"), "utf8");
    expect(fs.readFileSync(path.join(bundles.alice, "ca.crt"), "utf8")).toBe(cmsCa);
    expect(opensslVerify(cmsCa, cert, undefined, "sslclient").ok).toBe(true);
    expect(opensslVerify(f.cp.admin.find("configmap", "hepaf-group-ca", "af-opendata").data["ca.crt"], cert).ok).toBe(false);
    expect(opensslText(cert)).toMatch(/Subject: OU\s?=\s?cms, CN\s?=\s?alice\n/);
    const x = new crypto.X509Certificate(cert);
    expect(new Date(x.validTo).getTime() - new Date(x.validFrom).getTime()).toBe((7 * 24 * 60 + 5) * 60 * 1000);
    expect(fs.readFileSync(path.join(bundles.alice, "root-ca.crt"), "utf8")).toBe(rootCa);
    expect(fs.readFileSync(path.join(bundles.alice, "README.txt"), "utf8")).toContain('client = Client("tls://alice.dask.af.example.org:8786")');

    // Not alice's group: refused by the service. A form without its token: refused.
    expect((await download(users.alice, "opendata", alice.xsrf)).status).toBe(403);
    expect((await download(users.alice, "cms", "")).status).toBe(403);
    // A bundle's address opened as a page (a link someone sent): its download form for a member;
    // for another group's, a page that says why not; for no such group, 404.
    const opened = async (group: string) => {
        const r = await users.alice.request("GET", `${SERVICE}bundle/${group}`, { navigate: true });
        return { status: r.status, type: String(r.headers["content-type"]), page: await r.text() };
    };
    const ownPage = await opened("cms");
    expect(ownPage).toMatchObject({ status: 200, type: expect.stringMatching(/^text\/html/) });
    expect(ownPage.page).toMatch(/<form method='post' action='\/services\/dask\/bundle\/cms'><input type="hidden" name="_xsrf" value="[^"]+"\/?>/);
    const otherPage = await opened("opendata");
    expect(otherPage).toMatchObject({ status: 403, type: expect.stringMatching(/^text\/html/) });
    expect(otherPage.page).toContain("alice is not a member of opendata");
    expect(otherPage.page).not.toContain("<form");
    expect((await opened("nosuch")).status).toBe(404);
    // bob, of open data: his own group's bundle, not CMS's.
    const bob = await signIn(users.bob);
    expect((await download(users.bob, "cms", bob.xsrf)).status).toBe(403);
    const bobs = await download(users.bob, "opendata", bob.xsrf);
    expect(bobs.status).toBe(200);
    bundles.bob = await unpack(await bobs.bytes(), path.join(f.cp.dir, "bob-bundle"));
    // The admin is in no group: the hub lets an admin in, the service gives nothing.
    const admin = await signIn(users.admin);
    expect(admin.page).toContain("You are in no group of this facility");
    expect((await download(users.admin, "cms", admin.xsrf)).status).toBe(403);
    // carol, a user of no group (made by the admin, with a token of her own): the hub's access role is the groups', so 403.
    expect((await users.admin.api("POST", "/users/carol")).status).toBe(201);
    const carolToken = (await users.admin.api("POST", "/users/carol/tokens", { note: "live tier" })).body.token;
    const carolsLaptop = new HubSession(DOMAIN, "carol", { ca: rootCa });
    const carol = await carolsLaptop.request("POST", `${SERVICE}bundle/cms`, { headers: { authorization: `token ${carolToken}` } });
    await carolsLaptop.close();
    expect(carol.status).toBe(403);
    // The same download with a hub token instead of a browser (curl from a laptop): alice's works.
    const byToken = await users.alice.request("POST", `${SERVICE}bundle/cms`, { useToken: true });
    expect(byToken.status).toBe(200);
    expect((await byToken.bytes()).subarray(0, 2).toString()).toBe("PK");
    // Not signed in at all: the page sends a browser to sign in, a download is refused.
    const anonymous = new HubSession(DOMAIN, "nobody", { ca: rootCa });
    expect((await anonymous.request("GET", SERVICE, { navigate: true })).location).toMatch(/^\/hub\/api\/oauth2\/authorize\?/);
    expect((await anonymous.request("POST", `${SERVICE}bundle/cms`)).status).toBe(403);
    await anonymous.close();
});

test("from a laptop that reaches only the front door, with the bundle alone: alice's own scheduler computes, results through the scheduler", async () => {
    await startSession(users.alice, "cms", "cms-coffea", 1);
    // The session's worker on a batch node: the job exactly as dask-jobqueue wrote it.
    const alice = sessions.alice;
    const worker = startProcess(path.join(f.cp.dir, "batch"), "alice-worker-job", f.tools.python, [
        py("live/batch_node.py"),
        JSON.stringify({ jobScript: alice.first.jobScript, submitRoot: alice.pod.containers[0].root, sandbox: path.join(f.cp.dir, "batch", "job-1"), env: { PATH: `${f.tools.venvBin}:/usr/bin:/bin` }, images: f.tools.images, runtime: f.tools.runtimeDouble }),
    ], { netns: batch.netns });
    const done = await waitFor("the session's computation", () => jsonLines(alice.scheduler)[1], { watch: [alice.scheduler, worker], timeoutMs: 300000 });
    expect(done).toEqual({ workers: 1, result: 499500 });

    const out = await onLaptop(bundles.alice, "tls://alice.dask.af.example.org:8786", "compute");
    expect(out).toMatchObject({ result: 45, scattered: 499500, gathered: 4, directToWorkers: false, requireEncryption: true, dashboard: "https://af.example.org/services/dask/sessions/alice/status" });
    // Its one worker is on the batch node, an address the laptop has no route to.
    expect(out.workers).toEqual([expect.stringMatching(/^tls:\/\/10\.250\.1\.2:\d+$/)]);
    const [, host, port] = /^tls:\/\/([\d.]+):(\d+)$/.exec(out.workers[0])!;
    const fromLaptop = await tcpFrom(laptop, host, Number(port));
    expect(fromLaptop.connected).toBe(false);
    expect(fromLaptop.said).toMatch(/Network is unreachable/);
    // The same worker answers on the site network (the scheduler's side).
    expect((await tcpFrom(undefined, host, Number(port))).connected).toBe(true);

    // Without the bundle's setting, a scatter goes straight to the workers, and fails from here.
    const started = Date.now();
    const direct = await onLaptop(bundles.alice, "tls://alice.dask.af.example.org:8786", "scatter-direct");
    expect(direct.error).toMatch(/Timed out|unreachable|OSError|CommClosed/i);
    expect(direct.scattered).toBeUndefined();
    console.log(`laptop client: through the scheduler ${JSON.stringify(out)}; direct to workers: ${direct.error} after ${Date.now() - started} ms`);
});

test("the bundle opens nothing of another group: alice's is refused at bob's scheduler, bob's at alice's", async () => {
    await startSession(users.bob, "opendata", "opendata-default", 0);
    const atBob = await onLaptop(bundles.alice, "tls://bob.dask.af.example.org:8786", "info");
    expect(atBob.error).toMatch(/TLS|SSL|certificate|closed|Timed out/i);
    expect(atBob.scheduler).toBeUndefined();
    const atAlice = await onLaptop(bundles.bob, "tls://alice.dask.af.example.org:8786", "info");
    expect(atAlice.error).toMatch(/TLS|SSL|certificate|closed|Timed out/i);
    // And each bundle reaches its own (bob's scheduler answers him).
    expect(await onLaptop(bundles.bob, "tls://bob.dask.af.example.org:8786", "info")).toMatchObject({ scheduler: expect.stringMatching(/^tls:\/\//) });
});

test("the session's dashboard through the front door: after signing in with the hub, for its owner only", async () => {
    // The route the hub made at spawn, and the link the notebook's Dask shows.
    const route = f.cp.admin.find("ingressroute.traefik.io", "dask-alice", "af-cms");
    expect(route.spec.routes[0].match).toBe("Host(`af.example.org`) && PathPrefix(`/services/dask/sessions/alice/`)");
    expect(sessions.alice.first.dashboard).toBe("https://af.example.org/services/dask/sessions/alice/status");
    const health = "/services/dask/sessions/alice/health";
    // Nobody signed in: a browser is sent to sign in with the hub, a script gets 401.
    const anonymous = new HubSession(DOMAIN, "nobody", { ca: rootCa });
    const sent = await anonymous.request("GET", health, { navigate: true });
    expect(sent.status).toBe(302);
    expect(sent.location).toMatch(/^https:\/\/af\.example\.org\/hub\/api\/oauth2\/authorize\?client_id=service-dask&/);
    expect((await anonymous.request("GET", health)).status).toBe(401);
    await anonymous.close();
    // alice in a fresh browser, logged in to the hub only: one sign-in, and she lands on her dashboard
    // (the scheduler's own HTTP server answers, its prefix stripped).
    const fresh = new HubSession(DOMAIN, "alice", { ca: rootCa });
    await fresh.login();
    const { res, visited } = await fresh.navigate(health);
    expect(visited).toEqual([health, expect.stringMatching(/^\/hub\/api\/oauth2\/authorize\?/), expect.stringMatching(/^\/services\/dask\/oauth_callback\?/), health]);
    expect(res.status).toBe(200);
    expect((await res.text()).trim()).toBe("ok");
    const identity = await fresh.request("GET", "/services/dask/sessions/alice/json/identity.json");
    expect(identity.status).toBe(200);
    expect((await identity.json()).type).toBe("Scheduler");
    await fresh.close();
    // bob, signed in to the same service: not his dashboard.
    expect((await users.bob.request("GET", health, { navigate: true })).status).toBe(403);
    expect((await users.bob.request("GET", "/services/dask/sessions/bob/health", { navigate: true })).status).toBe(200);
    // A write through the front door is refused before it reaches the scheduler.
    expect((await users.alice.request("POST", health)).status).toBe(403);
});

test("every certificate is in the group's record; a user's bundles are limited per day; no key material in the service's log", async () => {
    const records = (ns: string) => f.cp.admin.find("configmap", "hepaf-dask-access-certificates", ns).data ?? {};
    const serial = new crypto.X509Certificate(fs.readFileSync(path.join(bundles.alice, "tls.crt"))).serialNumber.toLowerCase().replace(/^0+/, "");
    expect(JSON.parse(records("af-cms")[serial])).toEqual({ user: "alice", issued: expect.stringMatching(/Z$/), notAfter: expect.stringMatching(/Z$/) });
    expect(Object.values(records("af-cms")).map((v) => JSON.parse(v as string).user).sort()).toEqual(["alice", "alice"]);
    expect(Object.keys(records("af-opendata"))).toHaveLength(1);
    // bob has had one today; nine more, then the service says when to come back.
    const { xsrf } = await signIn(users.bob);
    for (let i = 0; i < 9; i++) expect((await download(users.bob, "opendata", xsrf)).status).toBe(200);
    const limited = await download(users.bob, "opendata", xsrf);
    expect(limited.status).toBe(429);
    expect(Number(limited.headers["retry-after"])).toBeGreaterThan(23 * 3600);
    expect(Object.keys(records("af-opendata"))).toHaveLength(10);
    // alice is not limited by bob.
    expect((await users.alice.request("POST", `${SERVICE}bundle/cms`, { useToken: true })).status).toBe(200);
    const log = fullAccessLog();
    expect(log).toContain(`issued certificate serial=${serial} user=alice group=cms`);
    expect(log).not.toMatch(/BEGIN|PRIVATE|oauth_callback\?|code=/);
});

test("after the hub stops alice's session, its dashboard route is gone", async () => {
    const stop = await users.alice.api("DELETE", "/users/alice/server");
    expect([202, 204]).toContain(stop.status);
    await waitFor("alice's session objects removed", () => f.cp.admin.find("ingressroute.traefik.io", "dask-alice", "af-cms") === undefined, { timeoutMs: 60000 });
    // Through Traefik the path now reaches the hub's route, not a scheduler.
    await waitFor("alice's dashboard path to stop routing", async () => (await users.alice.request("GET", "/services/dask/sessions/alice/health")).status !== 200, { timeoutMs: 60000, intervalMs: 250 });
});
