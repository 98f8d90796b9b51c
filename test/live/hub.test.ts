/**
 * The hub for real: JupyterHub, configurable-http-proxy and KubeSpawner run from the dev
 * stack's own objects (the kubelet double runs the hub and proxy pods with their ConfigMaps,
 * Secrets and ServiceAccount token, and the notebook pods KubeSpawner creates), users log in
 * through the proxy, and a CMS user's spawn goes through the hub's hooks and KubeSpawner to a
 * running notebook server in the CMS namespace, with the hub's own RBAC enforced.
 */
import * as path from "path";
import { deploymentLogs, LiveFacility, spawnServer, startFacility, waitDeploymentRunning } from "./harness/facility";
import { HubSession } from "./harness/hub-client";
import { waitFor } from "./harness/processes";
import { ROOT } from "./harness/tools";
import { builtImage } from "../../components/images";
import { opensslText, opensslVerify } from "../helpers/openssl";

jest.setTimeout(15 * 60 * 1000);

let f: LiveFacility;
/** Notebook pods (by name) the kubelet double leaves Pending, as a node that cannot start them would. */
const held = new Set<string>();
const hubUrl = "http://af-proxy-public.af.svc.cluster.local:8000";
const b64 = (s: string) => Buffer.from(s, "base64").toString("utf8");

beforeAll(async () => {
    // Everything but Traefik and the gateways (their own tiers): hub, proxy, notebooks.
    f = await startFacility("dev", { run: (pod) => !held.has(pod.metadata.name) && !/traefik|dask-gateway/.test(pod.spec.containers[0].image) });
    try {
        await waitDeploymentRunning(f, "af", "af-hub");
        await waitDeploymentRunning(f, "af", "af-proxy");
        await waitFor("the hub's /hub/health through the proxy", async () => (await fetch(`${hubUrl}/hub/health`)).status === 200, { timeoutMs: 120000, intervalMs: 500 });
    } catch (err) {
        throw new Error(`${(err as Error).message}\n${deploymentLogs(f, "af", "af-hub")}\n${deploymentLogs(f, "af", "af-proxy")}`);
    }
});
afterAll(async () => {
    await f?.stop();
});

const hubLog = () => deploymentLogs(f, "af", "af-hub").slice(-6000);

async function startServer(user: HubSession, profile: string): Promise<void> {
    await spawnServer(f, user, "", profile, { pod: false, context: hubLog });
}

async function stopServer(user: HubSession): Promise<void> {
    const stop = await user.api("DELETE", `/users/${user.user}/server`);
    expect([202, 204]).toContain(stop.status);
    await waitFor(`${user.user}'s server stopped`, async () => (await user.api("GET", `/users/${user.user}`)).body.servers?.[""] === undefined, { timeoutMs: 120000, intervalMs: 1000 });
}

const sessionObjects = () => ({
    secret: f.cp.admin.find("secret", "dask-tls-alice", "af-cms"),
    service: f.cp.admin.find("service", "dask-alice", "af-cms"),
    route: f.cp.admin.find("ingressroutetcp.traefik.io", "dask-alice", "af-cms"),
    dashboard: f.cp.admin.find("ingressroute.traefik.io", "dask-alice", "af-cms"),
});

