/**
 * Keys made in the cluster (pki.mode cert-manager), live: the dev stack with the site's
 * cert-manager (its controllers, the release's packages) making the facility root, its CA Issuer,
 * the edge certificate Traefik serves and each group's CA, in the Secrets the hub's session signer
 * and the Dask access service read at each signing. A CMS user's session (scheduler in the
 * notebook, certificate signed by the hub with the group CA) computes for a laptop client holding
 * only a bundle from the access service; another group's bundle is refused through Traefik. Then a
 * group CA renewal, forced as `cmctl renew` forces it: the key stays, the session started before
 * it still computes, with a bundle issued before the renewal and one issued after. And the
 * facility's other secrets, made by the hub's keeper (no Secret in the program): where it keeps
 * them, a pool token it minted, and a hub restart that changes none of them.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import * as tls from "tls";
import { certManagerCrds } from "../helpers/k8s-schema";
import { opensslVerify } from "../helpers/openssl";
import { pemBlocks } from "../helpers/pem";
import { startCertManager, triggerRenewal, waitCertificateReady } from "./harness/acme";
import { downloadBundle } from "./harness/bundles";
import { deploymentLogs, facilityRootCa, LiveFacility, startFacility, waitDeploymentRunning, waitFrontDoor } from "./harness/facility";
import { httpsGet } from "./harness/https-get";
import { HubSession } from "./harness/hub-client";
import { jsonLines, Proc, startProcess, tail, waitFor } from "./harness/processes";
import { HeldSession, openHeldSession } from "./harness/sessions";
import { ROOT } from "./harness/tools";
import { readStackFile } from "../../infra/stack-file";
import { jwtKey, mintToken, SUBMIT_SCOPES } from "../../components/htcondor";
import { KEEPER_SPEC_FILE, KeeperSpec, MADE_BY_ANNOTATION } from "../../components/kept-secrets";

const devPools = (readStackFile("dev")["hepaf:htcondor"] as any).pools;

jest.setTimeout(15 * 60 * 1000);

let f: LiveFacility;
let certManager: Proc;
let rootCa: string;
const hubs: HubSession[] = [];
let alice: HeldSession | undefined;
/** Bundles downloaded, by `<user>-<when>`: their unpacked folders. */
const bundles: Record<string, string> = {};

const context = () => `--- cert-manager ---\n${certManager ? tail(certManager.log(), 40) : ""}\n--- access service ---\n${f ? deploymentLogs(f, "af", "af-dask-access").slice(-2000) : ""}`;
const secretPem = (ns: string, name: string, key: string) => Buffer.from(f.cp.admin.find("secret", name, ns).data[key], "base64").toString("utf8");

beforeAll(async () => {
    f = await startFacility("dev", {
        config: {
            "hepaf:pki": { mode: "cert-manager" },
            // The campus pool's group token is the site's (a Secret it keeps), as cert-manager mode requires.
            "hepaf:htcondor": { pools: { ...devPools, campus: { ...devPools.campus, tokens: "site" } } },
            "hepaf:poolSigningKeys": null,
        },
        siteCrds: certManagerCrds(),
        names: ["alice", "bob"].map((u) => `${u}.dask.af.example.org`),
        // Neither group's gateway is needed here.
        run: (pod) => !/dask-gateway/.test(pod.spec.containers[0].image),
    });
    certManager = startCertManager(f.cp);
    // What the site does: CMS's IDTOKEN of its campus pool, in the Secret the notebooks mount.
    const campusToken = mintToken(crypto.randomBytes(64), "POOL", { subject: "cms@example.org", issuer: "example.org", scopes: SUBMIT_SCOPES, id: crypto.randomBytes(16).toString("hex"), issuedAt: Math.floor(Date.now() / 1000) });
    const site = { apiVersion: "v1", kind: "Secret", metadata: { name: "htcondor-af-campus-token", namespace: "af-cms" }, type: "Opaque", stringData: { "af-campus": campusToken } };
    f.cp.admin.ok(["create", "-f", "-"], JSON.stringify(site));
    try {
        for (const [ns, name] of [["af", "af-root-ca"], ["af", "af-edge"], ["af-cms", "hepaf-group-ca"], ["af-opendata", "hepaf-group-ca"]]) await waitCertificateReady(f, ns, name, { watch: [certManager] });
        rootCa = facilityRootCa(f);
        for (const name of ["af-hub", "af-proxy", "af-dask-access"]) await waitDeploymentRunning(f, "af", name);
        await waitFrontDoor(f);
    } catch (err) {
        throw new Error(`${(err as Error).message}\n${context()}`);
    }
});
afterAll(async () => {
    await alice?.close();
    for (const h of hubs) await h.close();
    await certManager?.stop();
    await f?.stop();
});

