/**
 * Real Traefik at the front door: the facility's Traefik pods run (kubelet double) with exactly
 * the static config the component renders, read their routes from the API server with their own
 * ServiceAccount token, and carry HTTPS to the hub and every Dask connection, by SNI and still
 * encrypted, through the one Dask port.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as tls from "tls";
import { Agent, fetch as undiciFetch } from "undici";
import { deploymentLogs, LiveFacility, spawnServer, startFacility, waitDeploymentRunning, waitFrontDoor } from "./harness/facility";
import { HubSession } from "./harness/hub-client";
import { RunningPod } from "./harness/kubelet-double";
import { jsonLines, Proc, startProcess, waitFor } from "./harness/processes";
import { ROOT } from "./harness/tools";
import { builtImage } from "../../components/images";

jest.setTimeout(15 * 60 * 1000);

let f: LiveFacility;
let rootCa: string;

beforeAll(async () => {
    // The site's DNS has a wildcard *.dask.<domain> for the load balancer; the hosts file lists the names used.
    const names = ["alice", "bob", "mallory"].map((u) => `${u}.dask.af.example.org`);
    f = await startFacility("dev", { names, run: (pod) => !/dask-gateway/.test(pod.spec.containers[0].image) });
    try {
        await waitDeploymentRunning(f, "af", "af-hub");
        await waitDeploymentRunning(f, "af", "af-proxy");
        await waitFrontDoor(f);
    } catch (err) {
        throw new Error(`${(err as Error).message}\n${deploymentLogs(f, "af", "af-edge")}`);
    }
    rootCa = f.cp.admin.find("configmap", "hepaf-root-ca", "af").data["ca.crt"];
});
afterAll(async () => {
    await f?.stop();
});

/** Traefik's log lines (JSON) at a level. */
const traefikLines = (level: string) =>
    f.kubelet
        .running()
        .filter((p) => p.name.startsWith("af-edge-"))
        .flatMap((p) => p.containers[0].proc.log().split("\n"))
        .filter((l) => l.trim())
        .map((l) => {
            try {
                return JSON.parse(l);
            } catch {
                return { level: "unparsed", message: l };
            }
        })
        .filter((e) => e.level === level);

test("HTTPS for the hub through the websecure entrypoint, with the facility's certificate; HTTP redirects", async () => {
    const dispatcher = new Agent({ connect: { ca: rootCa } });
    try {
        const health = await waitFor(
            "https://af.example.org/hub/health",
            async () => {
                const r = await undiciFetch("https://af.example.org/hub/health", { dispatcher });
                return r.status === 200 ? r : undefined;
            },
            { timeoutMs: 120000, intervalMs: 500 },
        ).catch((err) => {
            throw new Error(`${err.message}\n${deploymentLogs(f, "af", "af-edge").slice(-4000)}`);
        });
        expect(health.status).toBe(200);
        const plain = await undiciFetch("http://af.example.org/hub/", { redirect: "manual" });
        expect(plain.status).toBe(301); // a permanent redirect (GET)
        expect(plain.headers.get("location")).toBe("https://af.example.org/hub/");
    } finally {
        await dispatcher.close();
    }
    expect(traefikLines("error")).toEqual([]);
});

