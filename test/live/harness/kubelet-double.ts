/**
 * A test double of the kubelet and its container runtime, for the pods of the fake node once
 * kwok gave them their IP (kwok's pod-create Stage leaves them Pending, containers waiting
 * `ContainerCreating`). It writes their status from then on, as a kubelet does: Running once
 * their containers are started, Ready as their readiness probes say ({@link ReadinessState}).
 * It runs what the pod specifies from the pod's
 * own images (built by scripts/images.sh; nothing of this machine's software): each container
 * in the pod's own network namespace (its pod IP; {@link PodNetwork}), in a root that overlays
 * its image's unpacked layers with the pod's volumes at their mount paths
 * ({@link makeContainerRoot}), with the image's Entrypoint, Cmd, User, Env and WorkingDir
 * applied as a runtime applies them and the pod spec's overrides over them
 * ({@link containerEnv}, {@link commandLine}, {@link containerUser}), and the ServiceAccount
 * token mounted where in-cluster clients look. A pod with an image that was not built is set
 * back to Pending with the kubelet's `ErrImagePull` waiting reason, as on a cluster that cannot
 * pull it (listed in `skipped`). A pod deleted from the API gets SIGTERM, and SIGKILL after its
 * grace period (the deletion's, else the pod's terminationGracePeriodSeconds), while the other
 * pods are synced; then its root and network are removed. Pods start a few at a time.
 */
import * as fs from "fs";
import * as path from "path";
import { ApiClient } from "./api";
import { commandLine, containerEnv } from "./container-env";
import { BindMount, containerUser, copyIn, imageEnv, makeContainerRoot, removeContainerRoot, runInContainer } from "./container-root";
import { ControlPlane, NODE_NAME } from "./control-plane";
import { PodNet, PodNetwork } from "./pod-network";
import { ReadinessState, readinessOf } from "./probes";
import { Proc, startProcess, waitFor } from "./processes";
import { BuiltImage, ROOT, Tools } from "./tools";
import { materializeVolume, SourceMissing } from "./volumes";

/** Why a pod's image cannot run here: the kubelet's waiting reason and message. */
export interface ImagePullFailure {
    reason: "ErrImagePull";
    message: string;
}

/** A container the double runs. */
export interface RunningContainer {
    name: string;
    root: string;
    proc: Proc;
    env: Record<string, string>;
    argv: string[];
    user: ReturnType<typeof containerUser>;
    workingDir: string;
}

/** A pod the double runs. */
export interface RunningPod {
    key: string;
    uid: string;
    namespace: string;
    name: string;
    ip: string;
    net: PodNet;
    dir: string;
    containers: RunningContainer[];
    /** Exit statuses of completed init containers. */
    initContainers: { name: string; code: number | null }[];
    /** Processes started in the pod with {@link KubeletDouble.exec}. */
    execs: Proc[];
    /** The pod's terminationGracePeriodSeconds (the API's default: 30). */
    graceSeconds: number;
    /** When the double began starting it (the pod's startTime). */
    startTime: string;
    /** When its containers had all started. */
    startedAt: string;
    /** Each container's readiness, in the pod spec's order (its readinessProbe, {@link ReadinessState}). */
    readiness: ReadinessState[];
}

/** What the double reports of a pod it runs: the spec it started, and what it last wrote. */
interface Reported {
    pod: any;
    /** The Ready condition's status last written, and since when. */
    ready?: { status: boolean; since: string };
    /** When each container's process was first seen exited. */
    exitedAt: (string | undefined)[];
    /** What the last status written said (readiness and exits), to write only changes. */
    written?: string;
    /** Status patches, one at a time and in order; how many are queued. */
    chain: Promise<void>;
    queued: number;
}

/** Options of the double. */
export interface KubeletDoubleOptions {
    /** Which pods to run (default: every pod; one whose image was not built gets ErrImagePull). */
    run?: (pod: any) => boolean;
    /** Poll interval. Default 300 ms. */
    intervalMs?: number;
}

