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
import * as fs from "fs";
import * as path from "path";
import { downloadBundle } from "../../test/live/harness/bundles";
import { daskPort, LiveFacility, waitRouted, waitRoutedAtTraefik } from "../../test/live/harness/facility";
import { HubSession } from "../../test/live/harness/hub-client";
import { jsonLines, Proc, startProcess, waitFor } from "../../test/live/harness/processes";
import { HeldSession, holdSession } from "../../test/live/harness/sessions";
import { ROOT } from "../../test/live/harness/tools";

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
    /** The session's cluster exists: its scheduler listens (a gateway cluster: running). */
    listening?: number;
    /** A gateway cluster's first worker joined. */
    workers?: number;
    /** The front door's Dask port served the session's route (through the Service). */
    routed?: number;
    /** Every Traefik pod, asked directly, served it. */
    routedAtTraefik?: number;
    connected?: number;
    computed?: number;
    closed?: number;
    error?: string;
    /** Gateway: clusters the user still had on the gateway once the flow failed, stopped through it as the user would. */
    leftClusters?: string[];
}

/** What every user's flow shares. */
export interface FlowContext {
    f: LiveFacility;
    group: string;
    /** The group's kind of session: `htcondor` (scheduler in the notebook, laptop client through its SNI route) or `gateway`. */
    kind: "htcondor" | "gateway";
    profile: string;
    rootCa: string;
    /** Where the bundles are unpacked. */
    dir: string;
    /** The laptops' client process ({@link startLaptops}) and the file it reads requests from. */
    laptops: { proc: Proc; requests: string };
    /** Limits how many sessions run at once (the machine's memory): acquire, then release. */
    sessions: Semaphore;
    /** The longest a session may take to start (its cluster to exist), in ms. */
    sessionStartMs: number;
    /** Told of each user's failure as it happens. */
    onFailure(t: UserTimes): void;
}

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
    let ended = false;
    let bundle: string | undefined;
    try {
        await hub.login();
        t.login = Date.now();
        const { f } = ctx;
        bundle = await downloadBundle(f.tools.python, hub, ctx.group, path.join(ctx.dir, user));
        t.bundle = Date.now();
        // The pod is watched from the request on: the hub may start it before it answers.
        const podRuns = waitFor(
            `${user}'s notebook pod`,
            () => {
                if (ended) throw new Error(`${user}'s flow ended before the pod ran`);
                return f.kubelet.pod(`af-${ctx.group}`, `jupyter-${user}`);
            },
            { timeoutMs: 900000, intervalMs: 100 },
        ).then((p) => ((t.pod = Date.now()), p));
        podRuns.catch(() => undefined);
        t.requested = Date.now();
        await hub.requestServer(ctx.profile, { onRefused: () => t.refused++ });
        t.accepted = Date.now();
        const [pod] = await Promise.all([podRuns, hub.waitServerReady().then(() => (t.ready = Date.now()))]);
        await ctx.sessions.acquire();
        holding = true;
        t.sessionAsked = Date.now();
        if (ctx.kind === "gateway") {
            // The user's cluster on the group's gateway: made (its scheduler running), a worker asked for and joined, a task through the front door.
            session = await holdSession(f, hub, pod, { rootCa: ctx.rootCa, timeoutSeconds: 900, startTimeoutMs: ctx.sessionStartMs });
            t.listening = Date.now();
            await session.say("scale:1", "scaled", 60000);
            await session.say("workers:1", "workers", 600000);
            t.workers = Date.now();
            const computed = await session.say("compute:1:0", "computed", 300000);
            if (!computed.right) throw new Error(`${user}'s gateway cluster computed a wrong result`);
            t.computed = Date.now();
        } else {
            const sni = `${user}.dask.${f.domain}`;
            // Served only once the scheduler listens: bounded by the session's start, and a minute more.
            // Each handshake may take as long as a laptop's connection does here under load (up to
            // 18 s measured): a shorter bound would time the machine's load, not the route.
            const bound = { timeoutMs: ctx.sessionStartMs + 60000, intervalMs: 100, handshakeTimeoutMs: 20000 };
            const routed = waitRouted(f, sni, bound).then(() => (t.routed = Date.now()));
            // Traefik's own view, past the Service proxy double: a measurement, which fails no user.
            void waitRoutedAtTraefik(f, sni, bound).then(() => (t.routedAtTraefik = Date.now()), () => undefined);
            session = await holdSession(f, hub, pod, { rootCa: ctx.rootCa, batchWorkers: 0, timeoutSeconds: 900, startTimeoutMs: ctx.sessionStartMs });
            t.listening = Date.now();
            await routed;
            const out = await laptopCompute(ctx, user, `tls://${sni}:${daskPort(f)}`, bundle);
            t.connected = out.connected;
            t.computed = out.computed;
        }
        await session.say("close", "closed", 180000);
        t.closed = Date.now();
    } catch (err) {
        // What failed and, from a session's log, how it ended (a traceback's last lines).
        const lines = (err as Error).message.split("\n").filter((l) => l.trim());
        t.error = (lines.length > 8 ? [...lines.slice(0, 3), "  ...", ...lines.slice(-5)] : lines).join("\n");
        // The session closes its cluster if it still can; what the user still has on the gateway they stop through it.
        if (session && !session.proc.exited()) {
            session.tell("close");
            await waitFor(`${user}'s session to close`, () => session!.proc.exited() || jsonLines(session!.proc).some((l) => "closed" in l), { timeoutMs: 60000 }).catch(() => undefined);
            await session.proc.stop(2000);
        }
        if (ctx.kind === "gateway" && bundle && hub.token) t.leftClusters = await stopUserClusters(ctx, user, bundle, hub.token);
        ctx.onFailure(t);
    } finally {
        ended = true;
        if (holding) ctx.sessions.release();
    }
    return t;
}

