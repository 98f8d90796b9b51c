/**
 * Users' Dask sessions on a live facility, as the tests drive them: CMS's pool access point (the
 * schedd double, on the node's address) and a session held open in a user's notebook pod
 * (`test/python/live/held_session.py`), told what to do next by words the test writes.
 */
import * as fs from "fs";
import * as path from "path";
import { NODE_IP } from "./control-plane";
import { LiveFacility, spawnServer } from "./facility";
import { HubSession } from "./hub-client";
import { RunningPod } from "./kubelet-double";
import { jsonLine, jsonLines, Proc, startProcess, waitFor } from "./processes";
import { ROOT } from "./tools";

/** The HTCondor tool doubles, put on a notebook's PATH for a test's session only. */
export const HTCONDOR_DOUBLES = path.join(ROOT, "test", "python", "doubles", "htcondor");


/** A running schedd double. */
export interface ScheddDouble {
    proc: Proc;
    /** `http://<node ip>:<port>`, what the condor_* doubles are given (HEPAF_SCHEDD_DOUBLE). */
    address: string;
    /** Every event it logged (submit, start, exit, rm, ...), in order. */
    events(): any[];
    /** Ids of the jobs in its queue: submitted, neither exited nor removed. */
    queued(): string[];
    /** PIDs of the job processes it started that are still alive. */
    liveJobPids(): number[];
    /** Whether a job that dialed `sni` (its Arguments name the session's address) is still queued or running. */
    hasJobsOf(sni: string): boolean;
}

/** Options of {@link startScheddDouble}. */
export interface ScheddOptions {
    /** Execute slots of the pool; jobs beyond them stay idle. Default unlimited. */
    slots?: number;
    /** Run each job (container jobs in their image's root, as CMS's are). Default true; with false nothing runs a job's image, so give `slots: 0`. */
    runJobs?: boolean;
}

/**
 * Starts the access point of CMS's campus pool (`ap.example.org`), accepting the token the
 * facility issued to CMS, with its queue in `<control plane dir>/batch/pool`.
 */
export async function startScheddDouble(f: LiveFacility, opts: ScheddOptions = {}): Promise<ScheddDouble> {
    const token = Buffer.from(f.cp.admin.find("secret", "htcondor-af-campus-token", "af-cms").data["af-campus"], "base64").toString();
    const dir = path.join(f.cp.dir, "batch", "pool");
    const run = opts.runJobs ?? true;
    const proc = startProcess(path.join(f.cp.dir, "batch"), "schedd-double", f.tools.python, [
        path.join(HTCONDOR_DOUBLES, "schedd_double.py"),
        JSON.stringify({
            listen: `${NODE_IP}:0`, scheddName: "ap.example.org", trustDomain: "example.org", acceptTokens: [token], dir, machine: NODE_IP,
            ...(opts.slots === undefined ? {} : { slots: opts.slots }),
            // Container-universe jobs (CMS's) run in their image's own root.
            ...(run ? { env: { PATH: `${f.tools.venvBin}:/usr/bin:/bin` }, images: f.tools.images, runtime: f.tools.runtimeDouble } : {}),
        }),
    ]);
    const address = (await waitFor("the schedd double", () => jsonLine(proc, "address"), { watch: [proc], timeoutMs: 60000 })).address as string;
    const events = () => {
        const file = path.join(dir, "events.jsonl");
        return fs.existsSync(file) ? fs.readFileSync(file, "utf8").trim().split("\n").filter(Boolean).map((l) => JSON.parse(l)) : [];
    };
    const ended = (ev: any[]) => new Set(ev.filter((e) => e.event === "rm" || e.event === "exit").map((e) => e.id));
    return {
        proc,
        address,
        events,
        queued: () => {
            const ev = events();
            const gone = ended(ev);
            return ev.filter((e) => e.event === "submit" && !gone.has(e.id)).map((e) => e.id as string);
        },
        liveJobPids: () => events().filter((e) => e.event === "start").map((e) => e.pid as number).filter(alive),
        hasJobsOf: (sni) => {
            const ev = events();
            const gone = ended(ev);
            return ev.some((e) => e.event === "start" && (e.argv as string[]).some((a) => a.includes(`//${sni}:`)) && (!gone.has(e.id) || alive(e.pid)));
        },
    };
}

function alive(pid: number): boolean {
    try {
        process.kill(pid, 0);
        return true;
    } catch {
        return false;
    }
}

/** A session held open in a user's notebook pod. */
export interface HeldSession {
    user: string;
    hub: HubSession;
    /** What `started` said: kind, dashboard, and the scheduler's address (HTCondor) or the cluster's name (gateway). */
    started: any;
    proc: Proc;
    /** Writes a word (see held_session.py) and waits for its answer, the next line with `key`. */
    say(word: string, key: string, timeoutMs: number): Promise<any>;
    /** Writes a word and returns at once; {@link HeldSession.answer} waits for what it says. */
    tell(word: string): void;
    /** Waits for the next line with `key` not yet taken. */
    answer(key: string, timeoutMs: number): Promise<any>;
    /** Closes the session's cluster (bounded), then stops the user's server through the hub. */
    close(): Promise<void>;
}

