/**
 * A test double of the kubelet's container side, for the pods kwok reports Running on the fake
 * node. kwok keeps pod status; this double runs what the pod specifies, where the machine has
 * the program an image would carry (see {@link imageRules}): in the pod's own network namespace
 * (its pod IP; {@link PodNetwork}), in a container root with the pod's volumes at their mount
 * paths ({@link makeContainerRoot}), as the pod's user, with the environment and command line
 * the kubelet would compute, and the ServiceAccount token mounted where in-cluster clients
 * look. Pods whose images it cannot stand in for stay as kwok left them (listed in `skipped`).
 * A pod deleted from the API is stopped (SIGTERM, then SIGKILL) and its root and network removed.
 */
import * as fs from "fs";
import * as path from "path";
import { ApiClient } from "./api";
import { commandLine, containerEnv } from "./container-env";
import { BindMount, containerUser, makeContainerRoot, removeContainerRoot, runInContainer } from "./container-root";
import { ControlPlane, NODE_NAME } from "./control-plane";
import { PodNet, PodNetwork } from "./pod-network";
import { Proc, startProcess, waitFor } from "./processes";
import { ROOT, Tools } from "./tools";
import { materializeVolume } from "./volumes";

/** Which program on this machine stands in for an image. */
export interface ImageRule {
    /** What stands in (for logs and docs). */
    name: string;
    /** Images it stands in for. */
    match: RegExp;
    /** The image's entrypoint, used when a container gives no `command`. */
    entrypoint: string[];
    /** Directories put first on PATH: where the image's programs are here. */
    path: string[];
    /**
     * Directories of this machine that hold the image's software (its programs, libraries,
     * interpreter). A pod volume mounted over one (an emptyDir at /tmp, with the cache under
     * /tmp) would hide it, which an image's own files never are: these are mounted again.
     */
    software: string[];
    /** The image's own user (its USER), which runs it unless the pod says otherwise. */
    user: number;
}

/** The images of the facility that the double can run, and with what. */
export function imageRules(t: Tools): ImageRule[] {
    const venv = [t.venvBin];
    // The venv, the interpreter it was made from (its prefix, e.g. a pyenv version), and the
    // repository, whose test scripts the tests run in these containers.
    const python = [path.dirname(t.venvBin), path.dirname(path.dirname(fs.realpathSync(t.python))), ROOT];
    const nodeModules = path.dirname(path.dirname(t.chp));
    return [
        { name: "Traefik built from the Go module proxy", match: /(^|\/)traefik:v\d/, entrypoint: [t.traefik], path: [], software: [path.dirname(t.traefik)], user: 0 },
        { name: "JupyterHub from the venv", match: /\/k8s-hub:/, entrypoint: ["jupyterhub"], path: venv, software: python, user: 1000 },
        { name: "configurable-http-proxy from npm", match: /\/configurable-http-proxy:/, entrypoint: ["configurable-http-proxy"], path: [path.dirname(t.chp)], software: [nodeModules], user: 65534 },
        { name: "dask-gateway-server from the venv", match: /\/dask-gateway-server:/, entrypoint: ["dask-gateway-server"], path: venv, software: python, user: 1000 },
        { name: "dask and dask-gateway from the venv", match: /\/dask-gateway:/, entrypoint: [], path: venv, software: python, user: 1000 },
        { name: "jupyterhub-singleuser from the venv", match: /\/k8s-singleuser-sample:/, entrypoint: ["jupyterhub-singleuser"], path: venv, software: python, user: 1000 },
        { name: "the machine's shell and coreutils", match: /(^|\/)busybox:/, entrypoint: ["sh"], path: [], software: [], user: 0 },
    ];
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
}

/** Options of the double. */
export interface KubeletDoubleOptions {
    /** Which pods to run (default: every pod whose images all have a rule). */
    run?: (pod: any) => boolean;
    /** Poll interval. Default 300 ms. */
    intervalMs?: number;
}

const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