/** The certificate the front door serves for the hub's name, verified against the facility root. */
function served(): Promise<crypto.X509Certificate> {
    return new Promise((resolve, reject) => {
        const socket = tls.connect({ host: f.domain, port: 443, servername: f.domain, ca: rootCa }, () => {
            const raw = socket.getPeerCertificate().raw;
            socket.destroy();
            resolve(new crypto.X509Certificate(raw));
        });
        socket.setTimeout(3000, () => socket.destroy(new Error("no TLS answer")));
        socket.on("error", reject);
    });
}

/** A laptop's client with nothing but `bundle` (DASK_CONFIG): what it got from `address`. */
async function laptop(bundle: string, address: string, mode: "compute" | "info"): Promise<any> {
    const p = startProcess(path.join(f.cp.dir, "laptop"), `client-${mode}-${Date.now()}`, f.tools.python, [path.join(ROOT, "test", "python", "bundle_client.py"), JSON.stringify({ address, timeout: 20, mode })], {
        env: { DASK_CONFIG: bundle, DASK_ROOT_CONFIG: undefined },
    });
    await waitFor(`the laptop's client (${mode}) of ${address}`, () => p.exited(), { timeoutMs: 180000 });
    return jsonLines(p).pop() ?? { error: p.log().slice(-2000) };
}

async function bundleOf(user: string, group: string, label: string): Promise<string> {
    const hub = new HubSession(`https://${f.domain}`, user, { ca: rootCa });
    hubs.push(hub);
    await hub.login();
    bundles[`${user}-${label}`] = await downloadBundle(f.tools.python, hub, group, path.join(f.cp.dir, "bundles", `${user}-${label}`));
    return bundles[`${user}-${label}`];
}

const spki = (pem: string) => crypto.createPublicKey(pem).export({ format: "der", type: "spki" }) as Buffer;

test("cert-manager makes the root, the edge certificate and each group's CA in the cluster; HTTPS to the hub verifies against that root; the program holds none of them", async () => {
    const root = new crypto.X509Certificate(rootCa);
    expect(root.ca).toBe(true);
    expect(root.subject).toContain("CN=af root CA");
    expect(root.verify(root.publicKey)).toBe(true);
    const edge = await waitFor("the front door serving the edge certificate of the root", () => served().then((c) => c, () => undefined), { timeoutMs: 60000, intervalMs: 200 });
    const servedBy = Date.now();
    expect(edge.subjectAltName).toBe(`DNS:${f.domain}, DNS:*.${f.domain}`);
    expect(edge.checkIssued(root)).toBe(true);
    expect((await httpsGet({ host: f.domain, port: 443, path: "/hub/health", ca: rootCa })).status).toBe(200);
    const edgeCert = (await f.api.get("/apis/cert-manager.io/v1/namespaces/af/certificates/af-edge")) as any;
    const created = Date.parse(edgeCert.metadata.creationTimestamp);
    const ready = Date.parse(edgeCert.status.conditions.find((c: any) => c.type === "Ready").lastTransitionTime);
    // Each group's CA: a root of its own, self-signed, not the facility's.
    for (const ns of ["af-cms", "af-opendata"]) {
        const ca = new crypto.X509Certificate(secretPem(ns, "hepaf-group-ca-keypair", "tls.crt"));
        expect(ca.ca).toBe(true);
        expect(ca.subject).toContain(`OU=${ns.slice(3)}`);
        expect(ca.checkIssued(ca)).toBe(true);
        expect(ca.checkIssued(root)).toBe(false);
    }
    // Nothing of the keys or the certificates passed through the program.
    expect(pemBlocks(f.objects)).toEqual([]);
    const made = ["hepaf-root-ca-keypair", "hepaf-group-ca-keypair", "af-edge-tls", "hepaf-root-ca", "hepaf-group-ca"];
    expect(f.objects.filter((o) => ["Secret", "ConfigMap"].includes(o.kind) && made.includes(o.metadata.name))).toEqual([]);
    console.log(`pki cert-manager: edge Certificate created -> Ready ${ready - created} ms (1 s resolution); served by Traefik within ${servedBy - created} ms of its creation (an upper bound: first looked at once the hub ran)`);
});