const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";
/**
 * Pods the double starts at once. A kubelet starts each pod in a worker of its own, as soon as it
 * is bound; the double bounds that to keep the machine's few cores for what the pods run, and
 * takes the pods in the order it saw them, without waiting for one sync's starts to end before
 * it sees (and stops) more.
 */
const START_LANES = 12;
/** The test's driver scripts, copied into containers for {@link KubeletDouble.exec}. */
const TEST_SCRIPTS = path.join(ROOT, "test", "python");

export class KubeletDouble {
    /** Pods not run, with the reason. */
    readonly skipped = new Map<string, string>();
    /** Pods that failed to start, with the error. */
    readonly failed = new Map<string, string>();
    /** Pods waiting for a volume's ConfigMap or Secret to exist, with what is missing. */
    readonly waitingVolumes = new Map<string, string>();
    private readonly pods = new Map<string, RunningPod>();
    /** Pods being stopped (their grace period running), by key. */
    private readonly stopping = new Map<string, Promise<void>>();
    /** Pods seen and waiting for a start lane, in the order seen. */
    private readonly queued = new Map<string, any>();
    /** Pods being started now (not yet reported as running). */
    private readonly starting = new Set<string>();
    /** The pods whose status the double writes (every pod it runs), by key. */
    private readonly reported = new Map<string, Reported>();
    private readonly network = new PodNetwork();
    private readonly images: Record<string, BuiltImage>;
    private readonly runtime: string;
    private readonly base: string;
    private timer?: NodeJS.Timeout;
    private busy = false;
    /** Set once {@link KubeletDouble.stop} began: nothing more is started. */
    private stopped = false;
    private n = 0;
    private apiPort: string;
    private apiHost: string;

    constructor(
        private readonly cp: ControlPlane,
        private readonly api: ApiClient,
        tools: Tools,
        private readonly opts: KubeletDoubleOptions = {},
    ) {
        this.images = tools.images;
        this.runtime = tools.runtimeDouble;
        this.base = path.join(cp.dir, "kubelet");
        fs.mkdirSync(path.join(this.base, "claims"), { recursive: true });
        const u = new URL(cp.server);
        this.apiHost = u.hostname;
        this.apiPort = u.port;
    }

    /** Starts syncing pods. */
    start(): void {
        const tick = async () => {
            if (this.busy) return;
            this.busy = true;
            try {
                await this.sync();
            } catch (err) {
                this.failed.set("sync", (err as Error).message);
            } finally {
                this.busy = false;
            }
        };
        this.timer = setInterval(() => {
            void tick();
            this.probe();
        }, this.opts.intervalMs ?? 300);
        void tick();
    }

    /** The running pod `namespace/name`, if any (once every container of it was started). */
    pod(namespace: string, name: string): RunningPod | undefined {
        const key = `${namespace}/${name}`;
        return this.starting.has(key) ? undefined : this.pods.get(key);
    }

    /** Every running pod (every container of it started). */
    running(): RunningPod[] {
        return [...this.pods.values()].filter((p) => !this.starting.has(p.key));
    }

    /** Waits until a pod matching `pred` runs (bounded). */
    waitFor(what: string, pred: (p: RunningPod) => boolean, timeoutMs = 60000): Promise<RunningPod> {
        return waitFor(
            `the kubelet double to run ${what}`,
            () => {
                const failed = [...this.failed.entries()].find(([k]) => k !== "sync");
                if (failed) throw new Error(`pod ${failed[0]} failed to start: ${failed[1]}`);
                return this.running().find(pred);
            },
            { timeoutMs },
        );
    }

