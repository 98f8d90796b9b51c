/**
 * The front door's cost per byte, side by side with its anchors: bulk transfers client ->
 * scheduler direct, through Traefik, through HAProxy and through a plain splice relay
 * (./anchors.ts), in two CPU layouts of the same run: everything sharing every core (as on a
 * small machine), and the relay on a core of its own (CPU 0) with the client and scheduler on
 * another (CPU 1), as on a facility where Traefik runs on other nodes than the schedulers. Each
 * relay's CPU (utime + stime of its process, /proc/<pid>/stat) is read before and after its
 * transfers. Pinning is `taskset` (affinity of every thread, inherited by new ones); Traefik is
 * Go >= 1.25 (its go.mod), whose runtime follows the affinity mask to GOMAXPROCS within a
 * second, and the bench waits for Traefik's own metric to say so.
 */
import { execFileSync, spawn } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as os from "os";
import * as path from "path";
import { waitFor } from "../../test/live/harness/processes";
import { ROOT } from "../../test/live/harness/tools";
import { AnchorKind, AnchorPrograms, startAnchor } from "./anchors";
import { cpuCount, cpuPerGiB, PathFigures, statCpuTicks } from "./measure";

const CLOCK_TICKS = Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());

/** CPU seconds (user + system) process `pid` has used so far. */
export function cpuSeconds(pid: number): number {
    return statCpuTicks(fs.readFileSync(`/proc/${pid}/stat`, "utf8")) / CLOCK_TICKS;
}

/** Sets the CPUs of every thread of `pid` (new threads inherit them). */
export function pin(pid: number, cpus: string): void {
    execFileSync("taskset", ["-a", "-p", "-c", cpus, String(pid)], { stdio: "ignore" });
}

/** A CPU layout of the bench. */
export interface Layout {
    name: string;
    /** CPUs of the relay under test (taskset list). */
    proxyCpus: string;
    /** CPUs of the client and the scheduler. */
    loadCpus: string;
}

/** The two layouts: shared (every core for everyone) and the relay on a core of its own. */
export function layouts(): Layout[] {
    const all = `0-${os.cpus().length - 1}`;
    return [
        { name: `shared: relay, client and scheduler on all ${os.cpus().length} cores`, proxyCpus: all, loadCpus: all },
        { name: "own core: relay on CPU 0, client and scheduler on CPU 1", proxyCpus: "0", loadCpus: "1" },
    ];
}

/** What the cost bench works with. */
export interface CostContext {
    python: string;
    /** Where the anchors' configs and logs go. */
    dir: string;
    tls: { ca: string; cert: string; key: string };
    sni: string;
    /** Traefik: the pod the bench connects to, and the PIDs of every Traefik pod. */
    traefik: { ip: string; netns: string; pids: number[] };
    scheduler: { ip: string; pid: number };
    mib: number;
    reps: number;
    programs: AnchorPrograms;
    say: (s: string) => void;
}

/**
 * Runs the bulk client on `cpus` against host:port, one warm-up transfer first (the first
 * transfer of a client process is the slowest, whatever the path); resolves with MiB/s of each
 * of the `reps` timed ones.
 */
export function bulk(ctx: CostContext, host: string, port: number, cpus: string, reps = ctx.reps): Promise<number[]> {
    const args = JSON.stringify({ mode: "bulk", mib: ctx.mib, repeat: reps + 1, host, port, sni: ctx.sni, ...ctx.tls });
    const child = spawn("taskset", ["-c", cpus, ctx.python, path.join(ROOT, "bench", "python", "bench_client.py"), args], { stdio: ["ignore", "pipe", "pipe"] });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    const timer = setTimeout(() => child.kill("SIGKILL"), 600000);
    return new Promise((resolve, reject) => {
        child.on("close", (code) => {
            clearTimeout(timer);
            if (code !== 0) return reject(new Error(`bench client to ${host}:${port} failed (${code}): ${err.slice(-2000)}`));
            resolve((JSON.parse(out.trim().split("\n").pop()!).seconds as number[]).slice(1).map((s) => ctx.mib / s));
        });
    });
}

