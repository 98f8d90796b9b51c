/**
 * Interactive on batch resources, with the real software and no cluster: a CMS session's
 * HTCondor cluster (hepaf_dask, dask-jobqueue, distributed) with its dedicated worker, adapting
 * under a queue of tasks within the group's limits, its jobs run by the named HTCondor doubles
 * (test/python/doubles/htcondor: condor_submit/condor_q/condor_rm and a schedd double that runs
 * each job as a local process); and a container-universe job on bridge networking, whose worker
 * advertises the port HTCondor mapped (the double publishes it as Docker's bridge would).
 * The session scheduler's dashboard /metrics counts the batch jobs (pending until a job's
 * worker connects, then running).
 *
 * What differs from a pod, and why: the group's files are rendered as they are, then the test
 * points their absolute pod paths (TLS files, token directory) at its own directory and puts the
 * scheduler on a free loopback port (the pod's 8786 is shared on this machine); there is no
 * front door in this tier, so the contact address is the scheduler's own address (the live tier
 * goes through Traefik by SNI).
 */
import { execFileSync, spawnSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as net from "net";
import * as os from "os";
import * as path from "path";
import { stringify } from "yaml";
import { containerPortDirectives, mintToken, planNotebookDask, planPool, renderDaskTlsYaml, renderJobqueueYaml, SUBMIT_SCOPES } from "../../components";
import { builtImage, DASK_VERSIONS } from "../../components/images";
import { opensslIssue, opensslMakeCa } from "../helpers/openssl";

const root = path.join(__dirname, "..", "..");
const python = execFileSync("bash", [path.join(root, "scripts", "python-env.sh")], { encoding: "utf8" }).trim();
const venvBin = path.dirname(python);
const doubles = path.join(root, "test", "python", "doubles", "htcondor");
const runPy = (script: string, arg: object, timeout = 480000) =>
    JSON.parse(execFileSync(python, [path.join(root, "test", "python", script), JSON.stringify(arg)], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout }));

/** A port nobody listens on now. */
function freePort(): Promise<number> {
    return new Promise((resolve, reject) => {
        const s = net.createServer().listen(0, "127.0.0.1", () => {
            const port = (s.address() as net.AddressInfo).port;
            s.close(() => resolve(port));
        });
        s.on("error", reject);
    });
}

const keyFile = crypto.randomBytes(64);
const trustDomain = "example.edu";

/** The group's files as the pod has them, moved under `dir` (see the header), for a worker of `worker`. */
async function groupFiles(dir: string, worker: object, notebook: Parameters<typeof planNotebookDask>[0], containerPort?: number) {
    const plan = planPool("campus", {
        mode: "external", facility: "af", collector: "cm.example.edu", schedd: { host: "ap.example.edu" }, trustDomain,
        tokens: { source: "provided" }, groups: [{ name: "cms", accountingGroup: "group_cms", token: "unused", worker }],
    });
    const g = plan.groups[0];
    const ca = opensslMakeCa("af cms CA");
    const user = opensslIssue(ca, "alice.dask.af.example.edu");
    for (const sub of ["dask", "session", "tls", "tokens"]) fs.mkdirSync(path.join(dir, sub), { recursive: true });
    fs.writeFileSync(path.join(dir, "tls", "ca.crt"), ca.certPem);
    fs.writeFileSync(path.join(dir, "tls", "tls.crt"), user.certPem);
    fs.writeFileSync(path.join(dir, "tls", "tls.key"), user.keyPem, { mode: 0o600 });
    // As the init container installs it: mode 0600, the notebook user's.
    const token = mintToken(keyFile, "POOL", { subject: `cms@${trustDomain}`, issuer: trustDomain, scopes: SUBMIT_SCOPES, id: crypto.randomUUID(), issuedAt: Math.floor(Date.now() / 1000) });
    fs.writeFileSync(path.join(dir, "tokens", "campus"), token, { mode: 0o600 });
    fs.writeFileSync(path.join(dir, "condor_config"), `${g.condorConfig}SEC_TOKEN_DIRECTORY = ${path.join(dir, "tokens")}\n`);
    fs.writeFileSync(path.join(dir, "dask", "jobqueue.yaml"), renderJobqueueYaml(g.jobqueue));
    fs.writeFileSync(path.join(dir, "dask", "tls.yaml"), renderDaskTlsYaml());
    const port = await freePort();
    const tls = (f: string) => path.join(dir, "tls", f);
    const inputs = g.jobqueue["job-extra-directives"].transfer_input_files.split(",").map((p) =>
        p.startsWith("/etc/hepaf/dask-tls/") ? tls(path.basename(p)) : p.startsWith("/etc/hepaf/condor-job/") ? path.join(root, "components", "htcondor", path.basename(p)) : p);
    fs.writeFileSync(path.join(dir, "session", "session.yaml"), stringify({
        jobqueue: { htcondor: {
            "scheduler-options": { host: "127.0.0.1", port, dashboard: false, contact_address: `tls://127.0.0.1:${port}` },
            "job-extra-directives": { transfer_input_files: inputs.join(","), ...(containerPort ? { dask_container_port: String(containerPort) } : {}) },
        } },
        distributed: { comm: { tls: { "ca-file": tls("ca.crt"), ...Object.fromEntries(["scheduler", "worker", "client"].map((r) => [r, { cert: tls("tls.crt"), key: tls("tls.key") }])) } } },
    }));
    fs.writeFileSync(path.join(dir, "hepaf_dask.json"), JSON.stringify(planNotebookDask(notebook, "cms.dask")));
    const other = opensslIssue(opensslMakeCa("af opendata CA"), "bob.dask.af.example.edu");
    fs.writeFileSync(path.join(dir, "other.crt"), other.certPem);
    fs.writeFileSync(path.join(dir, "other.key"), other.keyPem, { mode: 0o600 });
    return { scheddName: plan.scheddName, jobqueue: g.jobqueue, other: { cert: path.join(dir, "other.crt"), key: path.join(dir, "other.key") } };
}

