/**
 * A facility running on the live control plane: a stack's objects applied, the kubelet double
 * running the pods it can stand in for (Traefik, hub, proxy, gateways, and what they create),
 * the Service proxy and DNS doubles, and the facility's public names resolving to Traefik's
 * Service (the load balancer double).
 */
import * as fs from "fs";
import * as path from "path";
import * as tls from "tls";
import { CONTAINER_PORTS } from "../../../components/traefik/entrypoints";
import { ApiClient } from "./api";
import { ControlPlane, NodeCapacity, startControlPlane } from "./control-plane";
import type { HubSession } from "./hub-client";
import { httpsGet } from "./https-get";
import { KubeletDouble, KubeletDoubleOptions, RunningPod } from "./kubelet-double";
import { stopAll, waitFor } from "./processes";
import { ServiceProxyDouble } from "./service-proxy";
import { applyStack, K8sObject, objectId, stackObjects } from "./stack";
import { need, Tools, tools } from "./tools";

/** A running facility. */
export interface LiveFacility {
    stack: string;
    cp: ControlPlane;
    api: ApiClient;
    tools: Tools;
    objects: K8sObject[];
    kubelet: KubeletDouble;
    services: ServiceProxyDouble;
    /** The facility's domain (hepaf:domain). */
    domain: string;
    /** The one object of `kind` named `name` (in `namespace`) the stack declares. */
    declared(kind: string, name: string, namespace?: string): K8sObject;
    /** Stops everything it started. */
    stop(): Promise<void>;
}

/** Options of {@link startFacility}. */
export interface FacilityOptions {
    /** Which pods the kubelet double runs. Default every pod it can stand in for. */
    run?: KubeletDoubleOptions["run"];
    /** Extra public names resolving to Traefik's Service. Default none. */
    names?: string[];
    /** Stack config keys set over the stack file's (e.g. `{ "hepaf:monitoring": {...} }`). Default none. */
    config?: Record<string, unknown>;
    /** Run the monitoring pods (the facility's Prometheus and exporter). Default false: tests of other parts leave them Pending. */
    monitoring?: boolean;
    /** The fake node's size. Default 64 cores, 256 GiB, 500 pods (DEFAULT_NODE in control-plane.ts). */
    node?: NodeCapacity;
    /** CRDs the site's own operators bring (cert-manager's), applied with the stack's, before its other objects. Default none. */
    siteCrds?: K8sObject[];
}

/** Pods of the monitoring component (its Prometheus and the facility exporter), by their `app.kubernetes.io/name`. */
const MONITORING_PODS = ["prometheus", "hepaf-exporter"];

