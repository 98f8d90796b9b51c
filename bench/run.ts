/**
 * `npm run bench`: facilities of 1, 10 and 50 groups (HEPAF_BENCH_SIZES), each measured in a
 * fresh process, with a progress line per size on stderr. Prints a table (groups, program time
 * under mocks, resources, Kubernetes objects, peak memory, and the engine's write cost as
 * bench/write-cost.ts models it: state, bytes a first `up` writes with and without intermediate
 * checkpoints), the per-group slope of a least-squares line of time, objects and memory, with
 * its fit, to show growth is linear, and what one group adds, by type, against its goal.
 * Then the front door's numbers with real Traefik (bench/front-door.ts), in the live tier's
 * namespaces, after building the live tier's programs and images and installing HAProxy if
 * they are not there yet.
 */
import { execFileSync } from "child_process";
import * as path from "path";
import { RESOURCES_PER_GROUP_GOAL } from "./goals";
import type { WriteCost } from "./write-cost";

const sizes = (process.env.HEPAF_BENCH_SIZES ?? "1,10,50").split(",").map(Number);
const started = Date.now();
/** One measurement in a fresh process (bench/facility-size.ts). */
function measure(n: number, label: string, ...flags: string[]): Measured {
    process.stderr.write(`bench: ${label} ... `);
    const t = Date.now();
    const out = execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "facility-size.ts"), String(n), ...flags], {
        encoding: "utf8",
        cwd: path.join(__dirname, ".."),
    });
    process.stderr.write(`${((Date.now() - t) / 1000).toFixed(1)} s\n`);
    return JSON.parse(out.trim().split("\n").pop()!) as Measured;
}

interface Measured {
    groups: number;
    ms: number;
    resources: number;
    k8sObjects: number;
    peakRssMiB: number;
    byType: Record<string, number>;
    writes: WriteCost;
}

const rows = sizes.map((n, i) => measure(n, `[${i + 1}/${sizes.length}] a facility of ${n} group${n === 1 ? "" : "s"} under mocks`));
const largest = sizes[sizes.length - 1];
const split = sizes.length > 1 ? [sizes[0], largest].map((n) => measure(n, `the facility's own stack with a stack per group, ${n} group${n === 1 ? "" : "s"}`, "--group-stacks")) : [];
process.stderr.write(`bench: done in ${((Date.now() - started) / 1000).toFixed(0)} s\n\n`);

function fit(xs: number[], ys: number[]): { slope: number; intercept: number; r2: number } {
    const n = xs.length;
    const mx = xs.reduce((a, b) => a + b, 0) / n;
    const my = ys.reduce((a, b) => a + b, 0) / n;
    const sxy = xs.reduce((a, x, i) => a + (x - mx) * (ys[i] - my), 0);
    const sxx = xs.reduce((a, x) => a + (x - mx) ** 2, 0);
    const slope = sxy / sxx;
    const intercept = my - slope * mx;
    const ssr = ys.reduce((a, y, i) => a + (y - (intercept + slope * xs[i])) ** 2, 0);
    const sst = ys.reduce((a, y) => a + (y - my) ** 2, 0);
    return { slope, intercept, r2: sst === 0 ? 1 : 1 - ssr / sst };
}

const mib = (b: number) => (b / 2 ** 20).toFixed(1);
const gib = (b: number) => (b / 2 ** 30).toFixed(2);
console.log("| groups | program time under mocks (ms) | resources | Kubernetes objects | peak memory (MiB) | state (MiB, model) | first up writes (GiB, model) | ... skipping checkpoints (MiB) |");
console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
for (const r of rows) {
    const w = r.writes;
    console.log(`| ${r.groups} | ${r.ms} | ${r.resources} | ${r.k8sObjects} | ${r.peakRssMiB} | ${mib(w.stateBytes)} | ${gib(w.upBytes)} | ${mib(w.upBytesSkippingCheckpoints)} |`);
}
const xs = rows.map((r) => r.groups);
const t = fit(xs, rows.map((r) => r.ms));
const o = fit(xs, rows.map((r) => r.k8sObjects));
const m = fit(xs, rows.map((r) => r.peakRssMiB));
console.log(`\nper group: ${t.slope.toFixed(1)} ms (r² ${t.r2.toFixed(3)}), ${o.slope.toFixed(1)} objects (r² ${o.r2.toFixed(3)}), ${m.slope.toFixed(2)} MiB (r² ${m.r2.toFixed(3)})`);
console.log("(write model: the engine rewrites the whole state at each step's start and end, so a first up writes about resources² x state per resource; bench/write-cost.ts)");

// What one group adds, by type: the difference between the largest and the smallest facility.
if (rows.length > 1) {
    const [lo, hi] = [rows[0], rows[rows.length - 1]];
    const dg = hi.groups - lo.groups;
    const perGroup = (hi.resources - lo.resources) / dg;
    const types = Object.keys(hi.byType)
        .map((type) => ({ type, n: (hi.byType[type] - (lo.byType[type] ?? 0)) / dg }))
        .filter((x) => x.n > 0)
        .sort((a, b) => b.n - a.n || a.type.localeCompare(b.type));
    console.log(`\none group adds ${perGroup.toFixed(1)} resources (goal <= ${RESOURCES_PER_GROUP_GOAL}: ${perGroup <= RESOURCES_PER_GROUP_GOAL ? "met" : "NOT met"}):`);
    for (const x of types) console.log(`  ${x.n.toFixed(x.n % 1 ? 2 : 0).padStart(5)}  ${x.type}`);

    // A stack per group (groupStacks): the facility's stack keeps what the shared parts hold of each group.
    const [flo, fhi] = split;
    const shared = (fhi.resources - flo.resources) / dg;
    console.log(
        `\nwith a stack per group (groupStacks), ${fhi.groups} groups: the facility's stack ${fhi.resources} resources, first up writes ${gib(fhi.writes.upBytes)} GiB (model; ` +
            `${gib(hi.writes.upBytes)} GiB in one stack); one group adds ${shared.toFixed(1)} to it and ${(perGroup - shared).toFixed(1)} in a stack of its own (besides that stack and its stack reference)`,
    );
}

process.stderr.write("\nbench: the front door, with real Traefik (the live tier's programs are built on first use)\n");
const root = path.join(__dirname, "..");
// What the namespace cannot fetch: the Go programs, the pods' images, HAProxy (the cost anchor).
for (const script of ["live-tools.sh", "images.sh --doubles", "haproxy.sh"]) {
    const [file, ...args] = script.split(" ");
    execFileSync("bash", [path.join(root, "scripts", file), ...args], { stdio: ["ignore", "ignore", "inherit"] });
}
const frontDoor = execFileSync("bash", [path.join(root, "scripts", "live-netns.sh"), process.execPath, "-r", "ts-node/register/transpile-only", path.join(__dirname, "front-door.ts")], {
    encoding: "utf8",
    cwd: root,
    stdio: ["ignore", "pipe", "inherit"],
});
console.log(`\n${frontDoor.trim()}`);
