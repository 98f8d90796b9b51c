/**
 * A real Kubernetes control plane for the live tier: etcd, kube-apiserver (RBAC on, its own
 * certificates), kube-controller-manager, kube-scheduler, and kwok with one fake node whose
 * pods become Running without a container runtime. It runs inside the tier's own network
 * namespace (scripts/live-netns.sh) on free ports, and is ready when /readyz says so and the
 * node is Ready. `stop()` ends every process by PID.
 */
import * as fs from "fs";
import * as https from "https";
import * as http from "http";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { parse as parseYaml, stringify } from "yaml";
import { Kubectl, writeKubeconfig } from "./kubectl";
import { issue, makeCa, serviceAccountKeys } from "./pki";
import { Proc, startProcess, waitFor } from "./processes";
import { need, tools } from "./tools";

/** The node's address inside the tier's namespace (scripts/live-netns.sh puts it on lo). */
export const NODE_IP = process.env.HEPAF_LIVE_NODE_IP ?? "10.200.0.1";
/** Service ClusterIPs (local in the tier's namespace). */
export const SERVICE_CIDR = "10.96.0.0/16";
/** Pod addresses kwok hands out on the fake node. */
export const POD_CIDR = "10.244.0.0/16";
/** The fake node. */
export const NODE_NAME = "hepaf-live-node";

/** A running control plane. */
export interface ControlPlane {
    /** Working directory: certificates, kubeconfigs, logs. */
    dir: string;
    /** `https://<node ip>:<port>`. */
    server: string;
    /** The cluster CA certificate file. */
    caFile: string;
    /** Admin kubeconfig (system:masters). */
    adminKubeconfig: string;
    /** kubectl as admin. */
    admin: Kubectl;
    /** The processes, by name. */
    procs: Record<string, Proc>;
    /** Milliseconds from the first process start to ready. */
    startMs: number;
    /** A kubeconfig with a token of ServiceAccount `ns/name` (TokenRequest). */
    kubeconfigFor(namespace: string, serviceAccount: string, opts?: { boundPod?: string }): string;
    /** kubectl as ServiceAccount `ns/name`. */
    kubectlAs(namespace: string, serviceAccount: string): Kubectl;
    /** Stops kube-apiserver (by PID; etcd and the rest keep running). */
    stopApiServer(): Promise<void>;
    /** Starts kube-apiserver again, as it was started, and waits until it is ready. */
    startApiServer(): Promise<void>;
    /** Resident memory of each process in MiB. */
    residentMiB(): Record<string, number>;
    /** Stops everything (by PID) and removes the working directory unless HEPAF_LIVE_KEEP is set. */
    stop(): Promise<void>;
}

/** A free TCP port on `host` inside the namespace. */
export function freePort(host = "127.0.0.1"): Promise<number> {
    return new Promise((resolve, reject) => {
        const srv = net.createServer();
        srv.once("error", reject);
        srv.listen(0, host, () => {
            const port = (srv.address() as net.AddressInfo).port;
            srv.close(() => resolve(port));
        });
    });
}

/** GET over http(s), resolving to { status, body }; rejects on connection errors. */
export function get(url: string, tls: { ca?: string; cert?: string; key?: string; insecure?: boolean } = {}): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
        const mod = url.startsWith("https:") ? https : http;
        const req = mod.get(
            url,
            {
                ca: tls.ca ? fs.readFileSync(tls.ca) : undefined,
                cert: tls.cert ? fs.readFileSync(tls.cert) : undefined,
                key: tls.key ? fs.readFileSync(tls.key) : undefined,
                rejectUnauthorized: !tls.insecure,
                timeout: 5000,
            } as https.RequestOptions,
            (res) => {
                let body = "";
                res.setEncoding("utf8");
                res.on("data", (d) => (body += d));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
            },
        );
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", reject);
    });
}

