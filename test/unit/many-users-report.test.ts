/** The many-users benchmark's figures (bench/users): percentiles, steps and goals, from recorded times. */
import type { UserTimes } from "../../bench/users/flow";
import { RunFigures, runTable, STEPS, stepSpread, summaryTable } from "../../bench/users/report";
import { percentile, spread } from "../../bench/users/stats";

test("percentiles are nearest-rank: p50 of 1..10 is 5, p99 of 1..100 is 99, p99 of 1..10 is 10", () => {
    const tenth = Array.from({ length: 10 }, (_, i) => 10 - i);
    expect(percentile(tenth, 50)).toBe(5);
    expect(percentile(Array.from({ length: 100 }, (_, i) => i + 1), 99)).toBe(99);
    expect(spread(tenth)).toEqual({ n: 10, p50: 5, p95: 10, p99: 10, max: 10 });
    expect(spread([])).toBeUndefined();
});

/** A user who took every step, 1 s apart from `start`, the route `routeLag` ms after listening. */
function user(name: string, start: number, routeLag: number): UserTimes {
    const at = (k: number) => start + k * 1000;
    return {
        user: name, start, refused: 0, login: at(1), bundle: at(2), requested: at(2), accepted: at(3), pod: at(4), ready: at(5), sessionAsked: at(6),
        listening: at(7), routed: at(7) + routeLag, routedAtTraefik: at(7) + Math.min(routeLag, 100), connected: at(8) + routeLag, computed: at(9) + routeLag, closed: at(10) + routeLag,
    };
}

function run(n: number, times: UserTimes[], over: Partial<RunFigures> = {}): RunFigures {
    const part = { cpuSeconds: 10, rssStartMiB: 100, rssPeakMiB: 105 };
    return { n, times, usage: { hub: part, traefik: part, apiserver: part }, traefikWithRoutesMiB: 105, apiRequests: 20 * n, minAvailableMiB: 8192, stoppedMs: 4000, left: [], stops: [], ...over };
}

test("each step is timed from the end of the one before it; a route that answers before the session is seen listening counts as 0", () => {
    const times = [user("a", 0, 300), user("b", 0, -150)];
    const step = (label: string) => stepSpread(times, STEPS.find((s) => s[0].startsWith(label))!)!;
    expect(step("notebook pod running").max).toBe(1000);
    expect(step("spawn request answered").max).toBe(1000);
    expect(step("route served").p99).toBe(300);
    expect(step("route served").p50).toBe(0);
    expect(step("spawn request to task computed").max).toBe(6300);
});

test("a user whose spawn failed is counted as a failed spawn, and the goals say so", () => {
    const failed: UserTimes = { user: "c", start: 0, refused: 3, login: 1, bundle: 2, requested: 2, error: "c's spawn: HTTP 500" };
    const r = run(100, [...Array.from({ length: 99 }, (_, i) => user(`u${i}`, 0, 200)), failed]);
    const table = runTable(r, 20).join("\n");
    expect(table).toContain("failed users: 1 (failed spawns: 1)");
    expect(table).toContain("spawn refusals the hub asked to retry (429): 3 (users refused at least once: 1)");
    const summary = summaryTable([r]).join("\n");
    expect(summary).toMatch(/\| failed spawns, every N \| 1 \| 0 \| NOT met \|/);
    expect(summary).toMatch(/route served after the scheduler listens, p99 at N = 100 \| 200 ms \| <= 1000 ms \| met \|/);
    expect(summary).toMatch(/by every Traefik pod asked directly, p99 at N = 100 \| 100 ms \| <= 1000 ms \| met \|/);
    // 5 MiB more over 100 routes: 0.05 MiB per route; 10 s of hub CPU over 100 spawns: 0.1 s.
    expect(summary).toMatch(/Traefik memory per route .* \| 0\.050 MiB \| <= 0\.1 MiB \| met \|/);
    expect(summary).toMatch(/hub CPU per spawn, N = 100 \| 0\.100 s \| <= 0\.5 s \| met \|/);
});

test("without a run at N = 100 the route goal says it was not run, and a slow route misses it", () => {
    expect(summaryTable([run(10, [user("a", 0, 100)])]).join("\n")).toMatch(/p99 at N = 100 \| not run/);
    expect(summaryTable([run(100, [user("a", 0, 1500)])]).join("\n")).toMatch(/1500 ms \| <= 1000 ms \| NOT met/);
});

test("a gateway user's cluster is timed from running to its worker joined, and the task from that worker", () => {
    const g: UserTimes = { user: "g", start: 0, refused: 0, login: 1000, bundle: 2000, requested: 2000, accepted: 3000, pod: 4000, ready: 5000, sessionAsked: 5000, listening: 9000, workers: 15000, computed: 15500 };
    const step = (label: string) => stepSpread([g], STEPS.find((s) => s[0].startsWith(label))!);
    expect(step("gateway: a worker joined")!.max).toBe(6000);
    expect(step("one task computed")!.max).toBe(500);
    expect(step("route served")).toBeUndefined();
    expect(step("laptop client connected")).toBeUndefined();
});

test("clusters that failed gateway users still had are counted; a run without any says nothing of them", () => {
    const failed = (name: string, left: string[]): UserTimes => ({ user: name, start: 0, refused: 0, login: 1, bundle: 2, requested: 2, accepted: 3, pod: 4, ready: 5, sessionAsked: 5, error: `${name}'s session started: timed out`, leftClusters: left });
    const table = runTable(run(3, [user("a", 0, 0), failed("b", ["af-opendata.1"]), failed("c", ["af-opendata.2", "af-opendata.3"])]), 20).join("\n");
    expect(table).toContain("gateway clusters failed users still had, stopped through the gateway: 3");
    expect(table).toContain("failed users: 2 (failed spawns: 0)");
    expect(runTable(run(1, [user("a", 0, 0)]), 20).join("\n")).not.toContain("gateway clusters failed users");
});
