/**
 * Interactive on batch resources, live: through the real hub, a CMS user's notebook pod gets
 * the group's Dask from the rendered config alone (dask-labextension's factory settings and
 * `hepaf_dask.cluster()`): an HTCondor session cluster whose dedicated worker runs in the pod,
 * adapting under a queue of tasks. Its jobs go through the named HTCondor doubles
 * (test/python/doubles/htcondor, put on the notebook's PATH for this test only): condor_submit
 * in the pod sends each job to the schedd double, which runs it on the "batch node", outside
 * the pod in the tier's own namespace, as a local process; the worker comes back through real
 * Traefik by SNI to tls://alice.dask.af.example.org:8786.
 */
import * as path from "path";
import { deploymentLogs, LiveFacility, spawnServer, startFacility, waitDeploymentRunning, waitFrontDoor } from "./harness/facility";
import { HubSession } from "./harness/hub-client";
import { jsonLine, Proc, waitFor } from "./harness/processes";
import { HTCONDOR_DOUBLES, ScheddDouble, startScheddDouble } from "./harness/sessions";
import { ROOT } from "./harness/tools";
import { builtImage, DASK_VERSIONS } from "../../components/images";

/** Every side of a session's Dask (client, scheduler, each worker) runs the facility's one Dask. */
function expectOneDask(versions: { client: any; scheduler: any; workers: Record<string, any> }): void {
    const sides = { client: versions.client, scheduler: versions.scheduler, ...versions.workers };
    for (const [who, v] of Object.entries<any>(sides)) {
        expect({ who, python: v.python.split(".").slice(0, 2).join(".") }).toEqual({ who, python: DASK_VERSIONS.python });
        for (const [p, want] of Object.entries(DASK_VERSIONS.packages)) expect({ who, [p]: v.packages[p] }).toEqual({ who, [p]: want });
    }
}

jest.setTimeout(20 * 60 * 1000);

let f: LiveFacility;
let rootCa: string;
let schedd: ScheddDouble;
const py = (name: string) => path.join(ROOT, "test", "python", "live", name);


beforeAll(async () => {
    // CMS sessions run on HTCondor; open data's on its gateway.
    f = await startFacility("dev", { names: ["alice.dask.af.example.org"], run: (pod) => pod.metadata.namespace !== "af-cms" || !/dask-gateway/.test(pod.spec.containers[0].image) });
    try {
        for (const [ns, name] of [["af", "af-hub"], ["af", "af-proxy"], ["af-opendata", "dask-gateway-api"], ["af-opendata", "dask-gateway-controller"]]) {
            await waitDeploymentRunning(f, ns, name);
        }
        await waitFrontDoor(f);
    } catch (err) {
        throw new Error(`${(err as Error).message}\n${deploymentLogs(f, "af-opendata", "dask-gateway-api")}`);
    }
    rootCa = f.cp.admin.find("configmap", "hepaf-root-ca", "af").data["ca.crt"];
    // The pool's access point: it accepts the token the facility issued to CMS, and runs each job.
    schedd = await startScheddDouble(f);
});
const hubs: { user: string; hub: HubSession }[] = [];
afterAll(async () => {
    // Servers are stopped at the end, not between tests: the pod-network double would hand the
    // next pod the stopped one's address at once.
    for (const { user, hub } of hubs) {
        await hub.api("DELETE", `/users/${user}/server`).catch(() => undefined);
        await hub.close();
    }
    await schedd?.proc.stop(10000);
    await f?.stop();
});

/** Logs in, spawns `user`'s server with `profile` and runs the session script in its notebook pod. */
async function session(user: string, group: string, profile: string, args: object): Promise<{ hub: HubSession; proc: Proc }> {
    const hub = new HubSession("https://af.example.org", user, { ca: rootCa });
    hubs.push({ user, hub });
    await hub.login();
    const pod = (await spawnServer(f, hub, group, profile))!;
    const env = pod.containers[0].env;
    // Test-only: the HTCondor tool doubles first on PATH and where their schedd is; the facility root trusted for HTTPS.
    const proc = f.kubelet.exec(pod, `${user}-session`, ["python3", py("interactive_session.py"), JSON.stringify({ ...args, caPem: rootCa })], {
        env: { PATH: `${HTCONDOR_DOUBLES}:${env.PATH}`, HEPAF_SCHEDD_DOUBLE: schedd.address },
    });
    return { hub, proc };
}

const events = () => schedd.events();