/** Stops the clusters the user has on the gateway, from the laptop with the user's bundle and token; their names. */
async function stopUserClusters(ctx: FlowContext, user: string, bundle: string, token: string): Promise<string[]> {
    const env = { DASK_CONFIG: bundle, JUPYTERHUB_API_TOKEN: token, SSL_CERT_FILE: path.join(bundle, "root-ca.crt"), DASK_ROOT_CONFIG: undefined };
    const proc = startProcess(ctx.dir, `${user}-stop-clusters`, ctx.f.tools.python, [path.join(ROOT, "bench", "python", "stop_user_clusters.py")], { env });
    try {
        const out = await waitFor(`${user}'s clusters stopped`, () => jsonLines(proc).find((l) => l.stopped || l.error), { watch: [proc], timeoutMs: 120000 });
        if (out.error) throw new Error(out.error);
        return out.stopped;
    } catch (err) {
        return [`(could not stop the user's clusters: ${(err as Error).message.split("\n")[0]})`];
    } finally {
        await proc.stop(2000);
    }
}

/** The user's laptop connects through the front door and computes one task; when it connected and computed (epoch ms). */
async function laptopCompute(ctx: FlowContext, user: string, address: string, bundle: string): Promise<{ connected: number; computed: number }> {
    fs.appendFileSync(ctx.laptops.requests, `${JSON.stringify({ user, address, bundle, timeout: 120 })}\n`);
    const out = await waitFor(`${user}'s laptop client`, () => jsonLines(ctx.laptops.proc).find((l) => l.user === user), { watch: [ctx.laptops.proc], timeoutMs: 240000, intervalMs: 100 });
    if (out.error || out.result !== 45) throw new Error(`${user}'s laptop client: ${out.error ?? `result ${out.result}, not 45`}`);
    return { connected: Math.round(out.connected * 1000), computed: Math.round(out.computed * 1000) };
}

/** How one user's stop went: the answers the hub gave (or the connection error), in order. */
export interface StopAnswers {
    user: string;
    answers: string[];
    /** The hub accepted the stop (202 or 204). */
    accepted: boolean;
}

/**
 * Asks the hub to stop the user's server, and asks again, as a user clicks again, when the
 * request did not reach the hub (a refused or timed-out connection) or the hub answered an
 * error (5xx): at most `tries` times, `pauseMs` apart. A stop asked once and lost on the way
 * leaves the server running.
 */
export async function stopServer(hub: HubSession, tries = 5, pauseMs = 5000): Promise<StopAnswers> {
    const answers: string[] = [];
    for (let i = 0; i < tries; i++) {
        if (i > 0) await new Promise((r) => setTimeout(r, pauseMs));
        const answer = await hub.api("DELETE", `/users/${hub.user}/server`).then(
            (res) => res.status,
            (err: Error) => err.message.split("\n")[0].slice(0, 120),
        );
        answers.push(String(answer));
        if (answer === 202 || answer === 204) return { user: hub.user, answers, accepted: true };
        if (typeof answer === "number" && answer < 500) break;
    }
    return { user: hub.user, answers, accepted: false };
}
