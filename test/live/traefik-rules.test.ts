/**
 * The SNI rules the components render, as real Traefik (v3.6.12, file provider) reads them:
 * Go's regexp matches anywhere in a name unless anchored, and refuses what RE2 refuses. Behind
 * the routes, TLS servers whose certificates say which backend answered.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as tls from "tls";
import { stringify } from "yaml";
import { hostSniRegexpRule, hostSniRule, requireSniRegexp } from "../../components";
import { freePort } from "./harness/control-plane";
import { issue, makeCa } from "./harness/pki";
import { Proc, startProcess, waitFor } from "./harness/processes";
import { need, tools } from "./harness/tools";
import { errorOf } from "../helpers/pulumi";

jest.setTimeout(5 * 60 * 1000);

let dir: string;
let traefik: Proc;
let port: number;
const servers: tls.Server[] = [];
const fingerprints: Record<string, string> = {};

/** A TLS server whose certificate names it (`backend`), answering nothing else. */
async function backend(name: string, ca: { cert: string; key: string }): Promise<number> {
    const pair = issue(dir, ca, name, { cn: name, usage: "server", dnsNames: [name] });
    const cert = fs.readFileSync(pair.cert);
    fingerprints[name] = new crypto.X509Certificate(cert).fingerprint256;
    const server = tls.createServer({ cert, key: fs.readFileSync(pair.key) }, (s) => s.end());
    servers.push(server);
    const p = await freePort();
    await new Promise<void>((r) => server.listen(p, "127.0.0.1", r));
    return p;
}

/** Whose certificate answers a TLS connection to the Dask entrypoint with `sni`. */
function answerer(sni: string): Promise<string> {
    return new Promise((resolve, reject) => {
        const socket = tls.connect({ host: "127.0.0.1", port, servername: sni, rejectUnauthorized: false }, () => {
            const fp = socket.getPeerCertificate().fingerprint256;
            socket.destroy();
            resolve(Object.entries(fingerprints).find(([, f]) => f === fp)?.[0] ?? "traefik");
        });
        socket.setTimeout(5000, () => socket.destroy(new Error(`no answer for ${sni}`)));
        socket.on("error", reject);
    });
}

const session = "[a-z0-9-]+\\.dask\\.af\\.example\\.org";

beforeAll(async () => {
    const t = tools();
    need(t, ["traefik"]);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-live-rules-"));
    const ca = makeCa(dir, "ca", "rules CA");
    const exact = await backend("exact.example.org", ca);
    const anchored = await backend("anchored.example.org", ca);
    const unanchored = await backend("unanchored.example.org", ca);
    port = await freePort();
    const service = (p: number) => ({ loadBalancer: { servers: [{ address: `127.0.0.1:${p}` }] } });
    const dynamic = {
        tcp: {
            routers: {
                exact: { entryPoints: ["dask"], rule: hostSniRule("hub.af.example.org"), service: "exact", tls: { passthrough: true } },
                // A session's own route, under a pattern that also covers it.
                session: { entryPoints: ["dask"], rule: hostSniRule("alice.dask.af.example.org"), service: "exact", tls: { passthrough: true } },
                // As the component renders a pattern: anchored.
                anchored: { entryPoints: ["dask"], rule: hostSniRegexpRule(session), service: "anchored", tls: { passthrough: true } },
                // The same pattern as written before: Traefik matches it anywhere in the name.
                unanchored: { entryPoints: ["dask"], rule: `HostSNIRegexp(\`^x-${session}\`)`, service: "unanchored", tls: { passthrough: true } },
                // A lookahead, which JavaScript accepts and Go refuses.
                lookahead: { entryPoints: ["dask"], rule: "HostSNIRegexp(`(?=b)[a-z]+\\.example\\.org`)", service: "exact", tls: { passthrough: true } },
            },
            services: { exact: service(exact), anchored: service(anchored), unanchored: service(unanchored) },
        },
    };
    fs.writeFileSync(path.join(dir, "dynamic.yml"), stringify(dynamic));
    fs.writeFileSync(
        path.join(dir, "traefik.yml"),
        stringify({
            entryPoints: { dask: { address: `127.0.0.1:${port}/tcp` } },
            providers: { file: { filename: path.join(dir, "dynamic.yml") } },
            log: { level: "DEBUG", format: "json" },
            global: { checkNewVersion: false, sendAnonymousUsage: false },
        }),
    );
    if (process.env.HEPAF_LIVE_KEEP) console.log(dir);
    traefik = startProcess(dir, "traefik", t.traefik, [`--configFile=${path.join(dir, "traefik.yml")}`]);
    await waitFor("Traefik to route the exact name", async () => (await answerer("hub.af.example.org").catch(() => "")) === "exact.example.org", { watch: [traefik], timeoutMs: 60000 });
});

afterAll(async () => {
    await traefik?.stop();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
    if (dir && !process.env.HEPAF_LIVE_KEEP) fs.rmSync(dir, { recursive: true, force: true });
});

test("HostSNI matches one name exactly, in any case", async () => {
    expect(await answerer("hub.af.example.org")).toBe("exact.example.org");
    expect(await answerer("HUB.af.example.org")).toBe("exact.example.org");
    expect(await answerer("hub.af.example.org.attacker.example.net")).toBe("traefik");
    expect(await answerer("x.hub.af.example.org")).toBe("traefik");
});

test("the component's anchored HostSNIRegexp matches whole names only; unanchored, Traefik also routes a longer name", async () => {
    expect(await answerer("bob.dask.af.example.org")).toBe("anchored.example.org");
    expect(await answerer("bob.dask.af.example.org.attacker.example.net")).toBe("traefik");
    expect(await answerer("evil.bob.dask.af.example.org")).toBe("traefik");
    // What an unanchored pattern does in real Traefik (Go's MatchString): the attacker's name is routed.
    expect(await answerer("x-bob.dask.af.example.org.attacker.example.net")).toBe("unanchored.example.org");
});

test("a pattern that covers a session's name takes its connections: Traefik orders routers by rule length", async () => {
    expect(await answerer("alice.dask.af.example.org")).toBe("anchored.example.org");
});

test("a pattern Go's regexp refuses is refused by the component too, with Traefik's own words", () => {
    const lines = traefik.log().split("\n").filter((l) => l.includes("lookahead"));
    expect(lines.join("\n")).toMatch(/invalid or unsupported Perl syntax: `\(\?=`/);
    expect(errorOf(() => requireSniRegexp("(?=b)[a-z]+\\.example\\.org", "route.hostRegexp"))).toContain("invalid or unsupported Perl syntax: `(?=`");
});
