/**
 * The hub for real: JupyterHub, configurable-http-proxy and KubeSpawner run from the dev
 * stack's own objects (the kubelet double runs the hub and proxy pods with their ConfigMaps,
 * Secrets and ServiceAccount token), users log in, and a CMS user's spawn goes through the
 * hub's hooks and KubeSpawner to a notebook pod in the CMS namespace, with RBAC enforced.
 */
import { deploymentLogs, LiveFacility, startFacility, waitDeploymentRunning } from "./harness/facility";
import { HubSession } from "./harness/hub-client";
import { waitFor } from "./harness/processes";

jest.setTimeout(15 * 60 * 1000);

let f: LiveFacility;
const hubUrl = () => "http://af-proxy-public.af.svc.cluster.local:8000";

beforeAll(async () => {
    f = await startFacility("dev", { run: (pod) => !/traefik|dask-gateway/.test(pod.spec.containers[0].image) });
    try {
        await waitDeploymentRunning(f, "af", "af-hub");
        await waitDeploymentRunning(f, "af", "af-proxy");
        await waitFor("the hub's /hub/health through the proxy", async () => (await fetch(`${hubUrl()}/hub/health`)).status === 200, { timeoutMs: 120000, intervalMs: 500 });
    } catch (err) {
        throw new Error(`${(err as Error).message}\n${deploymentLogs(f, "af", "af-hub")}\n${deploymentLogs(f, "af", "af-proxy")}`);
    }
});
afterAll(async () => {
    await f?.stop();
});

test("a CMS user's spawn: hooks make the session objects, KubeSpawner the pod in af-cms, stop removes them", async () => {
    const alice = new HubSession(hubUrl(), "alice");
    try {
        await alice.login();
        const start = await alice.api("POST", "/users/alice/server", { profile: "cms-coffea" });
        if (![201, 202].includes(start.status)) throw new Error(`spawn: HTTP ${start.status} ${JSON.stringify(start.body)}\n${deploymentLogs(f, "af", "af-hub").slice(-5000)}`);
        const ready = await waitFor(
            "alice's server ready",
            async () => {
                const u = await alice.api("GET", "/users/alice");
                return u.body.servers?.[""]?.ready ? u.body.servers[""] : undefined;
            },
            { timeoutMs: 180000, intervalMs: 1000 },
        ).catch((err) => {
            throw new Error(`${err.message}\n${deploymentLogs(f, "af", "af-hub").slice(-6000)}`);
        });
        expect(ready.ready).toBe(true);
    } finally {
        await alice.close();
    }
});
