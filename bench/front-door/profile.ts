/**
 * Traefik's own cost, looked at from inside: variants of the facility's rendered static
 * configuration (api.debug on for Traefik's /debug/pprof/, and the same without what the
 * components put beside the TCP path: access log, metrics, INFO logs), each rolled out the way
 * a site's `pulumi up` rolls a config change (the ConfigMap changed, the Deployment's config
 * hash annotation with it, the real controllers replacing the pods), measured on a core of its
 * own, and a CPU profile of it taken during a bulk transfer (`go tool pprof -top`).
 */
import { execFileSync } from "child_process";
import { createHash } from "crypto";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import { parse, stringify } from "yaml";
import { LiveFacility } from "../../test/live/harness/facility";
import { RunningPod } from "../../test/live/harness/kubelet-double";
import { waitFor } from "../../test/live/harness/processes";
import { applyObjects } from "../../test/live/harness/stack";
import { bulk, CostContext, Layout, measurePath, pinTraefik } from "./cost";
import { PathFigures } from "./measure";

/** A change of Traefik's static configuration (as data). */
export interface Variant {
    name: string;
    mutate: (cfg: any) => void;
}

const debug = (cfg: any) => (cfg.api = { ...cfg.api, insecure: true, debug: true });

/** The variants: as rendered (plus the profiling endpoints), and without access log, metrics and INFO logs. */
export const VARIANTS: Variant[] = [
    { name: "as rendered, plus api.debug", mutate: debug },
    {
        name: "without accessLog, metrics, log level ERROR, plus api.debug",
        mutate: (cfg) => {
            debug(cfg);
            delete cfg.accessLog;
            delete cfg.metrics;
            cfg.log = { ...cfg.log, level: "ERROR" };
        },
    },
];

/** The Traefik Deployment the stack declares and its static-config ConfigMap. */
function edgeObjects(f: LiveFacility): { dep: any; cm: any } {
    const dep = f.objects.find((o) => o.kind === "Deployment" && /(^|\/)traefik:/.test(o.spec.template.spec.containers[0].image))!;
    return { dep, cm: f.declared("ConfigMap", `${dep.metadata.name}-config`, dep.metadata.namespace) };
}

/** Rolls Traefik to `variant` of its rendered config; resolves with the new pods once they run. */
export async function rollOut(f: LiveFacility, variant: Variant): Promise<RunningPod[]> {
    const { dep, cm } = edgeObjects(f);
    const cfg = parse(cm.data["traefik.yml"]);
    variant.mutate(cfg);
    const text = stringify(cfg);
    applyObjects(f.cp.admin, [{ ...cm, data: { "traefik.yml": text } }]);
    const isEdge = (p: RunningPod) => p.namespace === dep.metadata.namespace && p.name.startsWith(`${dep.metadata.name}-`);
    const old = new Set(f.kubelet.running().filter(isEdge).map((p) => p.name));
    const annotations = { "hepaf.io/config-sha256": createHash("sha256").update(text).digest("hex") };
    f.cp.admin.ok(["-n", dep.metadata.namespace, "patch", "deployment", dep.metadata.name, "--type=merge", "-p", JSON.stringify({ spec: { template: { metadata: { annotations } } } })]);
    return waitFor(`Traefik's pods with "${variant.name}"`, () => {
        const edge = f.kubelet.running().filter(isEdge);
        const fresh = edge.filter((p) => !old.has(p.name));
        return fresh.length === dep.spec.replicas && edge.length === fresh.length && fresh;
    }, { timeoutMs: 180000, intervalMs: 300 });
}

/** Saves a CPU profile of `seconds` from Traefik's /debug/pprof/profile to `file`. */
function cpuProfile(ip: string, seconds: number, file: string): Promise<void> {
    return new Promise((resolve, reject) => {
        const req = http.get({ host: ip, port: 9000, path: `/debug/pprof/profile?seconds=${seconds}`, timeout: (seconds + 30) * 1000 }, (res) => {
            if (res.statusCode !== 200) return reject(new Error(`Traefik's /debug/pprof/profile answered ${res.statusCode}`));
            res.pipe(fs.createWriteStream(file)).on("finish", resolve).on("error", reject);
        });
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", reject);
    });
}

/** What a variant measured: Traefik and direct on the own-core layout, and its profile's top. */
export interface VariantFigures {
    variant: string;
    traefik: PathFigures;
    direct: PathFigures;
    /** `go tool pprof -top` of a profile taken during a bulk transfer. */
    top: string;
}

/** Measures the running variant on `layout` (Traefik pinned), then profiles a bulk transfer. */
export async function measureVariant(ctx: CostContext, layout: Layout, variant: string, seconds = 3): Promise<VariantFigures> {
    await pinTraefik(ctx, layout.proxyCpus);
    const direct = await measurePath(ctx, layout, ctx.scheduler.ip, 8786, []);
    const traefik = await measurePath(ctx, layout, ctx.traefik.ip, 8786, ctx.traefik.pids);
    // A transfer long enough to cover the profile (the client needs about a second to start).
    const reps = Math.ceil(((seconds + 3) * traefik.mibps[0]) / ctx.mib);
    const file = path.join(ctx.dir, `traefik-${variant.replace(/[^a-z]+/gi, "-")}.pprof`);
    const transfer = bulk(ctx, ctx.traefik.ip, 8786, layout.loadCpus, reps);
    await new Promise((r) => setTimeout(r, 1500));
    await cpuProfile(ctx.traefik.ip, seconds, file);
    await transfer;
    const top = execFileSync("go", ["tool", "pprof", "-top", "-nodecount=18", file], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return { variant, traefik, direct, top };
}