    /**
     * Runs `argv` in a running container, as it runs (same root, user, environment plus `env`),
     * as `kubectl exec` does. The test's own driver scripts (test/python) are first copied in,
     * as `kubectl cp` would: bind-mounted read-only at the same path in the container's root.
     * What runs is the image's software: its interpreter and packages.
     */
    exec(p: RunningPod, name: string, argv: string[], opts: { container?: string; env?: Record<string, string>; workingDir?: string } = {}): Proc {
        const c = opts.container ? p.containers.find((x) => x.name === opts.container) : p.containers[0];
        if (!c) throw new Error(`pod ${p.key} has no container ${opts.container}`);
        copyIn(c.root, TEST_SCRIPTS);
        const env = { ...c.env, ...opts.env };
        const proc = startProcess(path.join(p.dir, "logs"), name, "ip", runInContainer(this.runtime, p.net.netns, c.root, c.user, env, opts.workingDir ?? c.workingDir, argv), { cleanEnv: true });
        p.execs.push(proc);
        return proc;
    }

    /** Stops every pod and the loop. */
    async stop(): Promise<void> {
        if (this.timer) clearInterval(this.timer);
        this.stopped = true;
        this.queued.clear();
        await waitFor("the kubelet double's last sync and starts", () => !this.busy && this.starting.size === 0, { timeoutMs: 60000 }).catch(() => undefined);
        // The tier is ending: every pod stops now, with a short grace.
        for (const p of [...this.pods.values()]) await this.stopPod(p, 5000);
        await Promise.all(this.stopping.values());
        this.network.detachAll();
    }

    /** What the double decided, with the time (its log file is `kubelet/kubelet.log`). */
    private note(line: string): void {
        fs.appendFileSync(path.join(this.base, "kubelet.log"), `${new Date().toISOString()} ${line}\n`);
    }

    private async sync(): Promise<void> {
        const list = await this.api.get(`/api/v1/pods?fieldSelector=spec.nodeName%3D${NODE_NAME}`);
        const live = new Map<string, any>(list.items.map((p: any) => [`${p.metadata.namespace}/${p.metadata.name}`, p]));
        for (const [key, pod] of [...this.queued]) {
            const now = live.get(key);
            if (!now || now.metadata.uid !== pod.metadata.uid || now.metadata.deletionTimestamp) this.queued.delete(key);
        }
        for (const [key, running] of [...this.pods]) {
            // A pod being started is stopped, if it must be, by a sync after its start.
            if (this.starting.has(key)) continue;
            const pod = live.get(key);
            const why = !pod ? "gone from the API" : pod.metadata.uid !== running.uid ? "replaced (new uid)" : pod.metadata.deletionTimestamp ? "being deleted" : undefined;
            if (why) {
                // As a kubelet: SIGTERM, and SIGKILL once the pod's grace period is over (the
                // deletion's own, else the pod's terminationGracePeriodSeconds); meanwhile the
                // other pods are synced. A pod of the same name starts once this one is gone.
                const graceSeconds = pod?.metadata.uid === running.uid ? (pod.metadata.deletionGracePeriodSeconds ?? running.graceSeconds) : running.graceSeconds;
                this.note(`stop ${key}: ${why}, grace ${graceSeconds} s (list of ${list.items.length} pods at resourceVersion ${list.metadata?.resourceVersion})`);
                this.pods.delete(key);
                const stopped = this.stopPod(running, graceSeconds * 1000).finally(() => this.stopping.delete(key));
                this.stopping.set(key, stopped);
            }
        }
        for (const [key, pod] of live) {
            if (this.pods.has(key) || this.starting.has(key) || this.stopping.has(key) || this.skipped.has(key) || this.failed.has(key) || this.queued.has(key)) continue;
            if (!awaitsStart(pod)) continue;
            if (this.opts.run && !this.opts.run(pod)) {
                this.skipped.set(key, "not selected by the test");
                this.note(`skip ${key}: not selected by the test`);
                continue;
            }
            const pull = this.pullFailure(pod);
            if (pull) {
                this.skipped.set(key, `${pull.reason}: ${pull.message}`);
                this.note(`skip ${key}: ${pull.reason}: ${pull.message}`);
                await this.reportPullFailure(pod, pull);
                continue;
            }
            this.queued.set(key, pod);
        }
        this.startQueued();
    }