/** Bulk transfers through host:port, with the CPU the processes `pids` used meanwhile per GiB (warm-up included). */
export async function measurePath(ctx: CostContext, layout: Layout, host: string, port: number, pids: number[]): Promise<PathFigures> {
    const cpu = () => pids.reduce((sum, pid) => sum + cpuSeconds(pid), 0);
    const before = cpu();
    const mibps = await bulk(ctx, host, port, layout.loadCpus);
    return pids.length ? { mibps, cpuPerGiB: cpuPerGiB(cpu() - before, ctx.mib * (ctx.reps + 1)) } : { mibps };
}

/** GOMAXPROCS of a Traefik pod, from its Prometheus metrics (go_sched_gomaxprocs_threads). */
export function gomaxprocs(ip: string): Promise<number | undefined> {
    return new Promise((resolve) => {
        const req = http.get({ host: ip, port: 9100, path: "/metrics", timeout: 3000 }, (res) => {
            let body = "";
            res.on("data", (d) => (body += d));
            res.on("end", () => {
                const m = /^go_sched_gomaxprocs_threads (\d+)/m.exec(body);
                resolve(m ? Number(m[1]) : undefined);
            });
        });
        req.on("timeout", () => req.destroy());
        req.on("error", () => resolve(undefined));
    });
}

/** Pins Traefik's pods to `cpus` and waits (bounded) until its GOMAXPROCS is their count. */
export async function pinTraefik(ctx: CostContext, cpus: string): Promise<number | undefined> {
    ctx.traefik.pids.forEach((pid) => pin(pid, cpus));
    const want = cpuCount(cpus);
    const seen = await waitFor(`Traefik's GOMAXPROCS to be ${want}`, async () => {
        const n = await gomaxprocs(ctx.traefik.ip);
        return n === undefined ? -1 : n === want && n;
    }, { timeoutMs: 10000, intervalMs: 250 });
    if (seen !== -1) return seen;
    // No metric to read: Go's sysmon re-reads the affinity mask once a second.
    await new Promise((r) => setTimeout(r, 1500));
    return undefined;
}

/** Every path's figures in one layout. */
export interface LayoutFigures {
    layout: Layout;
    traefikGomaxprocs?: number;
    direct: PathFigures;
    traefik: PathFigures;
    haproxy: PathFigures;
    relay: PathFigures;
}

const ANCHOR_PORTS: Record<AnchorKind, number> = { haproxy: 9786, relay: 9787 };

/** One anchor started on the layout's relay CPUs, measured, and stopped. */
async function measureAnchor(ctx: CostContext, layout: Layout, kind: AnchorKind): Promise<PathFigures> {
    const target = { listen: `${ctx.traefik.ip}:${ANCHOR_PORTS[kind]}`, backend: `${ctx.scheduler.ip}:8786`, sni: ctx.sni };
    const proc = await startAnchor(kind, ctx.programs, path.join(ctx.dir, kind), ctx.traefik.netns, layout.proxyCpus, target);
    try {
        return await measurePath(ctx, layout, ctx.traefik.ip, ANCHOR_PORTS[kind], [proc.pid]);
    } finally {
        await proc.stop();
    }
}

/** Direct, Traefik, HAProxy and the relay in one layout. */
export async function measureLayout(ctx: CostContext, layout: Layout): Promise<LayoutFigures> {
    pin(ctx.scheduler.pid, layout.loadCpus);
    const traefikGomaxprocs = await pinTraefik(ctx, layout.proxyCpus);
    ctx.say(`${layout.name}: direct, Traefik (GOMAXPROCS ${traefikGomaxprocs ?? "?"}), HAProxy, relay; ${ctx.mib} MiB x ${ctx.reps} each`);
    const direct = await measurePath(ctx, layout, ctx.scheduler.ip, 8786, []);
    const traefik = await measurePath(ctx, layout, ctx.traefik.ip, 8786, ctx.traefik.pids);
    const haproxy = await measureAnchor(ctx, layout, "haproxy");
    const relay = await measureAnchor(ctx, layout, "relay");
    return { layout, traefikGomaxprocs, direct, traefik, haproxy, relay };
}