describe("every Dask connection through the one Traefik port, by SNI, still encrypted", () => {
    const py = (name: string) => path.join(ROOT, "test", "python", "live", name);
    const alice = () => sessions.alice;
    const sessions: Record<string, { hub: HubSession; pod: RunningPod; scheduler: Proc; jobScript: string; tls: { ca: string; cert: string; key: string } }> = {};

    /** Spawns `user`'s server with `profile` and starts its session scheduler in the notebook pod. */
    async function session(user: string, group: string, profile: string, workers: number) {
        const hub = new HubSession("https://af.example.org", user, { ca: rootCa });
        await hub.login();
        const pod = (await spawnServer(f, hub, group, profile))!;
        const scheduler = f.kubelet.exec(pod, `${user}-session`, ["python3", py("session_scheduler.py"), String(workers)]);
        const first = await waitFor(`${user}'s session scheduler`, () => jsonLines(scheduler)[0], { watch: [scheduler], timeoutMs: 120000 });
        const root = pod.containers[0].root;
        const tls = { ca: `${root}/etc/hepaf/dask-tls/ca.crt`, cert: `${root}/etc/hepaf/dask-tls/tls.crt`, key: `${root}/etc/hepaf/dask-tls/tls.key` };
        sessions[user] = { hub, pod, scheduler, jobScript: first.jobScript, tls };
    }

    /** When the refused handshakes ran, and when alice's session stopped (for what Traefik may log of them). */
    const refused = { from: 0, to: 0 };
    const stopped = { from: 0, to: 0 };

    afterAll(async () => {
        for (const s of Object.values(sessions)) await s.hub.close();
    });

    test("a CMS session's scheduler at tls://alice.dask.af.example.org:8786: a worker started as the HTCondor job would be, and a client, join by SNI and compute", async () => {
        await session("alice", "cms", "cms-coffea", 1);
        // The batch node: the job exactly as dask-jobqueue wrote it, its TLS files transferred.
        const worker = startProcess(path.join(f.cp.dir, "batch"), "alice-worker-job", f.tools.python, [
            py("batch_node.py"),
            JSON.stringify({ jobScript: alice().jobScript, submitRoot: alice().pod.containers[0].root, sandbox: path.join(f.cp.dir, "batch", "job-1"), env: { PATH: `${f.tools.venvBin}:/usr/bin:/bin` }, images: f.tools.images, runtime: f.tools.runtimeDouble }),
        ]);
        const job = await waitFor("the job's argv", () => jsonLines(worker)[0], { watch: [worker] });
        const argv: string[] = job.argv;
        // A container-universe job in the project's worker image, run from that image's own root.
        expect(job.image).toBe(builtImage("worker"));
        expect(argv.slice(0, 2)).toEqual(["/bin/sh", "-c"]);
        expect(argv[2]).toMatch(/^python3 -m hepaf_batch_worker tls:\/\/alice\.dask\.af\.example\.org:8786 .*--tls-ca-file ca\.crt --tls-cert tls\.crt --tls-key tls\.key/);
        const done = await waitFor("the session's computation", () => jsonLines(alice().scheduler)[1], { watch: [alice().scheduler, worker], timeoutMs: 300000 });
        expect(done).toEqual({ workers: 1, result: 499500 });
        // A client outside the cluster, with the user's certificate, through the same port.
        expect(await connect("tls://alice.dask.af.example.org:8786", alice().tls)).toEqual({ result: 45, workers: 1 });
    });

    test("another group's certificate is refused at a CMS scheduler, and a CMS one at an open-data scheduler", async () => {
        await session("bob", "opendata", "opendata-default", 0);
        const bob = sessions.bob;
        // Through the same port, each name reaches its own scheduler; each refuses the other group.
        // Each presents the whole chain up to its own group's CA: a shared root would let it in.
        const fullChain = (user: string, files: { ca: string; cert: string; key: string }) => {
            const chain = path.join(f.cp.dir, `${user}-chain.pem`);
            fs.writeFileSync(chain, fs.readFileSync(files.cert, "utf8") + fs.readFileSync(files.ca, "utf8"));
            return { ...files, cert: chain };
        };
        refused.from = Date.now();
        const atAlice = await connect("tls://alice.dask.af.example.org:8786", fullChain("bob", bob.tls));
        expect(atAlice.error).toMatch(/TLS|SSL|certificate|closed|Timed out/i);
        const atBob = await connect("tls://bob.dask.af.example.org:8786", fullChain("alice", alice().tls));
        expect(atBob.error).toMatch(/TLS|SSL|certificate|closed|Timed out/i);
        refused.to = Date.now();
        // And with its own group's certificate, bob's scheduler answers (no workers: it is the scheduler that answers).
        expect(await connect("tls://bob.dask.af.example.org:8786", bob.tls, "info")).toMatchObject({ scheduler: expect.stringMatching(/^tls:\/\//) });
    });

    test("an unknown SNI name reaches no scheduler: Traefik answers with its own certificate and HTTP 404", async () => {
        const edge = new crypto.X509Certificate(Buffer.from(f.cp.admin.find("secret", "af-edge-default-tls", "af").data["tls.crt"], "base64"));
        const r = await tlsProbe("mallory.dask.af.example.org");
        // Traefik itself answers, with the facility's edge certificate (its TLSStore default), not a scheduler's.
        expect(r.fingerprint).toBe(edge.fingerprint256);
        expect(r.response).toMatch(/^HTTP\/1\.1 404/);
        // A routed name gets the scheduler's own certificate (the user's, from the CMS CA), passed through untouched.
        const routed = await tlsProbe("alice.dask.af.example.org");
        const user = new crypto.X509Certificate(fs.readFileSync(alice().tls.cert));
        expect(routed.fingerprint).toBe(user.fingerprint256);
    });

    test("after the hub stops a session, its name reaches nothing within seconds", async () => {
        stopped.from = Date.now();
        const stop = await alice().hub.api("DELETE", "/users/alice/server");
        expect([202, 204]).toContain(stop.status);
        const started = Date.now();
        const probe = await waitFor("alice's name to stop routing", async () => {
            const r = await tlsProbe("alice.dask.af.example.org");
            return r.response ? r : undefined;
        }, { timeoutMs: 60000, intervalMs: 250 });
        stopped.to = Date.now();
        expect(probe.response).toMatch(/^HTTP\/1\.1 404/);
        console.log(`route of alice gone ${Date.now() - started} ms after the hub's stop call`);
        expect(f.cp.admin.find("ingressroutetcp.traefik.io", "dask-alice", "af-cms")).toBeUndefined();
    });

    test("what Traefik logged at ERROR meanwhile: only a stopped session's route before Traefik read its removal, and schedulers' resets", () => {
        // The log is read: each pod said its version at start.
        expect(traefikLines("info").filter((e) => /^Traefik version/.test(e.message ?? "")).length).toBe(2);
        const errors = traefikLines("error");
        // A reset Traefik read from a scheduler: Go's TCPConn.WriteTo (Traefik's copy from the
        // backend) reports it as "writeto", and Traefik lowers to DEBUG only resets reported as "read".
        const resetBy = (ips: string[]) => new RegExp(`^writeto tcp [0-9.]+:[0-9]+->(${ips.map((ip) => ip.replace(/\./g, "\\.")).join("|")}):8786: .*connection reset by peer$`);
        // Traefik's time field has whole seconds.
        const within = (e: any, w: { from: number; to: number }) => Date.parse(e.time) >= Math.floor(w.from / 1000) * 1000 && Date.parse(e.time) <= w.to + 1000;
        const unexplained = errors.filter((e) => {
            // A scheduler that refuses a client's certificate closes with the client's first bytes
            // unread, so its kernel answers them with a reset.
            if (resetBy([alice().pod.ip, sessions.bob.pod.ip]).test(e.error) && within(e, refused)) return false;
            // So does a scheduler stopped while its batch worker's bytes were unread.
            if (resetBy([alice().pod.ip]).test(e.error) && within(e, stopped)) return false;
            // The hub's stop hook deletes a session's Service and route; Traefik may read the one before the other.
            return !/the service "af-(cms|opendata)-dask-(alice|bob)-[0-9a-f]+@kubernetescrd" does not exist/.test(`${e.error} ${e.routerName ?? e.serviceName ?? ""}`);
        });
        expect(unexplained).toEqual([]);
        // The sign-in middleware bounds what Traefik reads of its answers (else a warning per router at each reload).
        expect(traefikLines("warn").filter((e) => /maxResponseBodySize/.test(e.message ?? ""))).toEqual([]);
    });
});

/**
 * A raw TLS connection to the Dask port with `sni`: whose certificate answers, and what comes
 * back to an HTTP request (Traefik's own answer when no route matches).
 */
function tlsProbe(sni: string): Promise<{ peerSubjectAltName: string; fingerprint: string; response: string }> {
    return new Promise((resolve, reject) => {
        const socket = tls.connect({ host: "af.example.org", port: 8786, servername: sni, rejectUnauthorized: false, ALPNProtocols: ["http/1.1"] }, () => {
            const peer = socket.getPeerCertificate();
            const result = { peerSubjectAltName: peer.subjectaltname ?? "", fingerprint: peer.fingerprint256, response: "" };
            if (result.peerSubjectAltName.includes(`DNS:${"af.example.org"}`) && !result.peerSubjectAltName.includes(`DNS:${sni}`)) {
                socket.write(`GET / HTTP/1.1\r\nHost: ${sni}\r\nConnection: close\r\n\r\n`);
                socket.on("data", (d) => (result.response += d.toString()));
                socket.on("end", () => resolve(result));
            } else {
                socket.destroy();
                resolve(result);
            }
        });
        socket.setTimeout(10000, () => socket.destroy(new Error(`no answer for SNI ${sni}`)));
        socket.on("error", reject);
    });
}

/** A real Dask client (in the tier's namespace: outside the cluster) connecting to `address`; `info` asks only who answers. */
async function connect(address: string, files: { ca: string; cert: string; key: string }, mode: "compute" | "info" = "compute"): Promise<any> {
    const p = startProcess(path.join(f.cp.dir, "clients"), `client-${Date.now()}`, f.tools.python, [path.join(ROOT, "test", "python", "live", "dask_connect.py"), JSON.stringify({ address, ...files, timeout: 15, mode })]);
    await waitFor(`the client of ${address}`, () => p.exited(), { timeoutMs: 120000 });
    return jsonLines(p).pop();
}
