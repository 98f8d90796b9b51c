/**
 * The front door's numbers, with real Traefik (the dev stack's own pods, read from a real API
 * server) in front of a real Dask scheduler, inside the live tier's own namespaces
 * (scripts/live-netns.sh): the cost per byte of bulk transfers through Traefik beside direct,
 * HAProxy and a plain splice relay, with every core shared and with the relay on a core of its
 * own (bench/front-door/cost.ts); mutual-TLS handshakes through Traefik and direct,
 * connect p99 with 1 and 1,000 SNI routes, route propagation from an IngressRouteTCP's creation
 * to the first handshake that reaches the scheduler, and Traefik's resident memory; last,
 * Traefik rolled to variants of its rendered config with a CPU profile of each during a bulk
 * transfer (bench/front-door/profile.ts; HEPAF_BENCH_PROFILE=0 skips it). Prints tables with
 * min/median/max over the repetitions and the goal beside each figure.
 *
 * Run by `npm run bench` (bench/run.ts) after the facility sizes; alone:
 *   bash scripts/live-netns.sh node -r ts-node/register/transpile-only bench/front-door.ts
 */
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as tls from "tls";
import { rssMiB } from "../test/live/harness/control-plane";
import { LiveFacility, startFacility } from "../test/live/harness/facility";
import { issue, makeCa } from "../test/live/harness/pki";
import { waitFor } from "../test/live/harness/processes";
import { applyObjects } from "../test/live/harness/stack";
import { ROOT } from "../test/live/harness/tools";
import { anchorPrograms } from "./front-door/anchors";
import { CostContext, layouts, measureLayout, pin, pinTraefik } from "./front-door/cost";
import { measureVariant, rollOut, VARIANTS } from "./front-door/profile";
import { mibpsCell, shareOf, spread, syscallShare } from "./front-door/measure";
import { costTable } from "./front-door/report";

const REPS = Number(process.env.HEPAF_BENCH_REPS ?? 5);
const MIB = Number(process.env.HEPAF_BENCH_MIB ?? 256);
const ROUTES = Number(process.env.HEPAF_BENCH_ROUTES ?? 1000);
const NS = "af-cms";
const say = (s: string) => process.stderr.write(`bench front door: ${s}\n`);


function route(name: string, host: string): any {
    return {
        apiVersion: "traefik.io/v1alpha1",
        kind: "IngressRouteTCP",
        metadata: { name, namespace: NS, labels: { "hepaf.io/traefik": "af-edge", "app.kubernetes.io/part-of": "hepaf-bench" } },
        spec: { entryPoints: ["dask"], routes: [{ match: `HostSNI(\`${host}\`)`, services: [{ name: "bench", port: 8786 }] }], tls: { passthrough: true } },
    };
}

/**
 * The scheduler's backend objects: its TLS Secret, its script (a ConfigMap), the pod (the
 * facility's own worker image: the Dask its clusters run), Service and route.
 */
function backendObjects(pki: { ca: string; cert: string; key: string }): any[] {
    const b64 = (f: string) => fs.readFileSync(f).toString("base64");
    const script = fs.readFileSync(path.join(ROOT, "bench", "python", "bench_scheduler.py"), "utf8");
    return [
        { apiVersion: "v1", kind: "Secret", metadata: { name: "bench-tls", namespace: NS }, type: "kubernetes.io/tls", data: { "tls.crt": b64(pki.cert), "tls.key": b64(pki.key), "ca.crt": b64(pki.ca) } },
        { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "bench-scheduler", namespace: NS }, data: { "bench_scheduler.py": script } },
        {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "bench-scheduler", namespace: NS, labels: { app: "hepaf-bench" } },
            spec: {
                securityContext: { runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000 },
                containers: [
                    {
                        name: "scheduler",
                        image: "ghcr.io/hepaf/worker:0.1.0",
                        command: ["python3", "/opt/bench/bench_scheduler.py", "/etc/bench/ca.crt", "/etc/bench/tls.crt", "/etc/bench/tls.key", "8786"],
                        resources: { requests: { cpu: "1", memory: "2Gi" }, limits: { cpu: "1", memory: "2Gi" } },
                        volumeMounts: [
                            { name: "tls", mountPath: "/etc/bench", readOnly: true },
                            { name: "script", mountPath: "/opt/bench", readOnly: true },
                        ],
                    },
                ],
                volumes: [
                    { name: "tls", secret: { secretName: "bench-tls" } },
                    { name: "script", configMap: { name: "bench-scheduler" } },
                ],
            },
        },
        { apiVersion: "v1", kind: "Service", metadata: { name: "bench", namespace: NS }, spec: { selector: { app: "hepaf-bench" }, ports: [{ name: "dask", port: 8786, targetPort: 8786 }] } },
        route("bench", "bench.dask.af.example.org"),
    ];
}

