/**
 * Processes the live tier starts: each one logged to a file, tracked by PID, and stopped by
 * PID (its whole process group) at the end, also when a test fails. Waits are bounded polls.
 */
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** A started process. */
export interface Proc {
    /** Short name, used for the log file. */
    name: string;
    pid: number;
    /** Path of the combined stdout/stderr log. */
    logFile: string;
    /** The log so far. */
    log(): string;
    /** Whether it has exited (and its status). */
    exited(): { code: number | null; signal: string | null } | undefined;
    /** Stops the process group: SIGTERM, then SIGKILL after `graceMs`. */
    stop(graceMs?: number): Promise<void>;
}

/** How to start a process. */
export interface StartOptions {
    /** Extra environment (merged over a minimal base). */
    env?: Record<string, string | undefined>;
    /** Working directory. Default the log directory. */
    cwd?: string;
    /** Run inside this named network namespace (`ip netns exec`). Default the test's own. */
    netns?: string;
    /** Replace the environment instead of merging over process.env. Default false. */
    cleanEnv?: boolean;
}

const running = new Set<Proc>();

/** Starts `command args` with its output in `<logDir>/<name>.log`. */
export function startProcess(logDir: string, name: string, command: string, args: string[], opts: StartOptions = {}): Proc {
    fs.mkdirSync(logDir, { recursive: true });
    const logFile = path.join(logDir, `${name.replace(/[^A-Za-z0-9_.-]/g, "_")}.log`);
    const fd = fs.openSync(logFile, "a");
    const base = opts.cleanEnv ? { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: process.env.HOME ?? "/", LANG: "C.UTF-8" } : process.env;
    const env = Object.fromEntries(Object.entries({ ...base, ...opts.env }).filter(([, v]) => v !== undefined)) as Record<string, string>;
    const [cmd, argv] = opts.netns ? ["ip", ["netns", "exec", opts.netns, command, ...args]] : [command, args];
    let child: ChildProcess;
    try {
        child = spawn(cmd, argv, { cwd: opts.cwd ?? logDir, env, stdio: ["ignore", fd, fd], detached: true });
    } finally {
        fs.closeSync(fd);
    }
    if (child.pid === undefined) {
        throw new Error(`live: cannot start ${name} (${command}): not found or not executable`);
    }
    let status: { code: number | null; signal: string | null } | undefined;
    const done = new Promise<void>((resolve) =>
        child.on("exit", (code, signal) => {
            status = { code, signal };
            resolve();
        }),
    );
    child.on("error", () => undefined);
    const proc: Proc = {
        name,
        pid: child.pid,
        logFile,
        log: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, "utf8") : ""),
        exited: () => status,
        stop: async (graceMs = 5000) => {
            running.delete(proc);
            if (status) return;
            // A note of the stop, where the log directory still exists (a test's working
            // directory may be gone by now); stopping never fails on it.
            try {
                fs.appendFileSync(path.join(logDir, "stops.log"), `${new Date().toISOString()} stop ${name} (pid ${child.pid})\n`);
            } catch {
                // the directory was removed with its test's working directory
            }
            signalGroup(child.pid!, "SIGTERM");
            const timer = new Promise<"timeout">((r) => setTimeout(() => r("timeout"), graceMs).unref());
            if ((await Promise.race([done, timer])) === "timeout") {
                signalGroup(child.pid!, "SIGKILL");
                await Promise.race([done, new Promise((r) => setTimeout(r, 2000).unref())]);
            }
        },
    };
    running.add(proc);
    return proc;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
    try {
        process.kill(-pid, signal);
    } catch {
        try {
            process.kill(pid, signal);
        } catch {
            // already gone
        }
    }
}

/** Stops every process still running (in reverse start order). */
export async function stopAll(): Promise<void> {
    for (const p of [...running].reverse()) {
        await p.stop();
    }
}

/** Options of {@link waitFor}. */
export interface WaitOptions {
    /** Give up after this long. Default 60 s. */
    timeoutMs?: number;
    /** Poll interval. Default 200 ms. */
    intervalMs?: number;
    /** Fail early when one of these exits, with its log tail. */
    watch?: Proc[];
}

/**
 * Polls `check` until it returns a value other than undefined/false, bounded by a timeout; the
 * error names `what` and the last failure seen.
 */
export async function waitFor<T>(what: string, check: () => T | undefined | false | Promise<T | undefined | false>, opts: WaitOptions = {}): Promise<T> {
    const deadline = Date.now() + (opts.timeoutMs ?? 60000);
    let lastError = "";
    for (;;) {
        // A watched process that had exited before this check, and the check still fails: it
        // will not come. (One that did what was awaited and then exited counts as done.)
        const gone = (opts.watch ?? []).map((p) => ({ p, st: p.exited() })).find((x) => x.st);
        try {
            const v = await check();
            if (v !== undefined && v !== false) return v as T;
        } catch (err) {
            lastError = (err as Error).message;
        }
        if (gone) {
            throw new Error(`live: ${gone.p.name} exited (code ${gone.st!.code}, signal ${gone.st!.signal}) while waiting for ${what}:\n${tail(gone.p.log(), 25)}`);
        }
        if (Date.now() > deadline) {
            throw new Error(`live: timed out after ${opts.timeoutMs ?? 60000} ms waiting for ${what}${lastError ? ` (last error: ${lastError})` : ""}`);
        }
        await new Promise((r) => setTimeout(r, opts.intervalMs ?? 200));
    }
}

/** The JSON lines a process printed so far, parsed (its other lines skipped). */
export function jsonLines(p: Proc): any[] {
    return p.log().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
}

/** The first JSON line of `p` that has `key`. */
export function jsonLine(p: Proc, key: string): any {
    return jsonLines(p).find((l) => key in l);
}

/** The last `n` lines of a text. */
export function tail(text: string, n: number): string {
    return text.trimEnd().split("\n").slice(-n).join("\n");
}
