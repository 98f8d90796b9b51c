/**
 * A group's Dask Gateway for real: dask-gateway-server's API server and Kubernetes controller run
 * from the dev stack's objects (kubelet double) with the rendered config and their own
 * ServiceAccount tokens; a CMS user's real dask_gateway client, authenticated by the hub's
 * service check and configured by nothing but the Dask access service's bundle, makes a cluster; the controller turns it into the scheduler pod, Secret,
 * Service and routes in af-cms, which real Traefik serves; the user computes through
 * gateway://af.example.org:8786; its dashboard is reachable through Traefik after signing in
 * with the hub, for its owner only; shutting the cluster down removes them.
 */
import * as fs from "fs";
import * as path from "path";
import { ACCESS_SERVICE, unpackBundle } from "./harness/bundles";
import { rssMiB } from "./harness/control-plane";
import { deploymentLogs, LiveFacility, startFacility, waitDeploymentRunning, waitFrontDoor } from "./harness/facility";
import { HubSession } from "./harness/hub-client";
import { Proc, startProcess, waitFor } from "./harness/processes";
import { ROOT } from "./harness/tools";

jest.setTimeout(15 * 60 * 1000);

let f: LiveFacility;
let rootCaFile: string;

beforeAll(async () => {
    f = await startFacility("dev");
    try {
        for (const [ns, name] of [["af", "af-hub"], ["af", "af-proxy"], ["af-cms", "dask-gateway-api"], ["af-cms", "dask-gateway-controller"]]) {
            await waitDeploymentRunning(f, ns, name);
        }
        await waitFrontDoor(f);
    } catch (err) {
        throw new Error(`${(err as Error).message}\n${deploymentLogs(f, "af-cms", "dask-gateway-api")}\n${deploymentLogs(f, "af-cms", "dask-gateway-controller")}`);
    }
    rootCaFile = path.join(f.cp.dir, "root-ca.crt");
    fs.writeFileSync(rootCaFile, f.cp.admin.find("configmap", "hepaf-root-ca", "af").data["ca.crt"]);
});
afterAll(async () => {
    await f?.stop();
});

const lines = (p: Proc) =>
    p
        .log()
        .split("\n")
        .filter((l) => l.startsWith("{"))
        .map((l) => JSON.parse(l));

/** A user's dask_gateway client: given the gateway's addresses and the token, or (`bundle`) only the access service's bundle and the token in the environment, as its README says. */
function gatewayClient(user: string, token: string, group: string, bundle?: string): { proc: Proc; stopFile: string } {
    const stopFile = path.join(f.cp.dir, `${user}-stop`);
    const args = bundle ? { stopFile } : { address: `https://af.example.org/services/dask-gateway-${group}`, proxy: "gateway://af.example.org:8786", token, stopFile };
    const env = bundle
        ? { DASK_CONFIG: bundle, JUPYTERHUB_API_TOKEN: token, SSL_CERT_FILE: path.join(bundle, "root-ca.crt"), DASK_ROOT_CONFIG: undefined }
        : { SSL_CERT_FILE: rootCaFile };
    const proc = startProcess(path.join(f.cp.dir, "clients"), `${user}-gateway-client`, f.tools.python, [path.join(ROOT, "test", "python", "live", "gateway_client.py"), JSON.stringify(args)], { env });
    return { proc, stopFile };
}

/** `user`'s bundle of `group` from the access service (with the hub token, as curl from a laptop would), unpacked. */
async function bundleOf(user: HubSession, group: string): Promise<string> {
    const res = await user.request("POST", `${ACCESS_SERVICE}bundle/${group}`, { useToken: true });
    if (res.status !== 200) throw new Error(`bundle of ${user.user}: HTTP ${res.status} ${await res.text()}`);
    return unpackBundle(f.tools.python, await res.bytes(), path.join(f.cp.dir, `${user.user}-bundle`));
}

const gatewayLogs = () => `${deploymentLogs(f, "af-cms", "dask-gateway-api").slice(-4000)}\n${deploymentLogs(f, "af-cms", "dask-gateway-controller").slice(-4000)}`;