describe("a CMS session's HTCondor cluster under a queue of tasks", () => {
    let dir: string;
    let seen: any;
    const limit = 3;
    const idleSeconds = 3;
    beforeAll(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-adaptive-"));
        const files = await groupFiles(dir, {}, {
            group: "cms", kind: "htcondor", adaptive: { maximum: limit, idleSeconds, intervalSeconds: 0.5 }, dedicatedWorker: { cores: 1, memoryGiB: 1 },
        });
        seen = runPy("adaptive_session_check.py", {
            dir, module: path.join(root, "components", "notebook-dask"), doubles, venvBin, poolKeyFile: keyFile.toString("base64"), trustDomain,
            scheddName: files.scheddName, tasks: 40, taskSeconds: 1, burst: 5, otherGroup: files.other,
        });
        // The measurements this issue asks for (also in the test's output).
        console.log(`adaptive HTCondor session: dedicated worker joined ${seen.dedicatedJoinedSeconds.toFixed(2)} s after the cluster was made; `
            + `first batch worker ${seen.firstBatchWorkerSeconds.toFixed(2)} s after adapt; 40 tasks of 1 s in ${seen.computation.seconds.toFixed(1)} s on up to ${seen.maxBatchWorkers} batch workers; `
            + `back to the minimum ${seen.scaleDownSeconds.toFixed(2)} s after the batch workers' last task (idle time ${idleSeconds} s); `
            + `${seen.submits} condor_submit calls for the adaptive run (${seen.removed} jobs left by condor_rm, the rest by their own end); a burst of ${seen.burst.asked} asked: ${seen.burst.submits} submit calls, ${seen.burst.workers} workers, all joined in ${seen.burst.allJoinedSeconds.toFixed(2)} s`);
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    test("the helper makes the group's kind of cluster, and the dedicated worker computes before any batch job runs", () => {
        expect(seen.kind).toBe("HTCondorSessionCluster");
        expect(seen.beforeBatch).toEqual({ result: 45, workers: true, jobs: 0 });
    });

    test("a larger maximum is clipped to the group's limit with a clear warning; the idle time sets the scale-down wait", () => {
        expect(seen.clipWarnings).toEqual([`adapt(maximum=50) is above group cms's limit of ${limit} workers per user: using maximum=${limit}`]);
        expect(seen.adaptive).toEqual({ minimum: 0, maximum: limit, waitCount: 7, interval: 0.5 });
    });

    test("adaptive scaling submits jobs up to the limit and never beyond, and the result is right", () => {
        expect(seen.computation.right).toBe(true);
        expect(seen.maxBatchWorkers).toBe(limit);
        expect(seen.maxJobsInQueue).toBeLessThanOrEqual(limit);
        expect(seen.submits).toBeGreaterThanOrEqual(limit);
        // The dedicated worker took part and stayed.
        expect(seen.dedicatedStayedDuringWork).toBe(true);
        expect(seen.workersThatRan).toContain(seen.afterScaleDown.dedicated);
    });

    test("each job is the worker dask-jobqueue wrote: its TLS files and the launcher transferred, dialing the session's contact address", () => {
        expect(seen.inputs).toEqual([["ca.crt", "hepaf_batch_worker.py", "tls.crt", "tls.key"]]);
        expect(seen.jobArgv.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
        expect(seen.jobArgv[2]).toMatch(/^python3 -m hepaf_batch_worker tls:\/\/127\.0\.0\.1:\d+ --name \S+ --nthreads 1 --memory-limit 4\.00GiB --death-timeout 60 --protocol tls --tls-ca-file ca\.crt --tls-cert tls\.crt --tls-key tls\.key$/);
    });

    test("when the tasks finish, the jobs are removed back to the minimum after the idle time; the dedicated worker stays", () => {
        expect(seen.afterScaleDown.workers).toEqual([seen.afterScaleDown.dedicated]);
        expect(seen.afterScaleDown.jobs).toBe(0);
        expect(seen.scaleDownSeconds).toBeGreaterThanOrEqual(idleSeconds);
        expect(seen.left).toBe(seen.submits);
    });

    test("a burst of N workers is N submit calls, clipped to the limit with a warning", () => {
        expect(seen.burstWarnings).toEqual([`scale(5) is above group cms's limit of ${limit} workers per user: using n=${limit}`]);
        expect(seen.burst).toMatchObject({ asked: 5, workers: limit, submits: limit });
    });

    test("a user of another group cannot reach this scheduler: its certificate is refused", () => {
        expect(seen.otherGroup.connected).toBe(false);
        expect(seen.otherGroup.error).toMatch(/TLS|SSL|certificate|closed|Timed out|OSError/i);
    });

    test("closing the session removes every job", () => {
        expect(seen.afterClose).toEqual({ jobs: 0 });
    });
});

describe("a worker job per universe: how the session reaches it", () => {
    const run = async (worker: object, containerPort?: number) => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-universe-"));
        try {
            const files = await groupFiles(dir, worker, { group: "cms", kind: "htcondor" }, containerPort);
            return { seen: runPy("batch_worker_check.py", { dir, doubles, venvBin, poolKeyFile: keyFile.toString("base64"), trustDomain, scheddName: files.scheddName }), rendered: files.jobqueue };
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    };

    test("container universe on bridge networking: the job asks for the port mapping, the worker advertises the node's address and the mapped port", async () => {
        // The double runs the "container" on this machine's loopback, so its port inside is moved to a free one (a real container has its own).
        const inside = await freePort();
        const { seen, rendered } = await run({ image: "example/coffea:2026.10" }, inside);
        expect(rendered["job-extra-directives"]).toMatchObject({ universe: "container", container_service_names: "dask", dask_container_port: "8786" });
        expect(seen.submit).toMatchObject({ universe: "container", container_image: "example/coffea:2026.10", container_service_names: "dask", dask_container_port: String(inside) });
        expect(seen.inputs).toEqual(["ca.crt", "hepaf_batch_worker.py", "tls.crt", "tls.key"]);
        expect(seen.argv[2]).toMatch(/^python3 -m hepaf_batch_worker tls:\/\/127\.0\.0\.1:\d+ --name \S+ /);
        expect(seen.hostPorts).toHaveLength(1);
        const mapped = seen.hostPorts[0];
        expect(mapped).not.toBe(inside);
        // What the launcher ran, and what the scheduler and the client reached: the node's address and the mapped port.
        expect(seen.jobLog).toContain(`--listen-address tls://0.0.0.0:${inside} --contact-address tls://127.0.0.1:${mapped} --no-nanny`);
        expect(seen.workerAddresses).toEqual([`tls://127.0.0.1:${mapped}`]);
        // client.run reached the worker at its advertised address; the worker itself listens on the port inside.
        expect(seen.run).toEqual({ [`tls://127.0.0.1:${mapped}`]: `tls://127.0.0.1:${inside}` });
        expect(seen.result).toBe(4950);
    });

    test("container universe without an image: the job asks for the facility's worker image, and its worker is reached at the mapped port", async () => {
        const inside = await freePort();
        const { seen, rendered } = await run({ universe: "container" }, inside);
        expect(rendered["job-extra-directives"]).toMatchObject({ universe: "container", container_image: builtImage("worker"), ...containerPortDirectives() });
        // As the real bindings parsed what dask-jobqueue wrote.
        expect(seen.submit).toMatchObject({ universe: "container", container_image: builtImage("worker"), container_service_names: "dask", dask_container_port: String(inside) });
        expect(seen.hostPorts).toHaveLength(1);
        expect(seen.workerAddresses).toEqual([`tls://127.0.0.1:${seen.hostPorts[0]}`]);
        expect(seen.result).toBe(4950);
    });

    test("vanilla universe: no mapping asked, the worker listens on the node and advertises its own address", async () => {
        const { seen } = await run({});
        expect(seen.submit.universe).toBeUndefined();
        expect(seen.submit.container_service_names).toBeUndefined();
        expect(seen.inputs).toEqual(["ca.crt", "hepaf_batch_worker.py", "tls.crt", "tls.key"]);
        expect(seen.argv[2]).toMatch(/^python3 -m hepaf_batch_worker tls:\/\/127\.0\.0\.1:\d+ /);
        // The launcher checked the worker's Dask (this venv's, the facility's) and ran dask worker with the job's arguments as they are.
        expect(seen.jobLog).toMatch(/hepaf_batch_worker: -m distributed\.cli\.dask_worker tls:\/\/127\.0\.0\.1:\d+ --name \S+ .*--tls-key tls\.key\n/);
        expect(seen.hostPorts).toEqual([]);
        expect(seen.workerAddresses).toHaveLength(1);
        expect(Object.keys(seen.run)).toEqual(seen.workerAddresses);
        expect(Object.values(seen.run)).toEqual(seen.workerAddresses);
        expect(seen.result).toBe(4950);
    });
});

describe("a batch worker checks its Dask before it joins", () => {
    const run = async (worker: object, containerPort?: number) => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-versions-"));
        try {
            const files = await groupFiles(dir, worker, { group: "cms", kind: "htcondor" }, containerPort);
            return runPy("batch_worker_version_check.py", { dir, doubles, venvBin, poolKeyFile: keyFile.toString("base64"), trustDomain, scheddName: files.scheddName }, 180000);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    };
    // This venv has the facility's Dask (DASK_VERSIONS); the expectation rendered for the job differs from it.
    const p = DASK_VERSIONS.packages;
    const other = { python: "3.13", packages: { ...DASK_VERSIONS.packages, distributed: "2026.3.0", tornado: "6.5.2" } };
    const message = `hepaf_batch_worker: this worker's Dask differs from the facility's: Python ${DASK_VERSIONS.python} here, 3.13 expected; `
        + `distributed ${DASK_VERSIONS.packages.distributed} here, 2026.3.0 expected; tornado ${DASK_VERSIONS.packages.tornado} here, 6.5.2 expected. `
        + "The session's client and scheduler run the facility's versions, and Dask needs client, scheduler and workers to agree, so a computation on this worker may fail: it does not start. "
        + `Run the job in the facility's worker image, or with Python 3.13 and: pip install cloudpickle==${DASK_VERSIONS.packages.cloudpickle} dask==${DASK_VERSIONS.packages.dask} `
        + `distributed==2026.3.0 msgpack==${DASK_VERSIONS.packages.msgpack} toolz==${DASK_VERSIONS.packages.toolz} tornado==6.5.2\n`;

    test("vanilla universe, another Dask expected: the job exits 1 with each difference on stderr, and never connects to its scheduler", async () => {
        const seen = await run({ daskVersions: other });
        expect(seen.argv[2]).toMatch(/^python3 -m hepaf_batch_worker tls:\/\/127\.0\.0\.1:\d+ /);
        expect(seen.exitCode).toBe(1);
        // Its whole output: the message, no worker started.
        expect(seen.log).toBe(message);
        expect(seen).toMatchObject({ connections: 0, registrations: 0, workers: [] });
    });

    test("container universe on bridge networking, another Dask expected: the same, before it waits for its mapped port", async () => {
        const seen = await run({ image: "example/coffea:2026.10", daskVersions: other }, await freePort());
        expect(seen.exitCode).toBe(1);
        expect(seen.log).toBe(message);
        expect(seen).toMatchObject({ connections: 0, registrations: 0, workers: [] });
    });

    test("a Python without Dask at all (this venv's, without its site-packages): each package named as not installed, exit 1", () => {
        const env = { PATH: process.env.PATH ?? "", HEPAF_BATCH_WORKER: JSON.stringify({ advertise: "node", dask: DASK_VERSIONS }) };
        const r = spawnSync(python, ["-S", "-m", "hepaf_batch_worker", "tls://127.0.0.1:1", "--name", "w"], { cwd: path.join(root, "components", "htcondor"), env, encoding: "utf8", timeout: 60000 });
        expect(r.status).toBe(1);
        expect(r.stdout).toBe("");
        expect(r.stderr).toMatch(new RegExp(`^hepaf_batch_worker: this worker's Dask differs from the facility's: cloudpickle not installed here, ${p.cloudpickle.replace(/\./g, "\\.")} expected; dask not installed here, `));
    });

    test("the facility's Dask expected (the default): the same job starts its worker, which registers with the scheduler", async () => {
        const seen = await run({});
        expect(seen.exitCode).toBeNull();
        expect(seen.registrations).toBeGreaterThanOrEqual(1);
        expect(seen.connections).toBeGreaterThanOrEqual(1);
        expect(seen.workers).toHaveLength(1);
        expect(seen.log).not.toContain("differs");
    });
});

test("the launcher advertises the node's address and the mapped port; without a mapping, the container port after its wait", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-launcher-"));
    try {
        const seen = runPy("batch_worker_launcher_check.py", { module: path.join(root, "components", "htcondor"), dir }, 60000);
        const base = ["-m", "distributed.cli.dask_worker", "tls://alice.dask.af.example.org:8786", "--name", "w-1", "--protocol", "tls", "--listen-address", "tls://0.0.0.0:8786"];
        expect(seen.mapped).toEqual([...base, "--contact-address", "tls://192.0.2.7:32771", "--no-nanny"]);
        expect(seen.unmapped).toEqual([...base, "--contact-address", "tls://192.0.2.7:8786", "--no-nanny"]);
        expect(seen.byMachineName).toEqual([...base, "--contact-address", "tls://node8.example.edu:32771", "--no-nanny"]);
        expect(seen.withoutMapping).toBe("hepaf_batch_worker: the job ad has no dask_ContainerPort (submit with container_service_names = dask)");
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});

describe("a session's batch job metrics, on its scheduler's dashboard /metrics", () => {
    let dir: string;
    let seen: any;
    beforeAll(async () => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-batch-metrics-"));
        const files = await groupFiles(dir, {}, { group: "cms", kind: "htcondor", adaptive: { maximum: 2 }, dedicatedWorker: { cores: 1, memoryGiB: 1 } });
        seen = runPy("batch_metrics_check.py", {
            dir, module: path.join(root, "components", "notebook-dask"), doubles, venvBin, poolKeyFile: keyFile.toString("base64"), trustDomain, scheddName: files.scheddName,
        }, 300000);
        console.log(`hepaf_batch_* with a job pending: ${JSON.stringify(seen.steps.find((x: any) => x.step === "pending").samples)}`);
        console.log(`hepaf_batch_* on the session scheduler's /metrics (a job running):\n${(seen.text as string).split("\n").filter((l) => l.startsWith("hepaf_batch")).join("\n")}`);
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
    type Sample = [string, Record<string, string>, number];
    const at = (step: string) => seen.steps.find((s: any) => s.step === step);
    const jobs = (step: string, state: string) => (at(step).samples as Sample[]).find(([n, l]) => n === "hepaf_batch_jobs" && l.group === undefined && l.state === state)?.[2];
    const oldest = (step: string) => (at(step).samples as Sample[]).find(([n, l]) => n === "hepaf_batch_job_pending_oldest_seconds" && Object.keys(l).length === 0)?.[2];

    test("a cluster without jobs: 0 pending, 0 running, oldest 0 (the dedicated worker, connected, is no batch job)", () => {
        expect(at("made").workers).toHaveLength(1);
        expect([jobs("made", "pending"), jobs("made", "running"), oldest("made")]).toEqual([0, 0, 0]);
    });

    test("a job submitted whose worker never connects: pending, its age growing with the time since it was submitted", () => {
        expect(at("pending").jobs).toBe(1);
        expect([jobs("pending", "pending"), jobs("pending", "running")]).toEqual([1, 0]);
        expect(oldest("pending")).toBeGreaterThan(1.5);
        expect(oldest("pending")).toBeLessThanOrEqual(at("pending").sinceSubmit);
        expect(oldest("pending later")! - oldest("pending")!).toBeGreaterThan(0.8);
        expect(jobs("pending later", "pending")).toBe(1);
    });

    test("a job whose worker connects: running, nothing pending; scaled to 0, no jobs; one collector for the process", () => {
        expect(at("running").workers).toHaveLength(2);
        expect([jobs("running", "pending"), jobs("running", "running"), oldest("running")]).toEqual([0, 1, 0]);
        expect([jobs("scaled to 0", "pending"), jobs("scaled to 0", "running")]).toEqual([0, 0]);
        expect(seen.collectors).toBe(1);
        // Only the live cluster's series: the closed one's are gone (one series per state; the group is the scrape's label).
        expect((at("running").samples as Sample[]).filter(([n]) => n === "hepaf_batch_jobs")).toHaveLength(2);
    });
});