/** Options of {@link openHeldSession}. */
export interface HeldSessionOptions {
    /** The facility root, trusted for HTTPS in the session. */
    rootCa: string;
    /** The pool's access point, for HTCondor groups. */
    schedd?: ScheddDouble;
    /** Batch workers asked for at start (HTCondor). Default 1. */
    batchWorkers?: number;
    /** The longest the session waits for a word or for workers, in seconds. Default 900. */
    timeoutSeconds?: number;
    /** The longest the test waits for the session's cluster to exist, in ms. Default 240000. */
    startTimeoutMs?: number;
}

/** Logs `user` in, spawns the server with `profile` and holds a Dask session of the group's kind open in it. */
export async function openHeldSession(f: LiveFacility, user: string, group: string, profile: string, opts: HeldSessionOptions): Promise<HeldSession> {
    const hub = new HubSession(`https://${f.domain}`, user, { ca: opts.rootCa });
    await hub.login();
    // A spawn that does not finish says what the hub and the API server saw of it.
    const context = () => {
        const ready = (p: any) => p.status?.conditions?.find((c: any) => c.type === "Ready")?.status === "True" ? "Ready" : "not Ready";
        const seen = f.cp.admin.json(["get", "pods", "-n", `af-${group}`]).items.map((p: any) => `${p.metadata.name} ${p.status?.phase} ${ready(p)} ${JSON.stringify(p.status?.containerStatuses?.map((c: any) => c.state) ?? [])}`);
        return `pods in af-${group}: ${seen.join("; ")}\nkubelet double: ${f.kubelet.pod(`af-${group}`, `jupyter-${user}`) ? "runs" : "does not run"} jupyter-${user}`;
    };
    const pod = (await spawnServer(f, hub, group, profile, { context }))!;
    return holdSession(f, hub, pod, opts);
}

/** Holds a Dask session of the group's kind open in `hub`'s user's running notebook `pod`. */
export async function holdSession(f: LiveFacility, hub: HubSession, pod: RunningPod, opts: HeldSessionOptions): Promise<HeldSession> {
    const user = hub.user;
    const c = pod.containers[0];
    // The test's words to the session: a file in the container's own root, which only this test writes.
    const control = `/var/tmp/hepaf-session-${user}`;
    const hostControl = path.join(c.root, control);
    fs.mkdirSync(path.dirname(hostControl), { recursive: true });
    const req = { control, batchWorkers: opts.batchWorkers ?? 1, timeoutSeconds: opts.timeoutSeconds ?? 900, caPem: opts.rootCa };
    const proc = f.kubelet.exec(pod, `${user}-held-session`, ["python3", path.join(ROOT, "test", "python", "live", "held_session.py"), JSON.stringify(req)], {
        env: opts.schedd ? { PATH: `${HTCONDOR_DOUBLES}:${c.env.PATH}`, HEPAF_SCHEDD_DOUBLE: opts.schedd.address } : {},
    });
    const failure = (err: Error) => new Error(`${err.message}\n${proc.log().slice(-4000)}`);
    const started = await waitFor(`${user}'s session started`, () => jsonLine(proc, "started"), { watch: [proc], timeoutMs: opts.startTimeoutMs ?? 240000 }).catch(async (err) => {
        // Nothing will talk to it again: the process goes (a cluster it asked for stays with its maker, the gateway).
        const failed = failure(err);
        await proc.stop(2000);
        throw failed;
    });
    const answered: Record<string, number> = {};
    const tell = (word: string) => fs.appendFileSync(hostControl, ` ${word}`);
    const answer = async (key: string, timeoutMs: number) => {
        const seen = answered[key] ?? 0;
        const got = await waitFor(`${user}'s session to say ${key}`, () => jsonLines(proc).filter((l) => key in l)[seen], { watch: [proc], timeoutMs }).catch((err) => {
            throw failure(err);
        });
        answered[key] = seen + 1;
        return got[key];
    };
    const say = (word: string, key: string, timeoutMs: number) => {
        tell(word);
        return answer(key, timeoutMs);
    };
    const close = async () => {
        if (!proc.exited()) {
            tell("close");
            await waitFor(`${user}'s session to close`, () => jsonLine(proc, "closed") || proc.exited(), { timeoutMs: 60000 }).catch(() => undefined);
        }
        await hub.api("DELETE", `/users/${user}/server`).catch(() => undefined);
        await hub.close();
    };
    return { user, hub, started: started.started, proc, say, tell, answer, close };
}
