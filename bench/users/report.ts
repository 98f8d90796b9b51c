/**
 * The many-users benchmark's tables: each step's spread for one N, and the figures across N with
 * the goals beside them. Pure: from the users' recorded times and the parts' usage.
 */
import { MANY_USERS_GOALS as GOALS } from "../goals";
import type { StopAnswers, UserTimes } from "./flow";
import type { PartUsage } from "./resources";
import { Spread, spread } from "./stats";

/** One run's figures: N users' times, the parts' usage, what the stop left. */
export interface RunFigures {
    n: number;
    times: UserTimes[];
    usage: Record<string, PartUsage>;
    /** Traefik's resident memory (both replicas, MiB) once every user's route existed and their clients were done, before the stop. */
    traefikWithRoutesMiB: number;
    /** Requests the API server served during the run. */
    apiRequests: number;
    /** The machine's lowest available memory during the run (MiB). */
    minAvailableMiB: number;
    /** From every server's stop request to nothing of the users left (ms). */
    stoppedMs: number;
    /** What was left after the bound (empty when all went). */
    left: string[];
    /** Each user's stop request and what the hub answered. */
    stops: StopAnswers[];
}

type Step = [label: string, duration: (t: UserTimes) => number | undefined];

const since = (a?: number, b?: number) => (a === undefined || b === undefined ? undefined : a - b);
const later = (a?: number, b?: number) => (a === undefined || b === undefined ? undefined : Math.max(a, b));

/** Each step, as the time from the end of the one before it. */
export const STEPS: Step[] = [
    ["sign in (login form, API token)", (t) => since(t.login, t.start)],
    ["bundle (access service sign-in and download)", (t) => since(t.bundle, t.login)],
    ["spawn request answered (the hub waits up to slow_spawn_timeout, 10 s, before it answers 202; with any retries it asked for)", (t) => since(t.accepted, t.requested)],
    ["notebook pod running, after the answer (0 when it ran before)", (t) => (t.pod === undefined || t.accepted === undefined ? undefined : Math.max(0, t.pod - t.accepted))],
    ["hub says ready, after the pod runs", (t) => since(t.ready, t.pod)],
    ["waiting for a session slot", (t) => since(t.sessionAsked, later(t.pod, t.ready))],
    ["session started (HTCondor: scheduler and dedicated worker; gateway: cluster running)", (t) => since(t.listening, t.sessionAsked)],
    ["route served after the scheduler listens", (t) => (t.routed === undefined || t.listening === undefined ? undefined : Math.max(0, t.routed - t.listening))],
    ["  the same, by every Traefik pod asked directly (not through the Service)", (t) => (t.routedAtTraefik === undefined || t.listening === undefined ? undefined : Math.max(0, t.routedAtTraefik - t.listening))],
    ["laptop client connected through the front door", (t) => since(t.connected, later(t.routed, t.listening))],
    ["gateway: a worker joined, after the cluster runs", (t) => since(t.workers, t.listening)],
    ["one task computed", (t) => since(t.computed, t.connected ?? t.workers)],
    ["spawn request to pod running", (t) => since(t.pod, t.requested)],
    ["spawn request to task computed, less the slot wait", (t) => {
        const all = since(t.computed, t.requested);
        const wait = since(t.sessionAsked, later(t.pod, t.ready));
        return all === undefined || wait === undefined ? undefined : all - wait;
    }],
];

/** The spread of a step over the users who reached it. */
export function stepSpread(times: UserTimes[], step: Step): Spread | undefined {
    return spread(times.map(step[1]).filter((d): d is number => d !== undefined));
}

const s = (ms: number) => (ms / 1000).toFixed(2);
const cells = (x: Spread | undefined) => (x ? `${x.n} | ${s(x.p50)} | ${s(x.p95)} | ${s(x.p99)} | ${s(x.max)}` : "0 | | | |");
const failures = (r: RunFigures) => r.times.filter((t) => t.error);
/** Users whose spawn failed: no notebook pod running, or the hub never said ready. */
const failedSpawns = (r: RunFigures) => r.times.filter((t) => t.error && (t.pod === undefined || t.ready === undefined)).length;