test("a CMS user's spawn: the hooks make the session's Secret, Service and route, KubeSpawner the pod in af-cms; stop removes them", async () => {
    const alice = new HubSession(hubUrl, "alice");
    try {
        await alice.login();
        await startServer(alice, "cms-coffea");

        // The pod: CMS namespace, the profile's image and resources, the pool's pod parts, Running.
        const pod = f.cp.admin.find("pod", "jupyter-alice", "af-cms");
        expect(pod.status.phase).toBe("Running");
        const nb = pod.spec.containers[0];
        // The project's notebook image (the profile names none), started as a hub server: KubeSpawner's
        // cmd in args, after the image's entrypoint (tini), as the kubelet double ran it.
        expect(nb.image).toBe(builtImage("notebook"));
        expect(nb.command).toBeUndefined();
        expect(nb.args[0]).toBe("jupyterhub-singleuser");
        expect(f.kubelet.pod("af-cms", "jupyter-alice")!.containers[0].argv.slice(0, 4)).toEqual(["tini", "-g", "--", "jupyterhub-singleuser"]);
        // memoryGiB 2 and memoryLimitGiB 4 of the stack: binary gigabytes, in bytes.
        expect(nb.resources).toEqual({ requests: { cpu: "1", memory: String(2 * 2 ** 30) }, limits: { cpu: "2", memory: String(4 * 2 ** 30) } });
        expect(pod.metadata.labels).toMatchObject({ "hepaf.io/group": "cms", "hepaf.io/dask-user": "alice", "hepaf.io/facility": "af" });
        expect(pod.spec.initContainers.map((c: any) => c.name)).toEqual(["htcondor-tokens"]);
        // The profile's and the pool's parts, and the session's (after the profile's overrides).
        expect(nb.volumeMounts.map((m: any) => m.mountPath)).toEqual(
            expect.arrayContaining(["/home/jovyan", "/etc/hepaf/condor", "/etc/hepaf/dask", "/var/run/hepaf/condor/tokens.d", "/etc/hepaf/dask-tls", "/etc/hepaf/dask-session"]),
        );
        expect(Object.fromEntries(nb.env.map((e: any) => [e.name, e.value]))).toMatchObject({
            HEPAF_GROUP: "cms",
            DASK_GATEWAY__PROXY_ADDRESS: "gateway://af.example.org:8786",
            DASK_CONFIG: "/etc/hepaf/dask-session",
        });
        // The init container really ran (as the user, from the token Secret): its token is there, mode 0600.
        const running = f.kubelet.pod("af-cms", "jupyter-alice")!;
        expect(running.initContainers).toEqual([{ name: "htcondor-tokens", code: 0 }]);
        const ls = f.kubelet.exec(running, "ls-tokens", ["sh", "-c", "stat -c '%a %u %n' /var/run/hepaf/condor/tokens.d/*"]);
        await waitFor("ls of the tokens", () => ls.exited());
        expect(ls.log().trim()).toBe("600 1000 /var/run/hepaf/condor/tokens.d/af-campus");

        // The session objects, made by the hub's hook with the hub's own token.
        const { secret, service, route, dashboard } = sessionObjects();
        expect(secret.type).toBe("kubernetes.io/tls");
        const cmsCa = f.cp.admin.find("configmap", "hepaf-group-ca", "af-cms").data["ca.crt"];
        const cert = b64(secret.data["tls.crt"]);
        expect(opensslVerify(cmsCa, cert, undefined, "sslclient").ok).toBe(true);
        expect(opensslVerify(f.cp.admin.find("configmap", "hepaf-group-ca", "af-opendata").data["ca.crt"], cert).ok).toBe(false);
        expect(opensslText(cert)).toMatch(/DNS:alice\.dask\.af\.example\.org/);
        expect(JSON.parse(b64(secret.data["session.yaml"]))).toEqual({
            jobqueue: { htcondor: { "scheduler-options": { contact_address: "tls://alice.dask.af.example.org:8786" } } },
            distributed: { dashboard: { link: "https://af.example.org/services/dask/sessions/alice/status" } },
        });
        expect(service.spec.selector).toEqual({ "hepaf.io/dask-user": "alice" });
        expect(route.metadata.labels["hepaf.io/traefik"]).toBe("af-edge");
        expect(route.spec).toEqual({
            entryPoints: ["dask"],
            routes: [{ match: "HostSNI(`alice.dask.af.example.org`)", services: [{ name: "dask-alice", port: 8786 }] }],
            tls: { passthrough: true },
        });
        // Its dashboard over HTTPS, behind the access service's sign-in.
        expect(dashboard.spec.routes[0]).toMatchObject({
            match: "Host(`af.example.org`) && PathPrefix(`/services/dask/sessions/alice/`)",
            middlewares: ["hepaf-dask-sign-in", "hepaf-dask-drop-credentials", "hepaf-dask-session-prefix"].map((name) => ({ name, namespace: "af-cms" })),
            services: [{ name: "dask-alice", port: 8787 }],
        });
        // The Service finds the notebook pod (the endpoints controller says so).
        await waitFor("the session Service's endpoint", () => {
            const slices = f.cp.admin.json<{ items: any[] }>(["get", "endpointslices", "-n", "af-cms", "-l", "kubernetes.io/service-name=dask-alice"]).items;
            return slices.some((s) => (s.endpoints ?? []).some((e: any) => e.addresses.includes(pod.status.podIP)));
        });

        await stopServer(alice);
        await waitFor("the notebook pod gone", () => f.cp.admin.find("pod", "jupyter-alice", "af-cms") === undefined, { timeoutMs: 60000 });
        expect(sessionObjects()).toEqual({ secret: undefined, service: undefined, route: undefined, dashboard: undefined });

        // Objects a crashed hub left behind are replaced at the next spawn.
        f.cp.admin.ok(["create", "secret", "generic", "dask-tls-alice", "-n", "af-cms", "--from-literal=tls.crt=stale"]);
        await startServer(alice, "cms-coffea");
        expect(opensslVerify(cmsCa, b64(sessionObjects().secret.data["tls.crt"]), undefined, "sslclient").ok).toBe(true);
        await stopServer(alice);
    } finally {
        await alice.close();
    }
});