    /** Starts queued pods while a lane is free; each start, once done, frees its lane for the next. */
    private startQueued(): void {
        while (!this.stopped && this.starting.size < START_LANES && this.queued.size) {
            const [key, pod] = this.queued.entries().next().value as [string, any];
            this.queued.delete(key);
            this.starting.add(key);
            void (async () => {
                try {
                    this.note(`start ${key} at ${pod.status.podIP}`);
                    await this.startPod(key, pod);
                    this.waitingVolumes.delete(key);
                    this.note(`started ${key}`);
                } catch (err) {
                    if (err instanceof SourceMissing) {
                        // Not failed: queued again by the next sync that finds it still to start.
                        if (this.waitingVolumes.get(key) !== err.message) this.note(`waiting ${key}: ${err.message}`);
                        this.waitingVolumes.set(key, err.message);
                    } else {
                        this.failed.set(key, (err as Error).message);
                        this.note(`failed ${key}: ${(err as Error).message}`);
                    }
                } finally {
                    this.starting.delete(key);
                    this.startQueued();
                }
            })();
        }
    }

    /** The images of the pod that were not built here, as the kubelet reports a failed pull. */
    private pullFailure(pod: any): ImagePullFailure | undefined {
        const all = [...(pod.spec.initContainers ?? []), ...pod.spec.containers] as any[];
        const missing = [...new Set(all.map((c) => c.image as string).filter((image) => !this.images[image]))];
        if (!missing.length) return undefined;
        return { reason: "ErrImagePull", message: `image ${missing.join(", ")} not found: it is not built here (scripts/images.sh builds the project's images and the live tier's doubles) and no registry is reachable` };
    }

    /** The pod goes back to Pending, its containers waiting with the pull failure, as a kubelet reports it. */
    private async reportPullFailure(pod: any, pull: ImagePullFailure): Promise<void> {
        const waiting = (c: any) => ({ name: c.name, image: c.image, imageID: "", ready: false, restartCount: 0, started: false, state: { waiting: { reason: pull.reason, message: pull.message } } });
        const status = {
            phase: "Pending",
            conditions: [
                { type: "PodScheduled", status: "True" },
                { type: "Initialized", status: (pod.spec.initContainers ?? []).length ? "False" : "True" },
                { type: "ContainersReady", status: "False", reason: "ContainersNotReady" },
                { type: "Ready", status: "False", reason: "ContainersNotReady" },
            ],
            initContainerStatuses: (pod.spec.initContainers ?? []).map(waiting),
            containerStatuses: pod.spec.containers.map(waiting),
        };
        const r = await this.api.request("PATCH", `/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}/status`, { status }, "application/merge-patch+json");
        if (r.status !== 200) this.note(`could not report the pull failure of ${pod.metadata.namespace}/${pod.metadata.name}: HTTP ${r.status}`);
    }

