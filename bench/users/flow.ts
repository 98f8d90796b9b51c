/**
 * One user's way from the login page to a computed task, timed at each step, as the users of a
 * facility take it at once: sign in to the hub through the front door (the login form and an API
 * token), download the group's bundle from the Dask access service, ask the hub for a server
 * (a refusal for too many spawns at once is retried as the hub's Retry-After says, and counted),
 * the notebook pod running, the hub saying the server is ready (its progress stream, as the
 * spawn page follows it), a Dask session started in the notebook (the group's `hepaf_dask`
 * cluster: for HTCondor groups its scheduler and dedicated worker in the notebook), its SNI route
 * served by Traefik (the first handshake through the front door answered by the session's own
 * certificate), and a client on the user's laptop connected through the front door and one task
 * computed. Then the session is closed; the server stays until the run stops every server.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import * as tls from "tls";
import { promisify } from "util";
import type { LiveFacility } from "../../test/live/harness/facility";
import { HubSession, pageMessage } from "../../test/live/harness/hub-client";
import { jsonLines, Proc, waitFor } from "../../test/live/harness/processes";
import { HeldSession, holdSession } from "../../test/live/harness/sessions";

const run = promisify(execFile);

/** When each step of one user ended (epoch ms), how often the hub refused the spawn, and the first error. */
export interface UserTimes {
    user: string;
    start: number;
    login?: number;
    bundle?: number;
    /** The first spawn request. */
    requested?: number;
    /** The spawn request the hub accepted. */
    accepted?: number;
    /** Spawn requests the hub refused with 429 (too many spawns at once) before it accepted one. */
    refused: number;
    pod?: number;
    ready?: number;
    /** The session was asked for (once a session slot was free). */
    sessionAsked?: number;
    /** The session's cluster exists: its scheduler listens. */
    listening?: number;
    routed?: number;
    connected?: number;
    computed?: number;
    closed?: number;
    error?: string;
}

/** What every user's flow shares. */
export interface FlowContext {
    f: LiveFacility;
    group: string;
    profile: string;
    rootCa: string;
    /** Where the bundles are unpacked. */
    dir: string;
    /** The laptops' client process ({@link startLaptops}) and the file it reads requests from. */
    laptops: { proc: Proc; requests: string };
    /** Limits how many sessions run at once (the machine's memory): acquire, then release. */
    sessions: Semaphore;
}

const SERVICE = "/services/dask/";

/** A counting semaphore (FIFO). */
export class Semaphore {
    private waiting: (() => void)[] = [];
    constructor(private free: number) {}
    async acquire(): Promise<void> {
        if (this.free > 0) {
            this.free--;
            return;
        }
        await new Promise<void>((resolve) => this.waiting.push(resolve));
    }
    release(): void {
        const next = this.waiting.shift();
        if (next) next();
        else this.free++;
    }
}

/** Runs `user`'s flow; each step's end is recorded in the returned times, the first failure in `error`. */
export async function userFlow(ctx: FlowContext, user: string, hub: HubSession): Promise<UserTimes> {
    const t: UserTimes = { user, start: Date.now(), refused: 0 };
    let session: HeldSession | undefined;
    let holding = false;
    try {
        await hub.login();
        t.login = Date.now();
        const bundle = await downloadBundle(ctx, hub);
        t.bundle = Date.now();
        await requestSpawn(hub, ctx.profile, t);
        const { f } = ctx;
        const [pod] = await Promise.all([
            waitFor(`${user}'s notebook pod`, () => f.kubelet.pod(`af-${ctx.group}`, `jupyter-${user}`), { timeoutMs: 900000, intervalMs: 100 }).then((p) => ((t.pod = Date.now()), p)),
            serverReady(hub).then(() => (t.ready = Date.now())),
        ]);
        await ctx.sessions.acquire();
        holding = true;
        t.sessionAsked = Date.now();
        const sni = `${user}.dask.${f.domain}`;
        const routed = firstAnswerOf(f.domain, sni, 300000).then(() => (t.routed = Date.now()));
        session = await holdSession(f, hub, pod, { rootCa: ctx.rootCa, batchWorkers: 0, timeoutSeconds: 900 });
        t.listening = Date.now();
        await routed;
        const out = await laptopCompute(ctx, user, `tls://${sni}:8786`, bundle);
        t.connected = out.connected;
        t.computed = out.computed;
        await session.say("close", "closed", 120000);
        t.closed = Date.now();
    } catch (err) {
        t.error = (err as Error).message.split("\n").slice(0, 6).join("\n");
        if (session && !session.proc.exited()) await session.proc.stop(2000);
    } finally {
        if (holding) ctx.sessions.release();
    }
    return t;
}