test("an open-data user cannot have a CMS profile, and gets no CMS objects", async () => {
    const bob = new HubSession(hubUrl, "bob");
    try {
        await bob.login();
        const start = await bob.api("POST", "/users/bob/server", { profile: "cms-coffea" });
        // Refused at once, or the spawn fails: either way no server and nothing in af-cms.
        if ([201, 202].includes(start.status)) {
            await waitFor("bob's failed spawn to end", async () => (await bob.api("GET", "/users/bob")).body.servers?.[""] === undefined, { timeoutMs: 60000 });
        } else {
            expect(start.status).toBeGreaterThanOrEqual(400);
        }
        expect(hubLog()).toMatch(/No such profile: cms-coffea\. Options include: opendata-default/);
        expect((await bob.api("GET", "/users/bob")).body.servers?.[""]).toBeUndefined();
        expect(f.cp.admin.json<{ items: any[] }>(["get", "pods,services,secrets", "-n", "af-cms", "-l", "hepaf.io/dask-user=bob"]).items).toEqual([]);
    } finally {
        await bob.close();
    }
});

test("the hooks in the hub's container, with its own token: a repeated spawn replaces, a user of no group gets nothing", async () => {
    const hub = f.kubelet.running().find((p) => p.namespace === "af" && p.name.startsWith("af-hub-"))!;
    const run = async (args: Record<string, string>) => {
        const p = f.kubelet.exec(hub, `hooks-${args.action}`, ["python3", path.join(ROOT, "test", "python", "dask_sessions_live.py"), JSON.stringify(args)]);
        const st = await waitFor("the hook driver", () => p.exited(), { timeoutMs: 60000 });
        if (st.code !== 0) throw new Error(`hook driver exited ${st.code}:\n${p.log()}`);
        return JSON.parse(p.log().trim().split("\n").pop()!);
    };
    expect(await run({ user: "dave@example.org", group: "cms", action: "spawn" })).toEqual({ first: "dave-example-org-d907f26339", again: "dave-example-org-d907f26339", nobody: null });
    const route = f.cp.admin.find("ingressroutetcp.traefik.io", "dask-dave-example-org-d907f26339", "af-cms");
    expect(route.spec.routes[0].match).toBe("HostSNI(`dave-example-org-d907f26339.dask.af.example.org`)");
    // dave's three objects exist; the user of no group got nothing anywhere.
    const labelled = (user: string) =>
        f.cp.admin
            .json<{ items: any[] }>(["get", "pods,services,secrets,ingressroutetcps.traefik.io,ingressroutes.traefik.io", "-A", "-l", `hepaf.io/dask-user=${user}`])
            .items.map((o) => `${o.kind}/${o.metadata.namespace}/${o.metadata.name}`)
            .sort();
    expect(labelled("nobody-dave-example-org-a3145e591c")).toEqual([]);
    expect(labelled("dave-example-org-d907f26339")).toEqual([
        "IngressRoute/af-cms/dask-dave-example-org-d907f26339",
        "IngressRouteTCP/af-cms/dask-dave-example-org-d907f26339",
        "Secret/af-cms/dask-tls-dave-example-org-d907f26339",
        "Service/af-cms/dask-dave-example-org-d907f26339",
    ]);
    expect(await run({ user: "dave@example.org", group: "cms", action: "stop" })).toEqual({ stopped: "dave-example-org-d907f26339" });
    expect(f.cp.admin.find("ingressroutetcp.traefik.io", "dask-dave-example-org-d907f26339", "af-cms")).toBeUndefined();
    expect(f.cp.admin.find("ingressroute.traefik.io", "dask-dave-example-org-d907f26339", "af-cms")).toBeUndefined();
    expect(f.cp.admin.find("secret", "dask-tls-dave-example-org-d907f26339", "af-cms")).toBeUndefined();
});