/** Brings a stack's facility up on a fresh control plane. */
export async function startFacility(stack: string, opts: FacilityOptions = {}): Promise<LiveFacility> {
    const t = tools();
    need(t, ["python", "runtimeDouble"]);
    const objects = stackObjects(stack, opts.config);
    const cp = await startControlPlane(stack, opts.node, "kubelet-double");
    const api = new ApiClient(cp.server, { ca: cp.caFile, cert: path.join(cp.dir, "pki", "admin.crt"), key: path.join(cp.dir, "pki", "admin.key") });
    const monitoringPod = (pod: any) => MONITORING_PODS.includes(pod.metadata.labels?.["app.kubernetes.io/name"]);
    const run = (pod: any) => (opts.monitoring || !monitoringPod(pod)) && (!opts.run || opts.run(pod));
    const kubelet = new KubeletDouble(cp, api, t, { run });
    const services = new ServiceProxyDouble(api);
    const stop = async () => {
        await kubelet.stop();
        await services.stop();
        api.close();
        await cp.stop();
        await stopAll();
    };
    try {
        applyStack(cp.admin, [...(opts.siteCrds ?? []), ...objects]);
        const hubRoute = objects.find((o) => o.kind === "IngressRoute" && /Host\(`/.test(JSON.stringify(o.spec)))!;
        const domain = /Host\(`([^`]+)`\)/.exec(JSON.stringify(hubRoute.spec))![1];
        const edge = objects.find((o) => o.kind === "Service" && o.spec?.type === "LoadBalancer")!;
        for (const name of [domain, ...(opts.names ?? [])]) services.alias(name, `${edge.metadata.namespace}/${edge.metadata.name}`);
        await services.start();
        kubelet.start();
        return {
            stack,
            cp,
            api,
            tools: t,
            objects,
            kubelet,
            services,
            domain,
            declared: (kind, name, namespace) => {
                const found = objects.filter((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
                if (found.length !== 1) throw new Error(`expected one declared ${kind} ${name}, found ${found.map(objectId).join(", ") || "none"}`);
                return found[0];
            },
            stop,
        };
    } catch (err) {
        // The failure to report is this one, not one of stopping after it.
        await stop().catch((stopErr) => console.error(`live: stopping after a failed start: ${(stopErr as Error).message}`));
        throw err;
    }
}

/**
 * Spawns the signed-in `user`'s server with `profile` through the hub's API and waits until the
 * hub says it is ready; then (unless `pod: false`) until the kubelet double runs its notebook
 * pod in the group's namespace, which it returns. A spawn the hub gave up (the server gone from
 * the user's model) fails at once. A failure's message holds what the hub logged of the user,
 * the notebook's own log, and `context` (more logs).
 */
export async function spawnServer(
    f: LiveFacility,
    user: HubSession,
    group: string,
    profile: string,
    opts: { pod?: boolean; context?: () => string } = {},
): Promise<RunningPod | undefined> {
    const more = () => `\n${spawnLogs(f, user.user, group)}${opts.context ? `\n${opts.context()}` : ""}`;
    await user.requestServer(profile).catch((err) => {
        throw new Error(`${err.message}${more()}`);
    });
    await waitFor(`${user.user}'s server ready`, async () => {
        const server = (await user.api("GET", `/users/${user.user}`)).body.servers?.[""];
        if (!server) throw new Error(`the hub gave up ${user.user}'s spawn (no server in the user's model)`);
        return server.ready === true;
    }, {
        timeoutMs: 180000,
        intervalMs: 1000,
    }).catch((err) => {
        throw new Error(`${err.message}${more()}`);
    });
    if (opts.pod === false) return undefined;
    return f.kubelet.waitFor(`${user.user}'s notebook`, (p) => p.namespace === `af-${group}` && p.name === `jupyter-${user.user}`);
}

/** What the hub logged of `user` (but the polls of its model) and the tail of its notebook's own log. */
function spawnLogs(f: LiveFacility, user: string, group: string): string {
    const hub = deploymentPods(f, "af", "af-hub")
        .flatMap((p) => p.containers[0].proc.log().split("\n"))
        .filter((l) => l.includes(user) && !l.includes(`GET /hub/api/users/${user} `))
        .slice(-40)
        .join("\n");
    const notebook = f.kubelet.pod(`af-${group}`, `jupyter-${user}`)?.containers[0];
    const tail = notebook ? notebook.proc.log().slice(-3000) : "(the kubelet double does not run it)";
    return `--- the hub of ${user} ---\n${hub}\n--- jupyter-${user}'s notebook ---\n${tail}`;
}

/** Waits until the kubelet double runs every pod of Deployment `ns/name` (and they stay up). */
export async function waitDeploymentRunning(f: LiveFacility, namespace: string, name: string, timeoutMs = 120000): Promise<void> {
    const dep = f.declared("Deployment", name, namespace);
    const selector = dep.spec.selector.matchLabels as Record<string, string>;
    await waitFor(
        `Deployment ${namespace}/${name} running in the kubelet double`,
        async () => {
            const failed = [...f.kubelet.failed.entries()].find(([k]) => k.startsWith(`${namespace}/${name}-`));
            if (failed) throw new Error(`pod ${failed[0]} failed to start: ${failed[1]}`);
            const pods = (await f.api.get(`/api/v1/namespaces/${namespace}/pods?labelSelector=${encodeURIComponent(Object.entries(selector).map(([k, v]) => `${k}=${v}`).join(","))}`)).items;
            const running = pods.filter((p: any) => f.kubelet.pod(namespace, p.metadata.name));
            const exited = running.flatMap((p: any) => f.kubelet.pod(namespace, p.metadata.name)!.containers.filter((c) => c.proc.exited()));
            if (exited.length) throw new Error(`${exited[0].name} exited:\n${exited[0].proc.log().slice(-3000)}`);
            return running.length === dep.spec.replicas && running.length === pods.length;
        },
        { timeoutMs, intervalMs: 300 },
    );
}

/**
 * Waits until Deployment `ns/name` is rolled out and serving, as `kubectl rollout status` judges
 * it: its pods run in the kubelet double, and the Deployment controller counts every replica
 * updated and Ready (their readiness probes passed, their endpoints in the Service).
 */
export async function waitDeploymentReady(f: LiveFacility, namespace: string, name: string, timeoutMs = 120000): Promise<void> {
    await waitDeploymentRunning(f, namespace, name, timeoutMs);
    await waitFor(`Deployment ${namespace}/${name} rolled out and Ready`, async () => {
        const d = await f.api.get(`/apis/apps/v1/namespaces/${namespace}/deployments/${name}`);
        const want = d.spec.replicas;
        return d.status?.observedGeneration >= d.metadata.generation && d.status?.updatedReplicas === want && d.status?.readyReplicas === want && (d.status?.replicas ?? 0) === want;
    }, { timeoutMs, intervalMs: 300 });
}

/** The pods of Deployment `ns/name` the kubelet double runs. */
function deploymentPods(f: LiveFacility, namespace: string, name: string): RunningPod[] {
    return f.kubelet.running().filter((p) => p.namespace === namespace && p.name.startsWith(`${name}-`));
}

/** The log of every container of the pods of Deployment `ns/name` (for failure messages). */
export function deploymentLogs(f: LiveFacility, namespace: string, name: string): string {
    return deploymentPods(f, namespace, name)
        .flatMap((p) => p.containers.map((c) => `--- ${p.name}/${c.name} ---\n${fs.existsSync(c.proc.logFile) ? c.proc.log().slice(-4000) : ""}`))
        .join("\n");
}

/** The facility root (public): its ConfigMap (pki generated), else `ca.crt` of the Secret cert-manager keeps it in (pki cert-manager; only once issued). */
export function facilityRootCa(f: LiveFacility): string {
    if (f.objects.some((o) => o.kind === "ConfigMap" && o.metadata.name === "hepaf-root-ca")) return f.cp.admin.find("configmap", "hepaf-root-ca", "af").data["ca.crt"];
    return Buffer.from(f.cp.admin.find("secret", "hepaf-root-ca-keypair", "af").data["ca.crt"], "base64").toString("utf8");
}

/**
 * Waits until every Traefik pod of the facility serves its routes: HTTPS to the hub's health
 * page through each pod's own websecure port, trusted by the facility root. A Traefik pod
 * answers its ping long before its provider has read the routes (with three watched
 * namespaces its client's own rate limit makes that several seconds), and meanwhile it serves
 * its built-in self-signed certificate.
 */
export async function waitFrontDoor(f: LiveFacility, timeoutMs = 120000): Promise<void> {
    const ca = facilityRootCa(f);
    const edge = f.objects.find((o) => o.kind === "Deployment" && /traefik:/.test(o.spec.template.spec.containers[0].image))!;
    await waitDeploymentRunning(f, edge.metadata.namespace!, edge.metadata.name, timeoutMs);
    const pods = deploymentPods(f, edge.metadata.namespace!, edge.metadata.name);
    for (const p of pods) {
        await waitFor(
            `Traefik pod ${p.name} serving https://${f.domain}/hub/health`,
            () => httpsGet({ host: p.ip, port: 8443, servername: f.domain, path: "/hub/health", ca }).then((r) => r.status === 200),
            { timeoutMs, intervalMs: 300 },
        );
    }
}

/** The subjectAltName of the certificate that answers a TLS handshake to `host:port` with SNI `sni`. */
function peerSan(host: string, port: number, sni: string, timeoutMs: number): Promise<string> {
    return new Promise((resolve, reject) => {
        const socket = tls.connect({ host, port, servername: sni, rejectUnauthorized: false }, () => {
            const san = socket.getPeerCertificate().subjectaltname ?? "";
            socket.destroy();
            resolve(san);
        });
        socket.setTimeout(timeoutMs, () => socket.destroy(new Error(`no TLS answer for SNI ${sni} at ${host}:${port}`)));
        socket.on("error", reject);
    });
}

/** A handshake answered with `sni`'s own certificate: the route of that name served it. */
const servesName = (sni: string) => (san: string) => san.split(/,\s*/).includes(`DNS:${sni}`);

/**
 * The subjectAltName of the certificate that answers a TLS handshake to the front door's Dask
 * port with SNI `sni` (from the node, through Traefik's Service). Traefik answers a name it
 * has no route for with its own default certificate, so this says which route served.
 */
export function daskPortPeer(f: LiveFacility, sni: string, timeoutMs = 5000): Promise<string> {
    return peerSan(f.domain, daskPort(f), sni, timeoutMs);
}

/** The front door's public Dask port: the port of the edge Service that leads to Traefik's Dask entrypoint. */
export function daskPort(f: LiveFacility): number {
    const edge = f.objects.find((o) => o.kind === "Deployment" && /traefik:/.test(o.spec.template.spec.containers[0].image))!;
    const entrypoint = (edge.spec.template.spec.containers[0].ports as any[]).find((p) => p.containerPort === CONTAINER_PORTS.dask)?.name;
    const leads = (p: any) => p.targetPort === entrypoint || p.targetPort === CONTAINER_PORTS.dask;
    const service = f.objects.find((o) => o.kind === "Service" && o.metadata.namespace === edge.metadata.namespace && (o.spec.ports ?? []).some(leads));
    if (!service) throw new Error(`no Service of the stack leads to Traefik's Dask entrypoint (container port ${CONTAINER_PORTS.dask})`);
    return service.spec.ports.find(leads).port;
}

/**
 * Resolves once every Traefik pod, asked directly at its Dask container port (not through the
 * Service, whose proxy is a userspace double shared with every other flow of a run), answers SNI
 * `sni` with that name's own certificate: when Traefik itself serves the route. Bounded as
 * {@link waitRouted}.
 */
export async function waitRoutedAtTraefik(f: LiveFacility, sni: string, opts: { timeoutMs?: number; intervalMs?: number; handshakeTimeoutMs?: number } = {}): Promise<void> {
    const edge = f.objects.find((o) => o.kind === "Deployment" && /traefik:/.test(o.spec.template.spec.containers[0].image))!;
    const answers = (ip: string) => peerSan(ip, CONTAINER_PORTS.dask, sni, opts.handshakeTimeoutMs ?? 2000).then(servesName(sni), () => false);
    const served = async () => {
        const pods = deploymentPods(f, edge.metadata.namespace!, edge.metadata.name);
        return pods.length > 0 && (await Promise.all(pods.map((p) => answers(p.ip)))).every(Boolean);
    };
    await waitFor(`every Traefik pod to route ${sni}`, served, { timeoutMs: opts.timeoutMs ?? 60000, intervalMs: opts.intervalMs ?? 500 });
}

/** Resolves once the front door's Dask port answers SNI `sni` with that name's own certificate (a handshake every `intervalMs`, each bounded by `handshakeTimeoutMs`, default 2 s; all bounded by `timeoutMs`). */
export async function waitRouted(f: LiveFacility, sni: string, opts: { timeoutMs?: number; intervalMs?: number; handshakeTimeoutMs?: number } = {}): Promise<void> {
    const served = () => daskPortPeer(f, sni, opts.handshakeTimeoutMs ?? 2000).then(servesName(sni), () => false);
    await waitFor(`Traefik to route ${sni}`, served, { timeoutMs: opts.timeoutMs ?? 60000, intervalMs: opts.intervalMs ?? 500 });
}