export class KubeletDouble {
    /** Pods not run, with the reason. */
    readonly skipped = new Map<string, string>();
    /** Pods that failed to start, with the error. */
    readonly failed = new Map<string, string>();
    private readonly pods = new Map<string, RunningPod>();
    private readonly network = new PodNetwork();
    private readonly rules: ImageRule[];
    private readonly base: string;
    private timer?: NodeJS.Timeout;
    private busy = false;
    private n = 0;
    private apiPort: string;
    private apiHost: string;

    constructor(
        private readonly cp: ControlPlane,
        private readonly api: ApiClient,
        tools: Tools,
        private readonly opts: KubeletDoubleOptions = {},
    ) {
        this.rules = imageRules(tools);
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
        this.timer = setInterval(tick, this.opts.intervalMs ?? 300);
        void tick();
    }

    /** The running pod `namespace/name`, if any. */
    pod(namespace: string, name: string): RunningPod | undefined {
        return this.pods.get(`${namespace}/${name}`);
    }

    /** Every running pod. */
    running(): RunningPod[] {
        return [...this.pods.values()];
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

    /** Runs `argv` in a running container, as it runs (same root, user, environment plus `env`). */
    exec(p: RunningPod, name: string, argv: string[], opts: { container?: string; env?: Record<string, string>; workingDir?: string } = {}): Proc {
        const c = opts.container ? p.containers.find((x) => x.name === opts.container) : p.containers[0];
        if (!c) throw new Error(`pod ${p.key} has no container ${opts.container}`);
        const env = { ...c.env, ...opts.env };
        const proc = startProcess(path.join(p.dir, "logs"), name, "ip", runInContainer(p.net.netns, c.root, c.user, env, opts.workingDir ?? c.workingDir, argv), { cleanEnv: true });
        p.execs.push(proc);
        return proc;
    }

    /** Stops every pod and the loop. */
    async stop(): Promise<void> {
        if (this.timer) clearInterval(this.timer);
        await waitFor("the kubelet double's last sync", () => !this.busy, { timeoutMs: 30000 }).catch(() => undefined);
        for (const p of [...this.pods.values()]) await this.stopPod(p);
        this.network.detachAll();
    }

    /** What the double decided, with the time (its log file is `kubelet/kubelet.log`). */
    private note(line: string): void {
        fs.appendFileSync(path.join(this.base, "kubelet.log"), `${new Date().toISOString()} ${line}\n`);
    }

    private async sync(): Promise<void> {
        const list = await this.api.get(`/api/v1/pods?fieldSelector=spec.nodeName%3D${NODE_NAME}`);
        const live = new Map<string, any>(list.items.map((p: any) => [`${p.metadata.namespace}/${p.metadata.name}`, p]));
        for (const [key, running] of [...this.pods]) {
            const pod = live.get(key);
            const why = !pod ? "gone from the API" : pod.metadata.uid !== running.uid ? "replaced (new uid)" : pod.metadata.deletionTimestamp ? "being deleted" : undefined;
            if (why) {
                this.note(`stop ${key}: ${why} (list of ${list.items.length} pods at resourceVersion ${list.metadata?.resourceVersion})`);
                await this.stopPod(running);
            }
        }
        for (const [key, pod] of live) {
            if (this.pods.has(key) || this.skipped.has(key) || this.failed.has(key)) continue;
            if (pod.metadata.deletionTimestamp || pod.status?.phase !== "Running" || !pod.status?.podIP) continue;
            const reason = this.cannotRun(pod);
            if (reason) {
                this.skipped.set(key, reason);
                this.note(`skip ${key}: ${reason}`);
                continue;
            }
            try {
                this.note(`start ${key} at ${pod.status.podIP}`);
                await this.startPod(key, pod);
            } catch (err) {
                this.failed.set(key, (err as Error).message);
                this.note(`failed ${key}: ${(err as Error).message}`);
            }
        }
    }

    private cannotRun(pod: any): string | undefined {
        if (this.opts.run && !this.opts.run(pod)) return "not selected by the test";
        const missing = (pod.spec.containers as any[]).filter((c) => !this.rule(c.image)).map((c) => c.image);
        return missing.length ? `no program here stands in for ${missing.join(", ")}` : undefined;
    }

    private rule(image: string): ImageRule | undefined {
        return this.rules.find((r) => r.match.test(image));
    }

    private async startPod(key: string, pod: any): Promise<void> {
        const dir = path.join(this.base, `pod-${this.n++}`);
        fs.mkdirSync(path.join(dir, "logs"), { recursive: true });
        const net = this.network.attach(key, pod.status.podIP);
        const running: RunningPod = {
            key, uid: pod.metadata.uid, namespace: pod.metadata.namespace, name: pod.metadata.name, ip: pod.status.podIP, net, dir, containers: [], initContainers: [], execs: [],
        };
        this.pods.set(key, running);
        const fsGroup = pod.spec.securityContext?.fsGroup;
        const volumeCtx = {
            api: this.api,
            pod,
            dir: path.join(dir, "volumes"),
            claimsDir: path.join(this.base, "claims"),
            caPem: fs.readFileSync(this.cp.caFile, "utf8"),
            token: async () => this.cp.admin.token(pod.metadata.namespace, pod.spec.serviceAccountName ?? "default", { boundPod: pod.metadata.name }),
        };
        const volumes = new Map<string, string>();
        for (const v of pod.spec.volumes ?? []) volumes.set(v.name, await materializeVolume(volumeCtx, v, fsGroup));
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
            const rule = this.rule(c.image);
            if (!rule) return undefined;
            const mounts: BindMount[] = [
                ...(c.volumeMounts ?? []).map((m: any) => {
                    const src = volumes.get(m.name);
                    if (!src) throw new Error(`container ${c.name}: volumeMount ${m.name} names no volume`);
                    return { source: m.subPath ? path.join(src, m.subPath) : src, target: m.mountPath, readOnly: !!m.readOnly };
                }),
                ...saMounts,
            ];
            const root = makeContainerRoot(path.join(dir, index), mounts, {
                readOnlyRoot: !!c.securityContext?.readOnlyRootFilesystem,
                hostsFile: process.env.HEPAF_LIVE_HOSTS ?? "/etc/hosts",
                software: rule.software,
            });
            const env = await containerEnv(this.api, pod, c, base);
            env.PATH = [...rule.path, env.PATH ?? "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"].join(":");
            const user = containerUser(pod, c, rule.user);
            env.HOME = env.HOME ?? (user.uid === 0 ? "/root" : "/tmp");
            const argv = commandLine(c, rule.entrypoint, env);
            return { name: c.name, root, env, argv, user, workingDir: c.workingDir ?? "/" };
        };
        for (const [i, c] of (pod.spec.initContainers ?? []).entries()) {
            const prepared = await prepare(c, `init-${i}`);
            if (!prepared) {
                running.initContainers.push({ name: c.name, code: null });
                continue;
            }
            const proc = startProcess(path.join(dir, "logs"), `${pod.metadata.name}.init.${c.name}`, "ip", runInContainer(net.netns, prepared.root, prepared.user, prepared.env, prepared.workingDir, prepared.argv), { cleanEnv: true });
            const st = await waitFor(`init container ${c.name} of ${key}`, () => proc.exited(), { timeoutMs: 60000 });
            running.initContainers.push({ name: c.name, code: st.code });
            if (st.code !== 0) throw new Error(`init container ${c.name} exited ${st.code}:\n${proc.log().slice(-2000)}`);
        }
        for (const [i, c] of (pod.spec.containers as any[]).entries()) {
            const prepared = (await prepare(c, `c-${i}`))!;
            const proc = startProcess(path.join(dir, "logs"), `${pod.metadata.name}.${c.name}`, "ip", runInContainer(net.netns, prepared.root, prepared.user, prepared.env, prepared.workingDir, prepared.argv), { cleanEnv: true });
            running.containers.push({ ...prepared, proc });
        }
    }

    private async stopPod(p: RunningPod): Promise<void> {
        this.pods.delete(p.key);
        for (const proc of [...p.execs, ...p.containers.map((c) => c.proc)]) await proc.stop(5000);
        for (const entry of fs.readdirSync(p.dir)) {
            if (entry.startsWith("c-") || entry.startsWith("init-")) removeContainerRoot(path.join(p.dir, entry));
        }
        this.network.detach(p.key);
    }
}