/** Resident set size of a process in MiB (VmRSS of /proc/<pid>/status), summed over its direct children. */
export function rssMiB(pid: number): number {
    const one = (p: number) => {
        try {
            const m = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${p}/status`, "utf8"));
            return m ? Number(m[1]) / 1024 : 0;
        } catch {
            return 0;
        }
    };
    let total = one(pid);
    try {
        for (const child of fs.readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8").trim().split(/\s+/).filter(Boolean)) {
            total += one(Number(child));
        }
    } catch {
        // no children file
    }
    return Math.round(total);
}

function checkNamespace(): void {
    if (process.env.HEPAF_LIVE_NETNS !== "inside") {
        throw new Error("live: the live tier runs inside its own network namespace; start it with scripts/live-netns.sh (npm run test:live does)");
    }
}

/** What the fake node offers the scheduler (its capacity and allocatable). */
export interface NodeCapacity {
    cpu: number;
    memoryGiB: number;
    pods: number;
}

/** The fake node's default size: room for the tests' facilities. */
export const DEFAULT_NODE: NodeCapacity = { cpu: 64, memoryGiB: 256, pods: 500 };

/**
 * Who writes a pod's status after kwok gave it its IP. `kwok`: kwok reports every pod Running
 * and Ready at once (nothing runs: a tier of objects only). `kubelet-double`: kwok leaves the
 * pod Pending, its containers waiting to be created, and the kubelet double that runs it
 * reports it Running, and Ready as its readiness probes say.
 */
export type PodStatusWriter = "kwok" | "kubelet-double";

/** Starts the control plane (its one node of `node`'s size) and waits until it is ready. */
export async function startControlPlane(label = "cluster", node: NodeCapacity = DEFAULT_NODE, pods: PodStatusWriter = "kwok"): Promise<ControlPlane> {
    checkNamespace();
    const t = tools();
    need(t, ["etcd", "kubeApiserver", "kubeControllerManager", "kubeScheduler", "kubectl", "kwok", "kwokStages"]);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `hepaf-live-${label}-`));
    const pki = path.join(dir, "pki");
    const logs = path.join(dir, "logs");
    fs.mkdirSync(pki, { recursive: true });

    // Certificates.
    const ca = makeCa(pki, "ca", "hepaf-live-ca");
    const frontProxyCa = makeCa(pki, "front-proxy-ca", "hepaf-live-front-proxy-ca");
    const apiserverCert = issue(pki, ca, "apiserver", {
        cn: "kube-apiserver",
        usage: "server",
        dnsNames: ["kubernetes", "kubernetes.default", "kubernetes.default.svc", "kubernetes.default.svc.cluster.local", "localhost"],
        ipAddresses: [NODE_IP, "10.96.0.1", "127.0.0.1"],
    });
    const frontProxyClient = issue(pki, frontProxyCa, "front-proxy-client", { cn: "front-proxy-client", usage: "client" });
    const sa = serviceAccountKeys(pki);
    const clientCert = (name: string, cn: string, organizations: string[] = []) => issue(pki, ca, name, { cn, organizations, usage: "client" });

    const [etcdPort, etcdPeerPort, apiPort, kcmPort, schedPort, kwokPort] = await Promise.all([
        freePort(), freePort(), freePort(NODE_IP), freePort(), freePort(), freePort(),
    ]);
    const server = `https://${NODE_IP}:${apiPort}`;
    const kubeconfig = (name: string, cn: string, orgs: string[] = []) => writeKubeconfig(path.join(dir, `${name}.kubeconfig`), server, ca.cert, clientCert(name, cn, orgs));
    const adminKubeconfig = kubeconfig("admin", "hepaf-live-admin", ["system:masters"]);
    const kcmKubeconfig = kubeconfig("controller-manager", "system:kube-controller-manager");
    const schedKubeconfig = kubeconfig("scheduler", "system:kube-scheduler");
    const kwokKubeconfig = kubeconfig("kwok", "hepaf-live-kwok", ["system:masters"]);

    const started = Date.now();
    const procs: Record<string, Proc> = {};
    const stopAllHere = async () => {
        for (const p of Object.values(procs).reverse()) await p.stop();
    };
    try {
        procs.etcd = startProcess(logs, "etcd", t.etcd, [
            "--name", "live", "--data-dir", path.join(dir, "etcd"),
            "--listen-client-urls", `http://127.0.0.1:${etcdPort}`, "--advertise-client-urls", `http://127.0.0.1:${etcdPort}`,
            "--listen-peer-urls", `http://127.0.0.1:${etcdPeerPort}`, "--initial-advertise-peer-urls", `http://127.0.0.1:${etcdPeerPort}`,
            "--initial-cluster", `live=http://127.0.0.1:${etcdPeerPort}`, "--unsafe-no-fsync", "--log-level", "warn",
        ]);
        await waitFor("etcd /health", async () => (await get(`http://127.0.0.1:${etcdPort}/health`)).body.includes('"true"'), { watch: [procs.etcd], timeoutMs: 60000 });

        const apiserverArgs = [
            `--etcd-servers=http://127.0.0.1:${etcdPort}`,
            `--bind-address=${NODE_IP}`, `--advertise-address=${NODE_IP}`, `--secure-port=${apiPort}`,
            "--authorization-mode=Node,RBAC", "--allow-privileged=true",
            `--client-ca-file=${ca.cert}`, `--tls-cert-file=${apiserverCert.cert}`, `--tls-private-key-file=${apiserverCert.key}`,
            "--service-account-issuer=https://kubernetes.default.svc.cluster.local",
            `--service-account-key-file=${sa.pub}`, `--service-account-signing-key-file=${sa.key}`,
            `--service-cluster-ip-range=${SERVICE_CIDR}`, "--endpoint-reconciler-type=none",
            `--requestheader-client-ca-file=${frontProxyCa.cert}`, "--requestheader-allowed-names=front-proxy-client",
            "--requestheader-extra-headers-prefix=X-Remote-Extra-", "--requestheader-group-headers=X-Remote-Group",
            "--requestheader-username-headers=X-Remote-User",
            `--proxy-client-cert-file=${frontProxyClient.cert}`, `--proxy-client-key-file=${frontProxyClient.key}`,
            "--enable-admission-plugins=NodeRestriction", "--profiling=false",
        ];
        procs.apiserver = startProcess(logs, "kube-apiserver", t.kubeApiserver, apiserverArgs);
        const adminTls = { ca: ca.cert, cert: path.join(pki, "admin.crt"), key: path.join(pki, "admin.key") };
        const apiserverReady = () => waitFor("kube-apiserver /readyz", async () => (await get(`${server}/readyz`, adminTls)).status === 200, { watch: [procs.apiserver], timeoutMs: 120000 });
        await apiserverReady();

        const common = [`--client-ca-file=${ca.cert}`, `--requestheader-client-ca-file=${frontProxyCa.cert}`, "--leader-elect=false", "--bind-address=127.0.0.1", "--profiling=false"];
        procs.controllerManager = startProcess(logs, "kube-controller-manager", t.kubeControllerManager, [
            `--kubeconfig=${kcmKubeconfig}`, `--authentication-kubeconfig=${kcmKubeconfig}`, `--authorization-kubeconfig=${kcmKubeconfig}`,
            `--secure-port=${kcmPort}`, ...common,
            `--root-ca-file=${ca.cert}`, `--service-account-private-key-file=${sa.key}`, "--use-service-account-credentials=true",
            `--cluster-signing-cert-file=${ca.cert}`, `--cluster-signing-key-file=${ca.key}`,
            `--service-cluster-ip-range=${SERVICE_CIDR}`, "--allocate-node-cidrs=false",
        ]);
        procs.scheduler = startProcess(logs, "kube-scheduler", t.kubeScheduler, [
            `--kubeconfig=${schedKubeconfig}`, `--authentication-kubeconfig=${schedKubeconfig}`, `--authorization-kubeconfig=${schedKubeconfig}`,
            `--secure-port=${schedPort}`, ...common,
        ]);

        // kwok: one fake node (created here, annotated for kwok to manage), pods Running on it.
        // It renews the node's Lease as a kubelet does: its default of 40 s is applied only to a
        // KwokConfiguration document, which the config (Stages only) has none of, so without the
        // flag no Lease is kept and 50 s after start the node lifecycle controller marks the node
        // NotReady (its pods drop out of every EndpointSlice until kwok sets it Ready again).
        const stages = kwokConfig(dir, t.kwokStages, pods);
        procs.kwok = startProcess(logs, "kwok", t.kwok, [
            `--kubeconfig=${kwokKubeconfig}`, `--config=${stages}`, "--manage-all-nodes=false",
            "--manage-nodes-with-annotation-selector=kwok.x-k8s.io/node=fake", `--cidr=${POD_CIDR}`, `--node-ip=${NODE_IP}`,
            `--server-address=127.0.0.1:${kwokPort}`,
            // kwok renews the node's Lease as a kubelet does. Without it the node's only heartbeat is
            // the Stage's every ten minutes, and after the grace period (about 50 s) the node
            // controller takes the node for gone and marks every pod not Ready.
            "--node-lease-duration-seconds=40",
        ]);
        const admin = new Kubectl(t.kubectl, adminKubeconfig);
        admin.ok(["apply", "-f", "-"], JSON.stringify(fakeNode(node)));
        admin.ok(["apply", "-f", "-"], JSON.stringify(storageClass()));
        const all = Object.values(procs);
        await waitFor(`node ${NODE_NAME} Ready`, () => {
            const node = admin.find("node", NODE_NAME);
            return node?.status?.conditions?.some((c: any) => c.type === "Ready" && c.status === "True");
        }, { watch: all, timeoutMs: 120000 });
        await waitFor("kube-controller-manager /healthz", async () => (await get(`https://127.0.0.1:${kcmPort}/healthz`, { insecure: true })).status === 200, { watch: all });
        await waitFor("kube-scheduler /healthz", async () => (await get(`https://127.0.0.1:${schedPort}/healthz`, { insecure: true })).status === 200, { watch: all });
        // The service-account controller is working: namespaces get their "default" account.
        await waitFor("ServiceAccount default/default", () => admin.find("serviceaccount", "default", "default") !== undefined, { watch: all });
        const startMs = Date.now() - started;

        const kubeconfigFor = (ns: string, name: string, opts: { boundPod?: string } = {}) =>
            writeKubeconfig(path.join(dir, "tokens", `${ns}.${name}${opts.boundPod ? `.${opts.boundPod}` : ""}.kubeconfig`), server, ca.cert, { token: admin.token(ns, name, opts) });
        return {
            dir,
            server,
            caFile: ca.cert,
            adminKubeconfig,
            admin,
            procs,
            startMs,
            kubeconfigFor,
            kubectlAs: (ns, name) => new Kubectl(t.kubectl, kubeconfigFor(ns, name)),
            stopApiServer: () => procs.apiserver.stop(10000),
            startApiServer: async () => {
                if (!procs.apiserver.exited()) throw new Error("kube-apiserver is running: stop it first");
                procs.apiserver = startProcess(logs, "kube-apiserver", t.kubeApiserver, apiserverArgs);
                await apiserverReady();
            },
            residentMiB: () => Object.fromEntries(Object.entries(procs).map(([k, p]) => [k, rssMiB(p.pid)])),
            stop: async () => {
                await stopAllHere();
                if (!process.env.HEPAF_LIVE_KEEP) fs.rmSync(dir, { recursive: true, force: true });
            },
        };
    } catch (err) {
        await stopAllHere();
        const logTails = Object.values(procs)
            .map((p) => `--- ${p.name} ---\n${p.log().trimEnd().split("\n").slice(-8).join("\n")}`)
            .join("\n");
        if (!process.env.HEPAF_LIVE_KEEP) fs.rmSync(dir, { recursive: true, force: true });
        throw new Error(`${(err as Error).message}\n${logTails}`);
    }
}

/**
 * kwok's configuration: the Stage objects of its own module (node, pod and volume lifecycles).
 * With `pods: "kwok"`, its fast pod-ready Stage reports each pod Running and Ready at once. With
 * `"kubelet-double"`, kwok plays only the first step of a kubelet's, its general pod-create Stage
 * (the pod's IP; Pending, containers waiting with ContainerCreating or PodInitializing, not
 * Ready), without the delay and jitter that Stage simulates: the double's own start is the
 * wait. The double then writes the status of the pods it runs; a pod it does not run (not
 * selected, or an image not built, which it sets waiting with `ErrImagePull`) stays Pending.
 */
function kwokConfig(dir: string, stagesDir: string, pods: PodStatusWriter): string {
    const podStart = pods === "kwok" ? "pod/fast/pod-ready.yaml" : "pod/general/pod-create.yaml";
    const files = [
        "node/fast/node-initialize.yaml",
        "node/heartbeat-with-lease/node-heartbeat-with-lease.yaml",
        podStart,
        "pod/fast/pod-complete.yaml",
        "pod/fast/pod-delete.yaml",
        "volume/fast/pvc-provision.yaml",
        "volume/fast/pv-bind.yaml",
        "volume/fast/pv-delete.yaml",
        "volume/fast/pvc-delete.yaml",
    ];
    const missing = files.filter((f) => !fs.existsSync(path.join(stagesDir, f)));
    if (missing.length) throw new Error(`kwok's Stage files ${missing.join(", ")} are not in ${stagesDir} (scripts/live-tools.sh kwok copies them from its module)`);
    const docs = files.map((f) => {
        const text = fs.readFileSync(path.join(stagesDir, f), "utf8").trim();
        if (f !== "pod/general/pod-create.yaml") return text;
        const stage = parseYaml(text);
        for (const k of ["delay", "weight", "weightFrom"]) delete stage.spec[k];
        return stringify(stage).trim();
    });
    const out = path.join(dir, "kwok.yaml");
    fs.writeFileSync(out, `${docs.join("\n---\n")}\n`);
    return out;
}

/** The fake node kwok keeps Ready (no taints: the facility's pods schedule on it). */
function fakeNode(node: NodeCapacity): Record<string, unknown> {
    const size = { cpu: String(node.cpu), memory: `${node.memoryGiB}Gi`, pods: String(node.pods) };
    return {
        apiVersion: "v1",
        kind: "Node",
        metadata: {
            name: NODE_NAME,
            annotations: { "kwok.x-k8s.io/node": "fake", "node.alpha.kubernetes.io/ttl": "0" },
            labels: { "kubernetes.io/hostname": NODE_NAME, "kubernetes.io/os": "linux", "kubernetes.io/arch": "amd64", type: "kwok" },
        },
        spec: { podCIDR: "10.244.0.0/24", podCIDRs: ["10.244.0.0/24"] },
        status: { allocatable: size, capacity: size },
    };
}

/** The cluster's default StorageClass, provisioned by kwok's volume stages (as a cloud's would be). */
function storageClass(): Record<string, unknown> {
    return {
        apiVersion: "storage.k8s.io/v1",
        kind: "StorageClass",
        metadata: { name: "kwok-volume", annotations: { "storageclass.kubernetes.io/is-default-class": "true" } },
        provisioner: "kwok.x-k8s.io/volume",
        reclaimPolicy: "Delete",
        volumeBindingMode: "Immediate",
    };
}

/** YAML of objects, for logs. */
export function toYaml(objs: unknown[]): string {
    return objs.map((o) => stringify(o)).join("---\n");
}