    private async startPod(key: string, pod: any): Promise<void> {
        const dir = path.join(this.base, `pod-${this.n++}`);
        fs.mkdirSync(path.join(dir, "logs"), { recursive: true });
        const fsGroup = pod.spec.securityContext?.fsGroup;
        const volumeCtx = {
            api: this.api,
            pod,
            dir: path.join(dir, "volumes"),
            claimsDir: path.join(this.base, "claims"),
            caPem: fs.readFileSync(this.cp.caFile, "utf8"),
            token: async () => this.cp.admin.token(pod.metadata.namespace, pod.spec.serviceAccountName ?? "default", { boundPod: pod.metadata.name }),
        };
        // Volumes first, as the kubelet mounts them before it starts anything: one whose source is
        // missing leaves the pod waiting (no network, no process), tried again by a later sync.
        const volumes = new Map<string, string>();
        try {
            for (const v of pod.spec.volumes ?? []) volumes.set(v.name, await materializeVolume(volumeCtx, v, fsGroup));
        } catch (err) {
            fs.rmSync(dir, { recursive: true, force: true });
            throw err;
        }
        const net = this.network.attach(key, pod.status.podIP);
        const running: RunningPod = {
            key, uid: pod.metadata.uid, namespace: pod.metadata.namespace, name: pod.metadata.name, ip: pod.status.podIP, net, dir, containers: [], initContainers: [], execs: [],
            graceSeconds: pod.spec.terminationGracePeriodSeconds ?? 30,
            startTime: new Date().toISOString(),
            startedAt: "",
            readiness: [],
        };
        this.pods.set(key, running);
        // The kubelet mounts the ServiceAccount token unless the pod or its account says not to.
        const sa = pod.spec.serviceAccountName ?? "default";
        const account = await this.api.request("GET", `/api/v1/namespaces/${pod.metadata.namespace}/serviceaccounts/${sa}`);
        const automount = pod.spec.automountServiceAccountToken ?? account.body?.automountServiceAccountToken ?? true;
        const saMounts: BindMount[] = [];
        if (automount) {
            const saDir = await materializeVolume(
                volumeCtx,
                { name: "kube-api-access", projected: { sources: [{ serviceAccountToken: { path: "token" } }, { configMap: { name: "kube-root-ca.crt" } }, { downwardAPI: { items: [{ path: "namespace", fieldRef: { fieldPath: "metadata.namespace" } }] } }] } },
                fsGroup,
            );
            saMounts.push({ source: saDir, target: SA_DIR, readOnly: true });
        }
        const base: Record<string, string> = {
            HOSTNAME: pod.metadata.name,
            KUBERNETES_SERVICE_HOST: this.apiHost,
            KUBERNETES_SERVICE_PORT: this.apiPort,
            KUBERNETES_SERVICE_PORT_HTTPS: this.apiPort,
        };
        const prepare = async (c: any, index: string) => {
            const image = this.images[c.image];
            // The environment first: a missing source leaves nothing of this container made.
            const env = await containerEnv(this.api, pod, c, { ...imageEnv(image), ...base });
            const mounts: BindMount[] = [
                ...(c.volumeMounts ?? []).map((m: any) => {
                    const src = volumes.get(m.name);
                    if (!src) throw new Error(`container ${c.name}: volumeMount ${m.name} names no volume`);
                    return { source: m.subPath ? path.join(src, m.subPath) : src, target: m.mountPath, readOnly: !!m.readOnly };
                }),
                ...saMounts,
            ];
            const root = await makeContainerRoot(path.join(dir, index), image.rootfs, mounts, {
                readOnlyRoot: !!c.securityContext?.readOnlyRootFilesystem,
                hostsFile: process.env.HEPAF_LIVE_HOSTS ?? "/etc/hosts",
                copyInPoints: [TEST_SCRIPTS],
            });
            const user = containerUser(pod, c, image.config.User, image.rootfs);
            // As a runtime does: HOME from the user's entry in the image's /etc/passwd when unset.
            env.HOME = env.HOME ?? user.home;
            const argv = commandLine(c, image.config, env);
            return { name: c.name, root, env, argv, user, workingDir: c.workingDir ?? (image.config.WorkingDir || "/") };
        };
        for (const [i, c] of (pod.spec.initContainers ?? []).entries()) {
            const prepared = await prepare(c, `init-${i}`);
            const proc = startProcess(path.join(dir, "logs"), `${pod.metadata.name}.init.${c.name}`, "ip", runInContainer(this.runtime, net.netns, prepared.root, prepared.user, prepared.env, prepared.workingDir, prepared.argv), { cleanEnv: true });
            const st = await waitFor(`init container ${c.name} of ${key}`, () => proc.exited(), { timeoutMs: 60000 });
            running.initContainers.push({ name: c.name, code: st.code });
            if (st.code !== 0) throw new Error(`init container ${c.name} exited ${st.code}:\n${proc.log().slice(-2000)}`);
        }
        const probes = (pod.spec.containers as any[]).map(readinessOf);
        // Every container's environment is read once the init containers are done (one of them may
        // make what it names), before any container starts. One whose source is missing leaves the
        // pod to a later sync: nothing of it runs meanwhile (a kubelet would keep the pod and run
        // only the containers again; the double runs its init containers again, which here are
        // idempotent).
        const preparedAll: Awaited<ReturnType<typeof prepare>>[] = [];
        try {
            for (const [i, c] of (pod.spec.containers as any[]).entries()) preparedAll.push(await prepare(c, `c-${i}`));
        } catch (err) {
            if (err instanceof SourceMissing) {
                this.pods.delete(key);
                this.network.detach(key);
                removeContainerRoots(dir);
                fs.rmSync(dir, { recursive: true, force: true });
            }
            throw err;
        }
        for (const [i, c] of (pod.spec.containers as any[]).entries()) {
            const prepared = preparedAll[i];
            const proc = startProcess(path.join(dir, "logs"), `${pod.metadata.name}.${c.name}`, "ip", runInContainer(this.runtime, net.netns, prepared.root, prepared.user, prepared.env, prepared.workingDir, prepared.argv), { cleanEnv: true });
            running.containers.push({ ...prepared, proc });
            running.readiness.push(new ReadinessState(probes[i], Date.now()));
        }
        running.startedAt = new Date().toISOString();
        this.reported.set(key, { pod, exitedAt: [], chain: Promise.resolve(), queued: 0 });
    }