test("a CMS session: the labextension's factory and the helper make the HTCondor cluster with its dedicated worker; batch workers adapt to the work through the front door and go after it", async () => {
    const { hub, proc } = await session("alice", "cms", "cms-coffea", { tasks: 24, taskSeconds: 1 });
    try {
        const got = (key: string, timeoutMs: number) =>
            waitFor(`the session's ${key}`, () => jsonLine(proc, key), { watch: [proc], timeoutMs }).catch((err) => {
                throw new Error(`${err.message}\n${proc.log().slice(-4000)}\n${schedd.proc.log().slice(-2000)}`);
            });
        const factory = (await got("factory", 180000)).factory;
        // From the pod's settings alone: the module mounted on PYTHONPATH, the class of CMS's kind, adaptive within its limits.
        expect(factory).toMatchObject({ module: "hepaf_dask", class: "HTCondorSessionCluster", kwargs: { adapt: true }, file: "/etc/hepaf/python/hepaf_dask.py" });
        expect(factory.adaptive).toEqual({ minimum: 0, maximum: 4 });
        expect(factory.dedicated).toHaveLength(1);
        expect(factory.dedicated[0]).toMatch(/-dedicated$/);

        const helper = (await got("helper", 180000)).helper;
        expect(helper.class).toBe("HTCondorSessionCluster");
        expect(helper.warnings).toEqual(["adapt(maximum=1000) is above group cms's limit of 4 workers per user: using maximum=4"]);
        expect(helper.workers).toEqual([helper.dedicated]);
        expect(helper.contact).toBe("tls://alice.dask.af.example.org:8786");

        const done = await got("computed", 480000);
        expect(done.computed.right).toBe(true);
        // distributed's own check passed with the dedicated worker (the notebook image) and the
        // batch workers (container jobs in the worker image) joined; each runs the facility's Dask.
        expectOneDask(done.computed.versions);
        expect(Object.keys(done.computed.versions.workers).filter((n) => /-dedicated$/.test(n))).toHaveLength(1);
        expect(done.adapted.maxBatchWorkers).toBeGreaterThanOrEqual(1);
        expect(done.adapted.maxBatchWorkers).toBeLessThanOrEqual(4);
        const down = (await got("scaledDown", 240000)).scaledDown;
        // The dedicated worker took part and stays; every batch job was removed.
        expect(down.workers).toEqual([helper.dedicated]);
        // Removed only after the group's idle time, counted from each batch worker's last task.
        expect(down.idleSeconds).toBe(10);
        expect(down.seconds).toBeGreaterThanOrEqual(down.idleSeconds);
        expect(down.ranOn).toContain(helper.dedicated);
        const submits = events().filter((e) => e.event === "submit");
        expect(submits.length).toBeGreaterThanOrEqual(1);
        expect(submits.length).toBeLessThanOrEqual(4);
        // Every job leaves the queue: its worker, retired by the scheduler, ends it (condor_rm then finds it gone), or condor_rm stops it.
        const left = () => {
            const gone = new Set(events().filter((e) => e.event === "rm" || e.event === "exit").map((e) => e.id));
            return submits.filter((e) => !gone.has(e.id));
        };
        await waitFor("every job to leave the queue", () => left().length === 0, { timeoutMs: 60000 });
        const ev = events();
        // Each job ran outside the pod, dialing the session's name at the one Dask port.
        for (const s of ev.filter((e) => e.event === "start")) {
            expect(s.argv[2]).toMatch(/^python3 -m hepaf_batch_worker tls:\/\/alice\.dask\.af\.example\.org:8786 /);
            // In the project's worker image, run from its own root.
            expect({ image: s.image, inImage: s.inImage }).toEqual({ image: builtImage("worker"), inImage: true });
        }
        console.log(`live CMS session: first batch worker ${done.adapted.firstBatchWorkerSeconds.toFixed(1)} s after adapt (through Traefik), `
            + `${done.adapted.maxBatchWorkers} batch workers at most, ${submits.length} condor_submit calls, 24 tasks of 1 s in ${done.computed.seconds.toFixed(1)} s, `
            + `back to the dedicated worker alone ${down.seconds.toFixed(1)} s after the batch workers' last task (idle time ${down.idleSeconds} s)`);
        await waitFor("the session to close", () => jsonLine(proc, "closed"), { watch: [proc], timeoutMs: 120000 });
    } finally {
        void hub;
    }
});

test("an open-data session: the factory and the helper make a cluster on the group's gateway with the notebook's own token, and it computes", async () => {
    const { proc } = await session("bob", "opendata", "opendata-default", { tasks: 8, taskSeconds: 0.2 });
    const got = (key: string, timeoutMs: number) =>
        waitFor(`bob's session's ${key}`, () => jsonLine(proc, key), { watch: [proc], timeoutMs }).catch((err) => {
            throw new Error(`${err.message}\n${proc.log().slice(-4000)}\n${deploymentLogs(f, "af-opendata", "dask-gateway-api").slice(-3000)}`);
        });
    const factory = (await got("factory", 240000)).factory;
    expect(factory).toMatchObject({ module: "hepaf_dask", class: "GatewaySessionCluster", kwargs: { adapt: true } });
    expect(factory.name).toMatch(/^af-opendata\.[0-9a-f]{32}$/);
    const helper = (await got("helper", 240000)).helper;
    expect(helper.class).toBe("GatewaySessionCluster");
    const done = (await got("computed", 300000)).computed;
    expect(done.right).toBe(true);
    // The gateway cluster's scheduler and workers (the worker image) and the notebook (the notebook image): one Dask.
    expectOneDask(done.versions);
    expect(Object.keys(done.versions.workers).length).toBeGreaterThanOrEqual(1);
    await waitFor("bob's session to close", () => jsonLine(proc, "closed"), { watch: [proc], timeoutMs: 120000 });
});
