/**
 * What the facility's parts use while users arrive: CPU seconds and resident memory of a pod's
 * whole process tree (the kubelet double's wrapper, the runtime and what runs under it), sampled
 * from /proc, and the API server's own count of the requests it served.
 */
import * as fs from "fs";
import * as path from "path";
import { get } from "../../test/live/harness/control-plane";
import type { LiveFacility } from "../../test/live/harness/facility";

/** Clock ticks per second of /proc's CPU times (USER_HZ, 100 on Linux). */
const TICKS = 100;

interface ProcStat {
    ppid: number;
    /** utime + stime, in ticks. */
    cpu: number;
    rssKiB: number;
}

function readStat(pid: number): ProcStat | undefined {
    try {
        const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
        // The command name (field 2) may hold spaces: fields are counted after its closing ")".
        const f = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
        const rss = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, "utf8"));
        return { ppid: Number(f[1]), cpu: Number(f[11]) + Number(f[12]), rssKiB: rss ? Number(rss[1]) : 0 };
    } catch {
        return undefined; // gone meanwhile
    }
}

/** CPU seconds and resident MiB of each root's process tree, read in one pass over /proc. */
export function treeUsage(roots: number[]): { cpuSeconds: number; rssMiB: number } {
    const stats = new Map<number, ProcStat>();
    for (const e of fs.readdirSync("/proc")) {
        if (!/^\d+$/.test(e)) continue;
        const s = readStat(Number(e));
        if (s) stats.set(Number(e), s);
    }
    const children = new Map<number, number[]>();
    for (const [pid, s] of stats) children.set(s.ppid, [...(children.get(s.ppid) ?? []), pid]);
    let cpu = 0;
    let rss = 0;
    const seen = new Set<number>();
    const stack = [...roots];
    while (stack.length) {
        const pid = stack.pop()!;
        if (seen.has(pid)) continue;
        seen.add(pid);
        const s = stats.get(pid);
        if (s) {
            cpu += s.cpu;
            rss += s.rssKiB;
        }
        stack.push(...(children.get(pid) ?? []));
    }
    return { cpuSeconds: cpu / TICKS, rssMiB: rss / 1024 };
}

/** The PIDs of the containers of the running pods of Deployment `namespace/name`. */
export function deploymentPids(f: LiveFacility, namespace: string, name: string): number[] {
    return f.kubelet
        .running()
        .filter((p) => p.namespace === namespace && p.name.startsWith(`${name}-`))
        .flatMap((p) => p.containers.map((c) => c.proc.pid));
}

/** A part's usage over a run: CPU used between start and stop, resident memory at start and at its peak. */
export interface PartUsage {
    cpuSeconds: number;
    rssStartMiB: number;
    rssPeakMiB: number;
}

/** Samples each part's tree every `intervalMs` until stopped. */
export function sampleParts(parts: Record<string, () => number[]>, intervalMs = 1000): { stop(): Record<string, PartUsage> } {
    const first: Record<string, { cpuSeconds: number; rssMiB: number }> = {};
    const last: Record<string, { cpuSeconds: number; rssMiB: number }> = {};
    const peak: Record<string, number> = {};
    const sample = () => {
        for (const [name, pids] of Object.entries(parts)) {
            const u = treeUsage(pids());
            first[name] ??= u;
            last[name] = u;
            peak[name] = Math.max(peak[name] ?? 0, u.rssMiB);
        }
    };
    sample();
    const timer = setInterval(sample, intervalMs);
    return {
        stop: () => {
            clearInterval(timer);
            sample();
            return Object.fromEntries(
                Object.keys(parts).map((name) => [name, { cpuSeconds: last[name].cpuSeconds - first[name].cpuSeconds, rssStartMiB: first[name].rssMiB, rssPeakMiB: peak[name] }]),
            );
        },
    };
}

/** The requests the API server has served: the sum of its `apiserver_request_total` counter. */
export async function apiRequests(f: LiveFacility): Promise<number> {
    const pki = path.join(f.cp.dir, "pki");
    const res = await get(`${f.cp.server}/metrics`, { ca: f.cp.caFile, cert: path.join(pki, "admin.crt"), key: path.join(pki, "admin.key") });
    if (res.status !== 200) throw new Error(`the API server's /metrics: HTTP ${res.status}`);
    let total = 0;
    for (const line of res.body.split("\n")) {
        if (line.startsWith("apiserver_request_total{")) total += Number(line.slice(line.lastIndexOf(" ") + 1));
    }
    return total;
}

/** The machine's available memory, in MiB (MemAvailable). */
export function availableMiB(): number {
    const m = /MemAvailable:\s+(\d+) kB/.exec(fs.readFileSync("/proc/meminfo", "utf8"));
    return m ? Number(m[1]) / 1024 : 0;
}