/** Runs the Python client once and returns its JSON. */
function client(f: LiveFacility, args: Record<string, unknown>): any {
    const out = execFileSync(f.tools.python, [path.join(ROOT, "bench", "python", "bench_client.py"), JSON.stringify(args)], { encoding: "utf8", timeout: 600000 });
    return JSON.parse(out.trim().split("\n").pop()!);
}

/** ms until a handshake to `ip` with `sni` gets the scheduler's certificate (bounded by the caller's wait). */
function reachesScheduler(ip: string, sni: string, fingerprint: string, files: { cert: string; key: string }): Promise<boolean> {
    return new Promise((resolve) => {
        const s = tls.connect({ host: ip, port: 8786, servername: sni, rejectUnauthorized: false, cert: fs.readFileSync(files.cert), key: fs.readFileSync(files.key) }, () => {
            const ok = s.getPeerCertificate().fingerprint256 === fingerprint;
            s.destroy();
            resolve(ok);
        });
        s.setTimeout(2000, () => (s.destroy(), resolve(false)));
        s.on("error", () => resolve(false));
    });
}

/** Traefik rolled to each variant of its config, measured on its own core and profiled. */
async function variants(f: LiveFacility, ctx: CostContext, user: { cert: string; key: string }, fingerprint: string): Promise<void> {
    const own = layouts()[1];
    const lines = [
        `| Traefik variant (own core; ${MIB} MiB x ${REPS}) | through Traefik | direct | share of direct | Traefik CPU per GiB | profile: samples in system calls |`,
        "| --- | --- | --- | --- | --- | --- |",
    ];
    const tops: string[] = [];
    for (const v of VARIANTS) {
        say(`rolling Traefik to "${v.name}"`);
        const pods = await rollOut(f, v);
        await waitFor("the new Traefik to route the bench name", () => reachesScheduler(pods[0].ip, ctx.sni, fingerprint, user), { timeoutMs: 120000, intervalMs: 250 });
        const vctx = { ...ctx, traefik: { ip: pods[0].ip, netns: pods[0].net.netns, pids: pods.map((p) => p.containers[0].proc.pid) } };
        say(`"${v.name}": measuring, then a CPU profile during a bulk transfer`);
        const r = await measureVariant(vctx, own, v.name);
        const share = shareOf(r.traefik.mibps, r.direct.mibps);
        const sys = syscallShare(r.top);
        lines.push(`| ${v.name} | ${mibpsCell(r.traefik.mibps)} | ${mibpsCell(r.direct.mibps)} | ${(share * 100).toFixed(0)} % | ${r.traefik.cpuPerGiB!.toFixed(2)} s | ${sys === undefined ? "?" : `${(sys * 100).toFixed(0)} %`} |`);
        tops.push(`Traefik's CPU profile, "${v.name}" (go tool pprof -top):\n${r.top.trim()}`);
    }
    console.log(`\n${lines.join("\n")}\n\n${tops.join("\n\n")}`);
}