/** Signs in to the access service as a browser does and downloads the group's bundle; returns its unpacked folder. */
async function downloadBundle(ctx: FlowContext, hub: HubSession): Promise<string> {
    const { res, visited } = await hub.signInTo(SERVICE);
    const page = await res.text();
    if (res.status !== 200) throw new Error(`${hub.user}'s sign-in to ${SERVICE}: HTTP ${res.status} after ${visited.join(" -> ")}`);
    const xsrf = /name="_xsrf" value="([^"]*)"/.exec(page)?.[1] ?? "";
    const zip = await hub.request("POST", `${SERVICE}bundle/${ctx.group}`, { form: { _xsrf: xsrf } });
    if (zip.status !== 200) throw new Error(`${hub.user}'s bundle: HTTP ${zip.status} ${pageMessage(await zip.text())}`);
    const into = path.join(ctx.dir, hub.user);
    fs.mkdirSync(into, { recursive: true });
    fs.writeFileSync(path.join(into, "bundle.zip"), await zip.bytes());
    await run(ctx.f.tools.python, ["-m", "zipfile", "-e", path.join(into, "bundle.zip"), into]);
    const [folder] = fs.readdirSync(into).filter((e) => e !== "bundle.zip");
    return path.join(into, folder);
}

/** Asks for the user's default server until the hub accepts (at most 60 refusals). */
async function requestSpawn(hub: HubSession, profile: string, t: UserTimes): Promise<void> {
    for (let attempt = 0; attempt <= 60; attempt++) {
        t.requested ??= Date.now();
        const res = await hub.request("POST", `/hub/api/users/${hub.user}/server`, { body: { profile }, useToken: true });
        if (res.status === 201 || res.status === 202) {
            t.accepted = Date.now();
            return;
        }
        const text = await res.text();
        if (res.status !== 429) throw new Error(`${hub.user}'s spawn: HTTP ${res.status} ${text.slice(0, 300)}`);
        t.refused++;
        const after = Number(res.headers["retry-after"] ?? 1);
        await new Promise((r) => setTimeout(r, Math.max(0.2, Math.min(after, 30)) * 1000));
    }
    throw new Error(`${hub.user}'s spawn: refused 61 times (too many spawns at once)`);
}

/** Follows the server's progress stream, as the spawn page does, until the hub says it is ready. */
async function serverReady(hub: HubSession): Promise<void> {
    const res = await hub.request("GET", `/hub/api/users/${hub.user}/server/progress`, { useToken: true, headers: { accept: "text/event-stream" } });
    const events = (await res.text())
        .split("\n")
        .filter((l) => l.startsWith("data:"))
        .map((l) => JSON.parse(l.slice(5)));
    const last = events[events.length - 1];
    if (res.status !== 200 || !last?.ready) throw new Error(`${hub.user}'s server not ready: HTTP ${res.status}, last event ${JSON.stringify(last)}`);
}

/** Resolves once a TLS handshake through the front door with SNI `sni` gets a certificate for that name (probes every 100 ms, bounded). */
function firstAnswerOf(host: string, sni: string, timeoutMs: number): Promise<void> {
    const probe = () =>
        new Promise<boolean>((resolve) => {
            const s = tls.connect({ host, port: 8786, servername: sni, rejectUnauthorized: false }, () => {
                const ok = (s.getPeerCertificate().subjectaltname ?? "").includes(`DNS:${sni}`);
                s.destroy();
                resolve(ok);
            });
            s.setTimeout(2000, () => (s.destroy(), resolve(false)));
            s.on("error", () => resolve(false));
        });
    return waitFor(`Traefik to route ${sni}`, () => probe(), { timeoutMs, intervalMs: 100 }).then(() => undefined);
}

/** The user's laptop connects through the front door and computes one task; when it connected and computed (epoch ms). */
async function laptopCompute(ctx: FlowContext, user: string, address: string, bundle: string): Promise<{ connected: number; computed: number }> {
    fs.appendFileSync(ctx.laptops.requests, `${JSON.stringify({ user, address, bundle, timeout: 120 })}\n`);
    const out = await waitFor(`${user}'s laptop client`, () => jsonLines(ctx.laptops.proc).find((l) => l.user === user), { watch: [ctx.laptops.proc], timeoutMs: 240000, intervalMs: 100 });
    if (out.error || out.result !== 45) throw new Error(`${user}'s laptop client: ${out.error ?? `result ${out.result}, not 45`}`);
    return { connected: Math.round(out.connected * 1000), computed: Math.round(out.computed * 1000) };
}