test("the hub's keeper makes every secret of the facility in the cluster: the program declares no Secret, the services' copies hold the hub's tokens, the pool's tokens verify with the key it made", async () => {
    // No Secret at all among the objects the program declares: nothing secret in a render.
    expect(f.objects.filter((o) => o.kind === "Secret").map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual([]);
    const config = f.objects.find((o) => o.kind === "ConfigMap" && o.metadata.name === "af-hub-config") as any;
    const spec: KeeperSpec = JSON.parse(config.data[KEEPER_SPEC_FILE]);
    const secrets: any[] = f.cp.admin.json(["get", "secrets", "-A"]).items.filter((x: any) => x.metadata.annotations?.[MADE_BY_ANNOTATION] === "af/af-hub");
    const byId = new Map(secrets.map((x) => [`${x.metadata.namespace}/${x.metadata.name}`, x]));
    expect([...byId.keys()].sort()).toEqual(spec.secrets.map((x) => `${x.namespace}/${x.name}`).sort());
    // Each value sits alike in every Secret that lists it (the hub's token of a service and the service's copy).
    const value = (ns: string, name: string, key: string) => Buffer.from(byId.get(`${ns}/${name}`).data[key], "base64");
    const seen = new Map<string, string>();
    for (const x of spec.secrets) {
        for (const [key, id] of Object.entries(x.data)) {
            const v = value(x.namespace, x.name, key).toString("base64");
            expect(seen.get(id) ?? v).toBe(v);
            seen.set(id, v);
        }
    }
    expect(spec.secrets.map((x) => `${x.namespace}/${x.name}`)).toEqual(expect.arrayContaining(["af/af-hub-secret", "af-cms/dask-gateway-hub", "af-opendata/dask-gateway-hub", "af/af-dask-access", "af/af-local-signing-key", "af-opendata/htcondor-af-local-token"]));
    expect(value("af-cms", "dask-gateway-hub", "jupyterhub-api-token").toString()).toBe(value("af", "af-hub-secret", "service.dask-gateway-cms.token").toString());
    expect(value("af", "af-hub-secret", "hub.cookie-secret").toString()).toMatch(/^[0-9a-f]{64}$/);
    // Open data's token of the in-cluster pool: an HS256 IDTOKEN under the key the keeper made, as HTCondor derives it.
    const key = value("af", "af-local-signing-key", "POOL");
    expect(key.length).toBe(64);
    const [header, payload, signature] = value("af-opendata", "htcondor-af-local-token", "af-local").toString().split(".");
    expect(crypto.createHmac("sha256", jwtKey(key, "POOL")).update(`${header}.${payload}`).digest("base64url")).toBe(signature);
    expect(JSON.parse(Buffer.from(header, "base64url").toString())).toEqual({ alg: "HS256", typ: "JWT", kid: "POOL" });
    expect(JSON.parse(Buffer.from(payload, "base64url").toString())).toMatchObject({ sub: "opendata@af-local-cm.af.svc.cluster.local", iss: "af-local-cm.af.svc.cluster.local", scope: "condor:/READ condor:/WRITE" });
    // No value the keeper made is anywhere in what the program declared.
    const rendered = JSON.stringify(f.objects);
    for (const v of seen.values()) {
        expect(rendered).not.toContain(v);
        expect(rendered).not.toContain(Buffer.from(v, "base64").toString("utf8"));
    }
});

test("the group CA made by cert-manager signs alice's session certificate and her bundle: her laptop computes through the front door; another group's bundle is refused", async () => {
    alice = await openHeldSession(f, "alice", "cms", "cms-coffea", { rootCa, batchWorkers: 0 });
    const groupCa = secretPem("af-cms", "hepaf-group-ca-keypair", "tls.crt");
    const session = f.cp.admin.json(["get", "secrets", "-n", "af-cms"]).items.find((s: any) => /alice/.test(s.metadata.name) && s.data?.["tls.crt"]);
    expect(session).toBeDefined();
    const sessionCert = Buffer.from(session.data["tls.crt"], "base64").toString("utf8");
    expect(opensslVerify(groupCa, sessionCert).ok).toBe(true);

    const bundle = await bundleOf("alice", "cms", "before");
    expect(opensslVerify(groupCa, fs.readFileSync(path.join(bundle, "tls.crt"), "utf8"), undefined, "sslclient").ok).toBe(true);
    expect(await laptop(bundle, "tls://alice.dask.af.example.org:8786", "compute")).toMatchObject({ result: 45, requireEncryption: true });

    const bob = await bundleOf("bob", "opendata", "before");
    const refused = await laptop(bob, "tls://alice.dask.af.example.org:8786", "info");
    expect(refused.error).toMatch(/TLS|SSL|certificate|closed|Timed out/i);
    expect(refused.scheduler).toBeUndefined();
});

test("a group CA renewal keeps its key: the session started before it computes after it, for a bundle issued before and one issued after", async () => {
    expect(alice && bundles["alice-before"]).toBeTruthy();
    const before = secretPem("af-cms", "hepaf-group-ca-keypair", "tls.crt");
    const triggered = await triggerRenewal(f, "af-cms", "hepaf-group-ca");
    const after = await waitFor(
        "the renewed group CA in its Secret",
        () => {
            const now = secretPem("af-cms", "hepaf-group-ca-keypair", "tls.crt");
            return now !== before && now;
        },
        { timeoutMs: 120000, intervalMs: 200, watch: [certManager] },
    ).catch((err) => {
        throw new Error(`${err.message}\n${context()}`);
    });
    const renewedMs = Date.now() - triggered;
    const [old, renewed] = [new crypto.X509Certificate(before), new crypto.X509Certificate(after)];
    expect(renewed.serialNumber).not.toBe(old.serialNumber);
    expect(renewed.subject).toBe(old.subject);
    expect(spki(after).equals(spki(before))).toBe(true);

    // The session's scheduler holds the old certificate as its trust; bundles are signed under the new one.
    const issuedAfter = await bundleOf("alice", "cms", "after");
    const newLeaf = fs.readFileSync(path.join(issuedAfter, "tls.crt"), "utf8");
    expect(opensslVerify(before, newLeaf, undefined, "sslclient").ok).toBe(true);
    const oldBundle = bundles["alice-before"];
    const oldLeaf = fs.readFileSync(path.join(oldBundle, "tls.crt"), "utf8");
    expect(opensslVerify(after, oldLeaf, undefined, "sslclient").ok).toBe(true);

    const computed = await alice!.say("compute:2:0", "computed", 120000);
    expect(computed.right).toBe(true);
    expect(await laptop(oldBundle, "tls://alice.dask.af.example.org:8786", "compute")).toMatchObject({ result: 45 });
    expect(await laptop(issuedAfter, "tls://alice.dask.af.example.org:8786", "compute")).toMatchObject({ result: 45 });
    console.log(`pki cert-manager: group CA renewed ${renewedMs} ms after the trigger; same key; session and bundles from before and after compute`);
});

test("the hub restarts: its keeper changes no Secret and makes a lost copy again with the same value; the hub and the access service still agree", async () => {
    const made = () => new Map<string, any>(f.cp.admin.json(["get", "secrets", "-A"]).items.filter((x: any) => x.metadata.annotations?.[MADE_BY_ANNOTATION] === "af/af-hub").map((x: any) => [`${x.metadata.namespace}/${x.metadata.name}`, x]));
    const before = made();
    // A copy lost meanwhile (its gateway does not run here, so nothing else notices).
    f.cp.admin.ok(["-n", "af-cms", "delete", "secret", "dask-gateway-hub"]);
    const oldHub = f.kubelet.running().find((p) => p.namespace === "af" && p.name.startsWith("af-hub-"))!;
    const t0 = Date.now();
    f.cp.admin.ok(["-n", "af", "delete", "pod", oldHub.name, "--wait=false"]);
    const newHub = await waitFor("the hub's pod replaced", () => f.kubelet.running().find((p) => p.namespace === "af" && p.name.startsWith("af-hub-") && p.uid !== oldHub.uid), { timeoutMs: 120000 });
    await waitDeploymentRunning(f, "af", "af-hub");
    await waitFrontDoor(f);
    const back = (Date.now() - t0) / 1000;
    const log = fs.readFileSync(path.join(newHub.dir, "logs", `${newHub.name}.init.keeper.log`), "utf8");
    expect(log).toContain("hepaf-keeper: created secret af-cms/dask-gateway-hub");
    expect(log.match(/hepaf-keeper: kept secret /g)).toHaveLength(before.size - 1);
    const after = made();
    for (const [id, x] of before) {
        expect(after.get(id).data).toEqual(x.data);
        if (id !== "af-cms/dask-gateway-hub") expect(after.get(id).metadata.resourceVersion).toBe(x.metadata.resourceVersion);
    }
    // The new hub holds the same tokens: the access service, started before, still signs users in with it.
    expect(fs.existsSync(path.join(await bundleOf("alice", "cms", "after-restart"), "tls.crt"))).toBe(true);
    console.log(`pki cert-manager: the hub restarted and served again after ${back.toFixed(1)} s; its keeper kept ${before.size - 1} Secrets and made 1 lost copy again, same value`);
});
