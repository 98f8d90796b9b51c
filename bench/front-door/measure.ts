/**
 * Pure arithmetic of the front door's cost bench: CPU time from /proc/<pid>/stat, CPU per GiB
 * carried, the most one core carries at that cost, shares of direct, and the goals.
 */

/** utime + stime (fields 14 and 15, in clock ticks) of a /proc/<pid>/stat line. */
export function statCpuTicks(stat: string): number {
    // The command name (field 2) is in parentheses and may hold spaces: count from its end.
    const close = stat.lastIndexOf(")");
    if (close < 0) throw new Error(`not a /proc/<pid>/stat line: ${stat.slice(0, 80)}`);
    const fields = stat.slice(close + 2).trim().split(" ");
    const utime = Number(fields[11]);
    const stime = Number(fields[12]);
    if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`no utime/stime in /proc/<pid>/stat: ${stat.slice(0, 80)}`);
    return utime + stime;
}

/** How many CPUs a taskset list (e.g. "0", "0-1", "0,2") names. */
export function cpuCount(list: string): number {
    return list.split(",").reduce((n, part) => {
        const [a, b] = part.split("-").map(Number);
        return n + (b === undefined ? 1 : b - a + 1);
    }, 0);
}

/** min, median, p99 and max of a non-empty list (the bench's one summary of repetitions). */
export function spread(xs: number[]): { min: number; median: number; p99: number; max: number } {
    if (xs.length === 0) throw new Error("spread of no values");
    const s = [...xs].sort((a, b) => a - b);
    const q = (p: number) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
    return { min: s[0], median: q(0.5), p99: q(0.99), max: s[s.length - 1] };
}

/** CPU seconds per GiB carried. */
export function cpuPerGiB(cpuSeconds: number, mibCarried: number): number {
    return cpuSeconds / (mibCarried / 1024);
}

/** The most one core carries at `secondsPerGiB` CPU per GiB, in MiB/s (the capacity figure). */
export function coreCapacityMiBps(secondsPerGiB: number): number {
    return secondsPerGiB > 0 ? 1024 / secondsPerGiB : Infinity;
}

/** The goals the cost bench states (printed, not asserted). */
export const COST_GOALS = {
    /** Through the proxy, with a core of its own, at least this share of direct. */
    shareOfDirect: 0.9,
    /** Traefik's CPU per GiB at most this multiple of HAProxy's. */
    ofHaproxy: 1.5,
} as const;

/** One path's figures in one layout. */
export interface PathFigures {
    /** MiB/s of each repetition. */
    mibps: number[];
    /** The relay's CPU seconds per GiB carried (none for direct). */
    cpuPerGiB?: number;
}

/** "min / median / max" of MiB/s figures, rounded. */
export function mibpsCell(xs: number[]): string {
    const s = spread(xs);
    return `${s.min.toFixed(0)} / ${s.median.toFixed(0)} / ${s.max.toFixed(0)} MiB/s`;
}

/** The median of `via` as a share of the median of `direct`. */
export function shareOf(via: number[], direct: number[]): number {
    return spread(via).median / spread(direct).median;
}

/** "x %" with a yes/NO against `goal` (a share). */
export function shareVerdict(share: number, goal: number): string {
    return `${(share * 100).toFixed(0)} % ${share >= goal ? "yes" : "NO"}`;
}

/** Traefik's CPU per GiB as a multiple of an anchor's, with yes/NO against `goal`. */
export function multipleVerdict(traefik: number, anchor: number, goal: number): string {
    const m = traefik / anchor;
    return `${m.toFixed(2)}x ${m <= goal ? "yes" : "NO"}`;
}

/** From `go tool pprof -top` output: the share of samples spent in system calls (flat). */
export function syscallShare(top: string): number | undefined {
    const total = /Total samples = ([\d.]+)(m?s)/.exec(top);
    if (!total) return undefined;
    const ms = (v: string, unit: string) => Number(v) * (unit === "s" ? 1000 : 1);
    const all = ms(total[1], total[2]);
    const flat = [...top.matchAll(/^\s*([\d.]+)(m?s)\s+[\d.]+%.*\s(\S*syscall\S*\.(?:Syscall6?|RawSyscall6?))$/gm)].reduce((sum, m) => sum + ms(m[1], m[2]), 0);
    return all > 0 ? flat / all : undefined;
}