test("a CMS user's cluster: the controller makes its pods, Secret, Service and routes, Traefik routes gateway:// by SNI, shutdown removes them", async () => {
    const alice = new HubSession("https://af.example.org", "alice", { ca: fs.readFileSync(rootCaFile, "utf8") });
    await alice.login();
    // From outside with the bundle alone: its gateway addresses, its root CA, the hub-token flow.
    const { proc, stopFile } = gatewayClient("alice", alice.token!, "cms", await bundleOf(alice, "cms"));
    try {
        const { name } = await waitFor("the new cluster", () => lines(proc).find((l) => l.name || l.error), { watch: [proc], timeoutMs: 120000 }).catch((err) => {
            throw new Error(`${err.message}\n${proc.log().slice(-3000)}\n${gatewayLogs()}`);
        });
        expect(name).toMatch(/^af-cms\.[0-9a-f]{32}$/);
        const id = name.split(".")[1];
        const done = await waitFor("the computation on the gateway cluster", () => lines(proc).find((l) => l.result !== undefined), { watch: [proc], timeoutMs: 300000 }).catch((err) => {
            throw new Error(`${err.message}\n${proc.log().slice(-3000)}\n${gatewayLogs()}`);
        });
        expect(done.result).toBe(4950);

        // What the controller made, in the group's namespace, as the API server accepted it.
        const cluster = f.cp.admin.find("daskcluster.gateway.dask.org", id, "af-cms");
        expect(cluster.spec.username).toBe("alice");
        expect(cluster.status.phase).toBe("Running");
        expect(f.cp.admin.find("secret", `dask-credentials-${id}`, "af-cms")).toBeDefined();
        expect(f.cp.admin.find("service", `dask-${id}`, "af-cms").spec.clusterIP).toBe("None");
        const tcp = f.cp.admin.find("ingressroutetcp.traefik.io", `dask-${id}`, "af-cms");
        expect(tcp.spec.routes[0].match).toBe(`HostSNI(\`daskgateway-af-cms.${id}\`)`);
        expect(tcp.spec.entryPoints).toEqual(["dask"]);
        expect(tcp.spec.tls).toEqual({ passthrough: true });
        // The labels the facility's Traefik selects on (else it would not have routed the computation).
        expect(tcp.metadata.labels).toMatchObject({ "hepaf.io/traefik": "af-edge", "gateway.dask.org/instance": "af-cms" });
        const http = f.cp.admin.find("ingressroute.traefik.io", `dask-${id}`, "af-cms");
        expect(http.spec.routes[0].match).toBe(`PathPrefix(\`/services/dask/gateways/cms/clusters/af-cms.${id}/\`)`);
        const pods = f.cp.admin.json<{ items: any[] }>(["get", "pods", "-n", "af-cms", "-l", `gateway.dask.org/cluster=${id}`]).items;
        expect(pods.map((p) => p.metadata.labels["app.kubernetes.io/component"]).sort()).toEqual(["dask-scheduler", "dask-worker"]);
        // What the running facility costs, per process (MiB resident).
        const rss = Object.fromEntries(f.kubelet.running().flatMap((p) => p.containers.map((c) => [`${p.namespace}/${p.name}/${c.name}`, rssMiB(c.proc.pid)])));
        console.log(`resident MiB: control plane ${JSON.stringify(f.cp.residentMiB())}; pods ${JSON.stringify(rss)}`);

        // The cluster's dashboard, as the client links it: through Traefik behind the access
        // service's sign-in, for its owner only (dask-gateway's own routes have no sign-in).
        const base = `/services/dask/gateways/cms/clusters/${name}`;
        expect(done.dashboard).toBe(`https://af.example.org${base}/status`);
        expect(http.spec.routes[0].middlewares.map((m: any) => m.name)).toEqual(["hepaf-dask-sign-in", "hepaf-dask-drop-credentials", "dask-gateway-clusters-prefix"]);
        const anonymous = new HubSession("https://af.example.org", "nobody", { ca: fs.readFileSync(rootCaFile, "utf8") });
        const sent = await anonymous.request("GET", `${base}/health`, { navigate: true });
        await anonymous.close();
        expect(sent.status).toBe(302);
        expect(sent.location).toMatch(/^https:\/\/af\.example\.org\/hub\/api\/oauth2\/authorize\?client_id=service-dask&/);
        const { res, visited } = await alice.navigate(`${base}/health`);
        expect(visited).toHaveLength(4); // the dashboard, the hub's authorize, the service's callback, the dashboard
        expect(res.status).toBe(200);
        expect((await res.text()).trim()).toBe("ok");
        const bob = new HubSession("https://af.example.org", "bob", { ca: fs.readFileSync(rootCaFile, "utf8") });
        try {
            await bob.login();
            expect((await bob.navigate(`${base}/health`)).res.status).toBe(403);
        } finally {
            await bob.close();
        }

        fs.writeFileSync(stopFile, "");
        await waitFor("the cluster's shutdown", () => lines(proc).find((l) => l.stopped), { watch: [proc], timeoutMs: 120000 });
        await waitFor(
            "the controller to remove the cluster's objects",
            () => {
                const left = f.cp.admin.json<{ items: any[] }>(["get", "pods,secrets,services,ingressroutes.traefik.io,ingressroutetcps.traefik.io", "-n", "af-cms", "-l", `gateway.dask.org/cluster=${id}`]).items;
                return left.length === 0 ? true : undefined;
            },
            { timeoutMs: 120000, intervalMs: 500 },
        );
    } finally {
        if (!fs.existsSync(stopFile)) fs.writeFileSync(stopFile, "");
        await alice.close();
    }
});

test("an open-data user is refused by the CMS gateway", async () => {
    const bob = new HubSession("https://af.example.org", "bob", { ca: fs.readFileSync(rootCaFile, "utf8") });
    await bob.login();
    const { proc } = gatewayClient("bob", bob.token!, "cms");
    try {
        await waitFor("bob's client to finish", () => proc.exited(), { timeoutMs: 120000 });
        expect(lines(proc).pop().error).toMatch(/403|Forbidden|Unauthorized|401/);
        expect(f.cp.admin.json<{ items: any[] }>(["get", "daskclusters.gateway.dask.org", "-n", "af-cms"]).items.filter((c) => c.spec.username === "bob")).toEqual([]);
    } finally {
        await bob.close();
    }
});