/** The table of one run: each step's spread (seconds), failures, and the parts' usage. */
export function runTable(r: RunFigures, sessionsAtOnce: number): string[] {
    const out = [
        `### ${r.n} users at once (sessions ${sessionsAtOnce} at a time)`,
        "",
        "| step | users | p50 (s) | p95 (s) | p99 (s) | max (s) |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        ...STEPS.map((step) => `| ${step[0]} | ${cells(stepSpread(r.times, step))} |`),
        "",
        `spawn refusals the hub asked to retry (429): ${r.times.reduce((a, t) => a + t.refused, 0)} (users refused at least once: ${r.times.filter((t) => t.refused).length})`,
        `failed users: ${failures(r).length} (failed spawns: ${failedSpawns(r)})`,
        ...(r.times.some((t) => t.leftClusters?.length) ? [`gateway clusters failed users still had, stopped through the gateway: ${r.times.reduce((a, t) => a + (t.leftClusters?.length ?? 0), 0)}`] : []),
        ...failures(r).slice(0, 5).map((t) => `  ${t.user}: ${t.error!.split("\n").map((l) => l.slice(0, 300)).join("\n    ")}`),
        `stops asked again (the first lost on the way or answered 5xx): ${r.stops.filter((x) => x.answers.length > 1).length}; never accepted: ${r.stops.filter((x) => !x.accepted).length}`,
        `every server stopped at once: nothing of the users left after ${s(r.stoppedMs)} s${r.left.length ? `; LEFT: ${r.left.slice(0, 10).join(", ")}` : ""}`,
        "",
        "| part | CPU (s) | CPU per user (s) | resident at start (MiB) | peak (MiB) | peak - start per user (MiB) |",
        "| --- | ---: | ---: | ---: | ---: | ---: |",
        ...Object.entries(r.usage).map(([name, u]) =>
            `| ${name} | ${u.cpuSeconds.toFixed(1)} | ${(u.cpuSeconds / r.n).toFixed(3)} | ${u.rssStartMiB.toFixed(0)} | ${u.rssPeakMiB.toFixed(0)} | ${((u.rssPeakMiB - u.rssStartMiB) / r.n).toFixed(3)} |`),
        "",
        `API server requests: ${r.apiRequests} (${(r.apiRequests / r.n).toFixed(1)} per user); the machine's lowest available memory: ${(r.minAvailableMiB / 1024).toFixed(1)} GiB`,
    ];
    return out;
}

/** Traefik's memory per route: with every user's route (traffic done) less at the start, over N. */
const perRoute = (r: RunFigures) => (r.traefikWithRoutesMiB - r.usage.traefik.rssStartMiB) / r.n;

const met = (ok: boolean) => (ok ? "met" : "NOT met");

/** Figures across N, then the goals, each against the run it applies to. */
export function summaryTable(runs: RunFigures[]): string[] {
    const route = STEPS.find((x) => x[0].startsWith("route served"))!;
    const e2e = STEPS[STEPS.length - 1];
    const lines = [
        "### across N",
        "",
        "| N | failed spawns | 429 refusals | spawn to computed p50 / p99 (s) | route after listening p99 (s) | hub CPU per user (s) | hub peak (MiB) | Traefik with N routes - at start, per route (MiB) | API requests per user | stop, all gone (s) |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
        ...runs.map((r) => {
            const e = stepSpread(r.times, e2e);
            const rt = stepSpread(r.times, route);
            const hub = r.usage.hub;
            return `| ${r.n} | ${failedSpawns(r)} | ${r.times.reduce((a, t) => a + t.refused, 0)} | ${e ? `${s(e.p50)} / ${s(e.p99)}` : ""} | ${rt ? s(rt.p99) : ""} | ${(hub.cpuSeconds / r.n).toFixed(3)} | ${hub.rssPeakMiB.toFixed(0)} | ${perRoute(r).toFixed(3)} | ${(r.apiRequests / r.n).toFixed(1)} | ${s(r.stoppedMs)} |`;
        }),
        "",
        "| goal | figure | goal | met |",
        "| --- | --- | --- | --- |",
    ];
    const failed = runs.reduce((a, r) => a + failedSpawns(r), 0);
    lines.push(`| failed spawns, every N | ${failed} | ${GOALS.failedSpawns} | ${met(failed <= GOALS.failedSpawns)} |`);
    const at = runs.find((r) => r.n === GOALS.routeGoalAtN);
    const rt = at && stepSpread(at.times, route);
    lines.push(at && rt
        ? `| route served after the scheduler listens, p99 at N = ${at.n} | ${rt.p99} ms | <= ${GOALS.routeAfterReadyP99Ms} ms | ${met(rt.p99 <= GOALS.routeAfterReadyP99Ms)} |`
        : `| route served after the scheduler listens, p99 at N = ${GOALS.routeGoalAtN} | not run | <= ${GOALS.routeAfterReadyP99Ms} ms | not run |`);
    const direct = STEPS.find((x) => x[0].includes("every Traefik pod asked directly"))!;
    const rd = at && stepSpread(at.times, direct);
    if (rd) lines.push(`| the same, by every Traefik pod asked directly, p99 at N = ${at!.n} | ${rd.p99} ms | <= ${GOALS.routeAfterReadyP99Ms} ms | ${met(rd.p99 <= GOALS.routeAfterReadyP99Ms)} |`);
    const largest = runs[runs.length - 1];
    const mib = perRoute(largest);
    lines.push(`| Traefik memory per route (both replicas), N = ${largest.n} | ${mib.toFixed(3)} MiB | <= ${GOALS.traefikMiBPerRoute} MiB | ${met(mib <= GOALS.traefikMiBPerRoute)} |`);
    const hubCpu = largest.usage.hub.cpuSeconds / largest.n;
    lines.push(`| hub CPU per spawn, N = ${largest.n} | ${hubCpu.toFixed(3)} s | <= ${GOALS.hubCpuSecondsPerSpawn} s | ${met(hubCpu <= GOALS.hubCpuSecondsPerSpawn)} |`);
    return lines;
}