test("the in-cluster pool's HTCondor daemons, whose upstream images cannot be had here, stay Pending with the kubelet's ErrImagePull, naming the image", async () => {
    const daemons = f.objects.filter((o) => o.kind === "Deployment" && /\/htcondor\//.test(o.spec.template.spec.containers[0].image));
    expect(daemons.length).toBeGreaterThan(0);
    for (const d of daemons) {
        const selector = Object.entries<string>(d.spec.selector.matchLabels).map(([k, v]) => `${k}=${v}`).join(",");
        const pod = await waitFor(
            `a pod of ${d.metadata.namespace}/${d.metadata.name} Pending with ErrImagePull`,
            async () => {
                const pods = (await f.api.get(`/api/v1/namespaces/${d.metadata.namespace}/pods?labelSelector=${encodeURIComponent(selector)}`)).items;
                return pods.find((p: any) => p.status.phase === "Pending" && p.status.containerStatuses?.[0]?.state?.waiting?.reason === "ErrImagePull");
            },
            { timeoutMs: 60000, intervalMs: 500 },
        );
        const image = d.spec.template.spec.containers[0].image;
        expect(pod.status.containerStatuses[0].state.waiting.message).toContain(image);
        expect(pod.status.conditions.find((c: any) => c.type === "Ready").status).toBe("False");
        // And it stays so: kwok does not make it Ready again, the double runs nothing of it.
        await new Promise((r) => setTimeout(r, 3000));
        const again = (await f.api.get(`/api/v1/namespaces/${pod.metadata.namespace}/pods/${pod.metadata.name}`)) as any;
        expect(again.status.phase).toBe("Pending");
        expect(f.kubelet.pod(pod.metadata.namespace, pod.metadata.name)).toBeUndefined();
    }
});

test("a stop while the spawn is pending (the pod never starts): the pod and the session's objects are removed, and the next spawn works", async () => {
    const alice = new HubSession(hubUrl, "alice");
    held.add("jupyter-alice");
    try {
        await alice.login();
        await alice.requestServer("cms-coffea");
        await waitFor("alice's pod created and Pending", () => f.cp.admin.find("pod", "jupyter-alice", "af-cms")?.status?.phase === "Pending", { timeoutMs: 60000, intervalMs: 500 });
        expect(sessionObjects().route).toBeDefined();
        expect((await alice.api("GET", "/users/alice")).body.servers[""].pending).toBe("spawn");

        const stop = await alice.api("DELETE", "/users/alice/server");
        const stopStatus = stop.status;
        const gone = await waitFor(
            "alice's pod, session objects and server gone after a stop during the spawn",
            async () => {
                const server = (await alice.api("GET", "/users/alice")).body.servers?.[""];
                const left = { pod: f.cp.admin.find("pod", "jupyter-alice", "af-cms") !== undefined, ...Object.fromEntries(Object.entries(sessionObjects()).map(([k, v]) => [k, v !== undefined])), server: server !== undefined };
                return Object.values(left).some((v) => v) ? false : left;
            },
            { timeoutMs: 90000, intervalMs: 1000 },
        ).catch((err) => {
            const pod = f.cp.admin.find("pod", "jupyter-alice", "af-cms");
            const objects = Object.entries(sessionObjects()).filter(([, v]) => v !== undefined).map(([k]) => k);
            throw new Error(`${(err as Error).message} (DELETE answered ${stopStatus}; pod ${pod ? "left" : "gone"}; objects left: ${JSON.stringify(objects)})\n${hubLog()}`);
        });
        expect(gone).toEqual({ pod: false, secret: false, service: false, route: false, dashboard: false, server: false });
        expect([202, 204]).toContain(stopStatus);

        // The hub is not left thinking the spawn is pending: the next one runs and stops as usual.
        held.delete("jupyter-alice");
        f.kubelet.skipped.delete("af-cms/jupyter-alice");
        await startServer(alice, "cms-coffea");
        await stopServer(alice);
        await waitFor("the notebook pod gone", () => f.cp.admin.find("pod", "jupyter-alice", "af-cms") === undefined, { timeoutMs: 60000 });
        expect(sessionObjects()).toEqual({ secret: undefined, service: undefined, route: undefined, dashboard: undefined });
    } finally {
        held.delete("jupyter-alice");
        f.kubelet.skipped.delete("af-cms/jupyter-alice");
        await alice.close();
    }
});
