/**
 * The site's side of HTTPS from ACME, live: pebble (Let's Encrypt's ACME test server, built from
 * the Go module proxy) as the ACME server on the tier's loopback, and cert-manager's controllers
 * (the release's packages, started by test/live/cert-manager/controller) as the site's
 * cert-manager, with the admin's kubeconfig (a site installs cert-manager with RBAC of its own,
 * which is not the facility's). Both run beside the control plane, as processes of the tier;
 * cert-manager's HTTP-01 solver pods are pods, run by the kubelet double from the solver image's
 * double.
 */
import * as fs from "fs";
import * as path from "path";
import { CERT_MANAGER_SOLVER_IMAGE } from "../../../components/https/cert-manager";
import { ControlPlane, freePort } from "./control-plane";
import type { LiveFacility } from "./facility";
import { httpsGet } from "./https-get";
import { Proc, startProcess, waitFor } from "./processes";
import { liveBinaries } from "./tools";

/** A running pebble. */
export interface Pebble {
    proc: Proc;
    /** The ACME directory URL (`https://127.0.0.1:<port>/dir`). */
    directory: string;
    /** PEM file of the CA of pebble's own HTTPS certificate (its test CA): the Issuer's caBundle. */
    apiCaFile: string;
    /** The root that signs the certificates pebble issues (made at each start; from its management API). */
    issuingRoot(): Promise<string>;
}

/** Pebble's loopback ports: its ACME API and its management API. */
export interface PebblePorts {
    api: number;
    management: number;
}

/** Free loopback ports for a pebble, and its directory URL on them (known before pebble starts, for the stack's Issuer). */
export async function pebblePorts(): Promise<PebblePorts & { directory: string }> {
    const api = await freePort();
    const management = await freePort();
    return { api, management, directory: `https://127.0.0.1:${api}/dir` };
}

/** PEM file of the CA of pebble's own HTTPS certificate (its test CA), for the Issuer's caBundle. */
export function pebbleApiCaFile(): string {
    return path.join(acmeBinaries().pebbleCerts, "pebble.minica.pem");
}

/** The programs this file starts (scripts/live-tools.sh cert-manager pebble builds them). */
export function acmeBinaries(): { controller: string; pebble: string; pebbleCerts: string } {
    const bin = liveBinaries();
    const out = { controller: bin["cert-manager-controller"], pebble: bin.pebble, pebbleCerts: bin["pebble-certs"] };
    for (const [name, p] of Object.entries(out)) {
        if (!p || !fs.existsSync(p)) throw new Error(`live: ${name} is missing (${p || "no path"}); run scripts/live-tools.sh cert-manager pebble`);
    }
    return out;
}

/**
 * Starts pebble with its HTTP-01 validations dialling port `httpPort` of each name (what the
 * tier's hosts file resolves it to: the front door's Service), no random sleeps, no reused
 * authorizations (a renewal is validated again), no rejected nonces.
 */
export async function startPebble(dir: string, opts: { httpPort: number; ports: PebblePorts }): Promise<Pebble> {
    const bins = acmeBinaries();
    const { api, management } = opts.ports;
    const config = path.join(dir, "pebble.json");
    fs.mkdirSync(dir, { recursive: true });
    fs.writeFileSync(
        config,
        JSON.stringify({
            pebble: {
                listenAddress: `127.0.0.1:${api}`,
                managementListenAddress: `127.0.0.1:${management}`,
                certificate: path.join(bins.pebbleCerts, "localhost", "cert.pem"),
                privateKey: path.join(bins.pebbleCerts, "localhost", "key.pem"),
                httpPort: opts.httpPort,
                tlsPort: 443,
                ocspResponderURL: "",
                externalAccountBindingRequired: false,
                keyAlgorithm: "ecdsa",
                profiles: { default: { description: "90 days, as Let's Encrypt's", validityPeriod: 7776000 } },
            },
        }),
    );
    const proc = startProcess(path.join(dir, "logs"), "pebble", bins.pebble, ["-config", config], {
        env: { PEBBLE_VA_NOSLEEP: "1", PEBBLE_WFE_NONCEREJECT: "0", PEBBLE_AUTHZREUSE: "0" },
        cleanEnv: true,
    });
    const apiCaFile = pebbleApiCaFile();
    const ca = fs.readFileSync(apiCaFile);
    const directory = `https://127.0.0.1:${api}/dir`;
    const get = (port: number, urlPath: string) => httpsGet({ host: "127.0.0.1", port, path: urlPath, ca });
    // A failed GET throws, so a timeout says why (the last error).
    await waitFor(
        "pebble's ACME directory",
        async () => {
            const r = await get(api, "/dir");
            if (r.status !== 200) throw new Error(`${directory} answered ${r.status}`);
            return true;
        },
        { watch: [proc], timeoutMs: 30000 },
    );
    return {
        proc,
        directory,
        apiCaFile,
        issuingRoot: async () => {
            const r = await get(management, "/roots/0");
            if (r.status !== 200) throw new Error(`pebble's /roots/0 answered ${r.status}`);
            return r.body;
        },
    };
}

/** Starts cert-manager's controllers against the tier's API server. */
export function startCertManager(cp: ControlPlane): Proc {
    const bins = acmeBinaries();
    return startProcess(path.join(cp.dir, "logs"), "cert-manager", bins.controller, [`-kubeconfig=${cp.adminKubeconfig}`, `-acme-http01-solver-image=${CERT_MANAGER_SOLVER_IMAGE}`], {
        cleanEnv: true,
    });
}

/** The Certificate's API path. */
export const certificatePath = (namespace: string, name: string) => `/apis/cert-manager.io/v1/namespaces/${namespace}/certificates/${name}`;

/** Waits until cert-manager says the Certificate is Ready; the Certificate then. */
export async function waitCertificateReady(f: LiveFacility, namespace: string, name: string, opts: { timeoutMs?: number; watch?: Proc[] } = {}): Promise<any> {
    return waitFor(
        `the Certificate ${namespace}/${name} Ready`,
        async () => {
            const cert = (await f.api.get(certificatePath(namespace, name))) as any;
            return cert.status?.conditions?.some((c: any) => c.type === "Ready" && c.status === "True") && cert;
        },
        { timeoutMs: opts.timeoutMs ?? 240000, intervalMs: 500, watch: opts.watch },
    );
}

/** Forces a renewal of the Certificate as `cmctl renew` does (the Issuing condition, on the status subresource); when it was asked (epoch ms). */
export async function triggerRenewal(f: LiveFacility, namespace: string, name: string): Promise<number> {
    const url = certificatePath(namespace, name);
    const cert = (await f.api.get(url)) as any;
    cert.status.conditions = [
        ...cert.status.conditions.filter((c: any) => c.type !== "Issuing"),
        { type: "Issuing", status: "True", reason: "ManuallyTriggered", message: "Certificate re-issuance manually triggered", lastTransitionTime: new Date().toISOString(), observedGeneration: cert.metadata.generation },
    ];
    const triggered = Date.now();
    const r = await f.api.request("PUT", `${url}/status`, cert);
    if (r.status !== 200) throw new Error(`renewal of ${namespace}/${name}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
    return triggered;
}