async function main(): Promise<void> {
    const started = Date.now();
    say("bringing up the dev facility's Traefik on a live control plane");
    // The kubelet double runs Traefik's pods and the benchmark's scheduler, nothing else.
    const f = await startFacility("dev", { run: (pod) => /(^|\/)traefik:/.test(pod.spec.containers[0].image) || pod.metadata.name === "bench-scheduler" });
    try {
        const dir = path.join(f.cp.dir, "bench");
        fs.mkdirSync(dir, { recursive: true });
        const ca = makeCa(dir, "bench-ca", "bench CA");
        const server = issue(dir, ca, "scheduler", { cn: "bench scheduler", usage: "both", dnsNames: ["bench.dask.af.example.org"] });
        const user = issue(dir, ca, "user", { cn: "bench user", usage: "both" });
        const fingerprint = new crypto.X509Certificate(fs.readFileSync(server.cert)).fingerprint256;
        applyObjects(f.cp.admin, backendObjects({ ca: ca.cert, cert: server.cert, key: server.key }));
        const sched = await f.kubelet.waitFor("the bench scheduler", (p) => p.name === "bench-scheduler", 120000);
        await waitFor("the bench scheduler to listen", () => sched.containers[0].proc.log().includes("ready"), { timeoutMs: 120000 });
        const edge = f.kubelet.running().filter((p) => p.name.startsWith("af-edge-"));
        const traefik = edge[0];
        const tlsFiles = { ca: ca.cert, cert: user.cert, key: user.key };
        await waitFor("Traefik to route the bench name", () => reachesScheduler(traefik.ip, "bench.dask.af.example.org", fingerprint, user), { timeoutMs: 120000, intervalMs: 250 });

        const via = { host: traefik.ip, port: 8786, sni: "bench.dask.af.example.org", ...tlsFiles };
        const direct = { ...via, host: sched.ip };
        const ctx: CostContext = {
            python: f.tools.python,
            dir,
            tls: tlsFiles,
            sni: via.sni,
            traefik: { ip: traefik.ip, netns: traefik.net.netns, pids: edge.map((p) => p.containers[0].proc.pid) },
            scheduler: { ip: sched.ip, pid: sched.containers[0].proc.pid },
            mib: MIB,
            reps: REPS,
            programs: anchorPrograms(),
            say,
        };
        const costs = [];
        for (const layout of layouts()) costs.push(await measureLayout(ctx, layout));
        // Everything back on every core for the rest of the bench.
        const all = layouts()[0].proxyCpus;
        pin(ctx.scheduler.pid, all);
        await pinTraefik(ctx, all);
        say("mutual-TLS handshakes, through Traefik and direct");
        const hsReps = Math.max(200, REPS);
        const hsVia = client(f, { mode: "handshake", repeat: hsReps, ...via }).ms;
        const hsDirect = client(f, { mode: "handshake", repeat: hsReps, ...direct }).ms;
        const rss1 = edge.map((p) => rssMiB(p.containers[0].proc.pid));

        const propagation = async (label: string) => {
            const times: number[] = [];
            for (let i = 0; i < REPS; i++) {
                const name = `prop-${label}-${i}`;
                const host = `${name}.dask.af.example.org`;
                const t = Date.now();
                applyObjects(f.cp.admin, [route(name, host)]);
                await waitFor(`route ${name} in Traefik`, () => reachesScheduler(traefik.ip, host, fingerprint, user), { timeoutMs: 60000, intervalMs: 20 });
                times.push(Date.now() - t);
            }
            return times;
        };
        say(`route propagation x ${REPS} with 1 route present`);
        const prop1 = await propagation("one");

        say(`loading ${ROUTES} routes`);
        applyObjects(f.cp.admin, Array.from({ length: ROUTES - 1 }, (_, i) => route(`many-${i}`, `many-${i}.dask.af.example.org`)));
        await waitFor(`Traefik to route the ${ROUTES}th name`, () => reachesScheduler(traefik.ip, `many-${ROUTES - 2}.dask.af.example.org`, fingerprint, user), { timeoutMs: 300000, intervalMs: 250 });
        const hsMany = client(f, { mode: "handshake", repeat: hsReps, ...via }).ms;
        say(`route propagation x ${REPS} with ${ROUTES} routes present`);
        const propMany = await propagation("many");
        const rssMany = edge.map((p) => rssMiB(p.containers[0].proc.pid));

        const b = (xs: number[], unit: string, digits = 1) => {
            const s = spread(xs);
            return `${s.min.toFixed(digits)} / ${s.median.toFixed(digits)} / ${s.max.toFixed(digits)} ${unit}`;
        };
        const added = spread(hsVia).median - spread(hsDirect).median;
        const p99ratio = spread(hsMany).p99 / spread(hsVia).p99;
        const lines = [
            "| front door (real Traefik v3.6.12, real Dask scheduler) | min / median / max | goal | met |",
            "| --- | --- | --- | --- |",
            `| mutual-TLS handshake, through Traefik (${hsReps}) | ${b(hsVia, "ms", 2)} | <= 2 ms added at p50 | ${added.toFixed(2)} ms ${added <= 2 ? "yes" : "NO"} |`,
            `| mutual-TLS handshake, direct (${hsReps}) | ${b(hsDirect, "ms", 2)} | | |`,
            `| connect p99, 1 route vs ${ROUTES} routes | ${spread(hsVia).p99.toFixed(2)} ms vs ${spread(hsMany).p99.toFixed(2)} ms | <= 1.5x | ${p99ratio.toFixed(2)}x ${p99ratio <= 1.5 ? "yes" : "NO"} |`,
            `| route propagation, 1 route present | ${b(prop1, "ms", 0)} | p50 <= 2 s | ${spread(prop1).median <= 2000 ? "yes" : "NO"} |`,
            `| route propagation, ${ROUTES} routes present | ${b(propMany, "ms", 0)} | p50 <= 2 s | ${spread(propMany).median <= 2000 ? "yes" : "NO"} |`,
            `| Traefik resident memory per pod, 1 route / ${ROUTES} routes | ${rss1.join(", ")} / ${rssMany.join(", ")} MiB | reported | |`,
        ];
        console.log(lines.join("\n"));
        console.log(`\n${costTable(costs, MIB, "v3.6.12").join("\n")}`);
        if (process.env.HEPAF_BENCH_PROFILE !== "0") await variants(f, ctx, { cert: user.cert, key: user.key }, fingerprint);
        say(`done in ${((Date.now() - started) / 1000).toFixed(0)} s (${REPS} repetitions; HEPAF_BENCH_REPS, HEPAF_BENCH_MIB, HEPAF_BENCH_ROUTES change them)`);
    } finally {
        await f.stop();
    }
}

main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
});
