/**
 * The hub's HTTPS certificate from ACME, live (https.mode acme): the dev stack with pebble as the
 * ACME server and the site's cert-manager (its controllers, the release's packages). cert-manager
 * answers HTTP-01 through the facility's real Traefik (its kubernetesingress provider, the
 * challenge path let through the web entrypoint's HTTPS redirect) with its own solver in a pod;
 * the certificate lands in the Secret Traefik's TLSStore names, and HTTPS to the hub verifies
 * against pebble's root. Then a renewal forced as `cmctl renew` forces it, with a bounded loop of
 * handshakes running across it: none may fail.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tls from "tls";
import { certManagerCrds } from "../helpers/k8s-schema";
import { Pebble, pebbleApiCaFile, pebblePorts, startCertManager, startPebble, triggerRenewal, waitCertificateReady } from "./harness/acme";
import { LiveFacility, startFacility, waitDeploymentRunning } from "./harness/facility";
import { httpsGet } from "./harness/https-get";
import { Proc, tail, waitFor } from "./harness/processes";

jest.setTimeout(15 * 60 * 1000);


let f: LiveFacility;
let pebble: Pebble;
let certManager: Proc;
let dir: string;
let root: string;

/** What failed, with the logs that say why. */
function context(): string {
    return [
        `--- cert-manager ---\n${certManager ? tail(certManager.log(), 40) : ""}`,
        `--- pebble ---\n${pebble ? tail(pebble.proc.log(), 20) : ""}`,
        `--- challenges ---\n${JSON.stringify(f?.cp.admin.json(["get", "challenges.acme.cert-manager.io", "-A"])?.items?.map((c: any) => c.status) ?? [], null, 1)}`,
    ].join("\n");
}

/** The certificate the front door serves for the hub's name, verified against `ca` (throws when it does not verify). */
function served(ca: string, timeoutMs = 3000): Promise<crypto.X509Certificate> {
    return new Promise((resolve, reject) => {
        const socket = tls.connect({ host: f.domain, port: 443, servername: f.domain, ca }, () => {
            const raw = socket.getPeerCertificate().raw;
            socket.destroy();
            resolve(new crypto.X509Certificate(raw));
        });
        socket.setTimeout(timeoutMs, () => socket.destroy(new Error("no TLS answer")));
        socket.on("error", reject);
    });
}

beforeAll(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-acme-"));
    const ports = await pebblePorts();
    f = await startFacility("dev", {
        config: { "hepaf:https": { mode: "acme", acme: { server: ports.directory, email: "ops@example.org", caBundleFile: pebbleApiCaFile() } } },
        siteCrds: certManagerCrds(),
        // Neither group's gateway is needed here.
        run: (pod) => !/dask-gateway/.test(pod.spec.containers[0].image),
    });
    // Pebble validates through the front door's plain-HTTP port, as a public ACME server does.
    pebble = await startPebble(dir, { httpPort: 80, ports });
    certManager = startCertManager(f.cp);
    const edge = f.objects.find((o) => o.kind === "Deployment" && /traefik:/.test(o.spec.template.spec.containers[0].image))!;
    await waitDeploymentRunning(f, "af", edge.metadata.name);
    root = await pebble.issuingRoot();
});
afterAll(async () => {
    await certManager?.stop();
    await pebble?.proc.stop();
    await f?.stop();
    if (dir && !process.env.HEPAF_LIVE_KEEP) fs.rmSync(dir, { recursive: true, force: true });
});

test("the hub's certificate comes from ACME through real Traefik, and HTTPS to the hub verifies against the ACME server's root", async () => {
    const ready = await waitCertificateReady(f, "af", "af-edge", { watch: [certManager, pebble.proc] }).catch((err) => {
        throw new Error(`${err.message}\n${context()}`);
    });
    const created = Date.parse(ready.metadata.creationTimestamp);
    const first = await waitFor("the front door serving the hub's name with the ACME certificate", () => served(root).then((c) => c, () => undefined), { timeoutMs: 60000, intervalMs: 200 });
    const servedAfter = Date.now() - created;
    expect(first.subjectAltName).toBe(`DNS:${f.domain}`);
    // The hub itself answers through it.
    const { status } = await httpsGet({ host: f.domain, port: 443, path: "/hub/health", ca: root });
    expect(status).toBe(200);
    // The challenge's solver pod, Service and Ingress are removed once the order is valid.
    await waitFor("the HTTP-01 solver's objects gone", () => {
        const left = ["pods", "services", "ingresses"].flatMap((k) => f.cp.admin.json(["get", k, "-n", "af", "-l", "acme.cert-manager.io/http01-solver=true"]).items);
        return left.length === 0;
    }, { timeoutMs: 60000 });
    // Nothing of the certificate's key passed through the program: the stack declares no such Secret.
    expect(f.objects.filter((o) => o.kind === "Secret" && ["af-edge-tls", "af-acme-account"].includes(o.metadata.name))).toEqual([]);
    console.log(`ACME: Certificate created -> Ready ${Date.parse(ready.status.conditions.find((c: any) => c.type === "Ready").lastTransitionTime) - created} ms (1 s resolution); -> served by Traefik ${servedAfter} ms`);
});

test("a forced renewal is served by Traefik with no failed handshake across it", async () => {
    const before = await served(root);
    let stop = false;
    const results = { ok: 0, failed: [] as string[], serials: new Set<string>() };
    const loop = (async () => {
        // Bounded: at most 3,000 handshakes, one every 50 ms.
        for (let i = 0; i < 3000 && !stop; i++) {
            await served(root).then(
                (c) => {
                    results.ok++;
                    results.serials.add(c.serialNumber);
                },
                (err) => results.failed.push((err as Error).message),
            );
            await new Promise((r) => setTimeout(r, 50));
        }
    })();
    const triggered = await triggerRenewal(f, "af", "af-edge");
    const after = await waitFor("Traefik serving the renewed certificate", () => served(root).then((c) => c.serialNumber !== before.serialNumber && c, () => undefined), { timeoutMs: 240000, intervalMs: 200 }).catch(
        (err) => {
            throw new Error(`${err.message}\n${context()}`);
        },
    );
    const renewedAfter = Date.now() - triggered;
    await new Promise((res) => setTimeout(res, 3000));
    stop = true;
    await loop;
    console.log(`ACME renewal: served ${renewedAfter} ms after the trigger; ${results.ok} handshakes across it, ${results.failed.length} failed`);
    expect(results.failed).toEqual([]);
    expect(results.serials.has(before.serialNumber) && results.serials.has(after.serialNumber)).toBe(true);
    // A new key at each renewal (rotationPolicy Always).
    expect(after.publicKey.export({ format: "der", type: "spki" }).equals(before.publicKey.export({ format: "der", type: "spki" }))).toBe(false);
});