    /**
     * The prober, each round of the loop: each due readiness probe of every running container,
     * without holding the loop; and the pod's status written when what it says differs from what
     * was last written (a pod just started, a change of readiness, a container that exited).
     */
    private probe(): void {
        const now = Date.now();
        for (const p of this.running()) {
            p.containers.forEach((c, i) => {
                const r = p.readiness[i];
                if (!c.proc.exited() && r?.due(now)) void r.run(p.ip, now);
            });
            const seen = this.reported.get(p.key);
            if (seen && !seen.queued && seen.written !== statusKey(p)) this.report(p.key);
        }
    }

    /**
     * Writes pod `key`'s status as a kubelet does once it runs it: Running, its init containers
     * completed, each container running (or terminated, once its process exited: the double
     * does not restart containers) and ready as its probe says, and the pod Ready when all are.
     * Patches run one at a time per pod, each writing the state at its own moment.
     */
    private report(key: string): void {
        const seen = this.reported.get(key);
        if (!seen) return;
        seen.queued++;
        seen.chain = seen.chain.then(async () => {
            const p = this.pods.get(key);
            if (!p || this.starting.has(key) || p.uid !== seen.pod.metadata.uid) return;
            const now = new Date().toISOString();
            const ready = podReady(p);
            if (seen.ready?.status !== ready) seen.ready = { status: ready, since: now };
            p.containers.forEach((c, i) => (seen.exitedAt[i] ??= c.proc.exited() ? now : undefined));
            const written = statusKey(p);
            const status = runningStatus(seen.pod, p, seen.ready, seen.exitedAt);
            const r = await this.api.request("PATCH", `/api/v1/namespaces/${p.namespace}/pods/${p.name}/status`, { status }, "application/strategic-merge-patch+json");
            if (r.status !== 200) return this.note(`could not report the status of ${key}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
            // What was written; a failed write is tried again by the prober's next round.
            seen.written = written;
            this.note(`status of ${key}: Running, ${status.conditions.find((c) => c.type === "Ready")!.status === "True" ? "Ready" : "not Ready"} (${statusKey(p)})`);
        })
            .catch((err) => this.note(`could not report the status of ${key}: ${(err as Error).message}`))
            .finally(() => seen.queued--);
    }

    private async stopPod(p: RunningPod, graceMs: number): Promise<void> {
        this.pods.delete(p.key);
        this.reported.delete(p.key);
        // Every process at once, as a runtime signals each container: each gets the whole grace.
        await Promise.all([...p.execs, ...p.containers.map((c) => c.proc)].map((proc) => proc.stop(graceMs)));
        removeContainerRoots(p.dir);
        this.network.detach(p.key);
    }
}

/** Unmounts and removes the root of each container (init containers' too) made in a pod's directory. */
function removeContainerRoots(podDir: string): void {
    for (const entry of fs.readdirSync(podDir)) {
        if (entry.startsWith("c-") || entry.startsWith("init-")) removeContainerRoot(path.join(podDir, entry));
    }
}

/**
 * Whether the kubelet's turn has come for `pod`: kwok's pod-create Stage gave it its IP and left
 * it Pending, its containers waiting to be created (ContainerCreating, or PodInitializing
 * behind init containers).
 */
function awaitsStart(pod: any): boolean {
    if (pod.metadata.deletionTimestamp || pod.status?.phase !== "Pending" || !pod.status?.podIP) return false;
    const waiting = [...(pod.status.initContainerStatuses ?? []), ...(pod.status.containerStatuses ?? [])].map((c: any) => c.state?.waiting?.reason);
    return waiting.length > 0 && waiting.every((r) => r === "ContainerCreating" || r === "PodInitializing");
}

/** What a pod's status says that can change once it runs: each container's readiness and whether it exited. */
function statusKey(p: RunningPod): string {
    return p.containers.map((c, i) => `${c.proc.exited() ? "exited" : p.readiness[i]?.ready ? "ready" : "running"}`).join(",");
}

/** A running pod is Ready when each container runs and is ready. */
function podReady(p: RunningPod): boolean {
    return p.containers.every((c, i) => !c.proc.exited() && p.readiness[i]?.ready);
}

/** The status a kubelet writes of a pod it runs (see {@link KubeletDouble} `report`). */
function runningStatus(pod: any, p: RunningPod, ready: { status: boolean; since: string }, exitedAt: (string | undefined)[]) {
    const containerStatus = (c: any, i: number) => {
        const run = p.containers[i];
        const exited = run.proc.exited();
        const state = exited
            ? { terminated: { exitCode: exited.code ?? 137, reason: exited.code === 0 ? "Completed" : "Error", ...(exited.signal ? { signal: exited.signal } : {}), startedAt: p.startedAt, finishedAt: exitedAt[i] ?? p.startedAt } }
            : { running: { startedAt: p.startedAt } };
        return { name: c.name, image: c.image, imageID: "", containerID: `hepaf-double://${p.uid}/${c.name}`, ready: !exited && !!p.readiness[i]?.ready, started: !exited, restartCount: 0, state };
    };
    const initStatus = (c: any, i: number) => ({
        name: c.name, image: c.image, imageID: "", ready: true, started: false, restartCount: 0,
        state: { terminated: { exitCode: p.initContainers[i]?.code ?? 0, reason: "Completed", startedAt: p.startTime, finishedAt: p.startedAt } },
    });
    const containerStatuses = pod.spec.containers.map(containerStatus);
    // A strategic merge patch merges conditions by type: null removes kwok's reason and message once Ready.
    const unready = containerStatuses.filter((c: any) => !c.ready).map((c: any) => c.name);
    const condition = (type: string, status: boolean, since: string) => ({
        type, status: status ? "True" : "False", lastTransitionTime: since,
        reason: status ? null : "ContainersNotReady", message: status ? null : `containers with unready status: [${unready.join(" ")}]`,
    });
    return {
        phase: "Running",
        startTime: p.startTime,
        conditions: [
            { type: "PodReadyToStartContainers", status: "True", lastTransitionTime: p.startTime },
            { type: "Initialized", status: "True", lastTransitionTime: p.startedAt, reason: null, message: null },
            condition("ContainersReady", ready.status, ready.since),
            condition("Ready", ready.status, ready.since),
        ],
        ...((pod.spec.initContainers ?? []).length ? { initContainerStatuses: pod.spec.initContainers.map(initStatus) } : {}),
        containerStatuses,
    };
}
