/**
 * The SNI names on the wire: the real Dask client (a notebook's own scheduler on HTCondor) and
 * the real dask-gateway connector send exactly the names the facility's routes match, and a
 * TLS-passthrough hop chosen by that name carries mutual TLS to a real scheduler. Traefik cannot
 * be built here, so a named test double stands in for its TCP router (test/python/sni_wire_check.py).
 */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { contactAddressTemplate, hostSniRule, sniMatches } from "../../components";
import { opensslIssue, opensslMakeCa } from "../helpers/openssl";

const root = path.join(__dirname, "..", "..");
const python = execFileSync("bash", [path.join(root, "scripts", "python-env.sh")], { encoding: "utf8" }).trim();

test("Dask and dask-gateway clients send the routed SNI names; passthrough carries mutual TLS", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-sni-"));
    try {
        // As the facility declares them: each group's CA is its own trust anchor.
        const cms = opensslMakeCa("af cms CA");
        const scheduler = opensslIssue(cms, "alice-scheduler");
        const client = opensslIssue(cms, "alice");
        const opendata = opensslMakeCa("af opendata CA");
        const otherClient = opensslIssue(opendata, "bob");
        const file = (name: string, text: string) => (fs.writeFileSync(path.join(dir, name), text), path.join(dir, name));

        // The names the facility routes: a notebook session (htcondor hooks) and a gateway cluster (controller).
        const sessionAddress = contactAddressTemplate("af.example.org", 8786).replace("{user}", "alice");
        const sessionHost = new URL(sessionAddress.replace("tls://", "https://")).hostname;
        const gatewayCluster = "af-cms.0123456789abcdef";
        const gatewayHost = `daskgateway-${gatewayCluster}`;
        expect(sniMatches({ namespace: "af-cms", host: sessionHost, service: { name: "dask-alice", port: 8786 }, entrypoint: "dask" }, "alice").rule).toBe(
            hostSniRule("alice.dask.af.example.org"),
        );

        const scenario = {
            ca: file("ca.pem", cms.certPem),
            schedulerCert: file("s.crt", scheduler.certPem),
            schedulerKey: file("s.key", scheduler.keyPem),
            clientCert: file("c.crt", client.certPem),
            clientKey: file("c.key", client.keyPem),
            // The other group's user presents the whole chain up to its own CA.
            otherClientCert: file("o.crt", otherClient.certPem + opendata.certPem),
            otherClientKey: file("o.key", otherClient.keyPem),
            sessionAddress,
            gatewayCluster,
            routedNames: [sessionHost, gatewayHost],
        };
        // stderr holds Dask's logs, among them the scheduler's refusal of the other group's chain:
        // captured and asserted below, not printed.
        const run = spawnSync(python, [path.join(root, "test", "python", "sni_wire_check.py"), file("scenario.json", JSON.stringify(scenario))], {
            encoding: "utf8",
            stdio: ["ignore", "pipe", "pipe"],
        });
        if (run.status !== 0) throw new Error(`sni_wire_check.py failed (exit ${run.status}):\n${run.stderr}`);
        const out = JSON.parse(run.stdout);
        expect(out.session).toEqual({ id: out.schedulerId, sni: "alice.dask.af.example.org" });
        expect(out.gateway).toEqual({ id: out.schedulerId, sni: "daskgateway-af-cms.0123456789abcdef" });
        expect(out.otherGroup).toMatchObject({ sni: "alice.dask.af.example.org" });
        expect(out.otherGroup.error).toBeDefined();
        // The scheduler itself refused it: its TLS handshake failed on the certificate.
        expect(run.stderr).toMatch(/TLS handshake failed[^\n]*CERTIFICATE_VERIFY_FAILED/);
        expect(out.unrouted).toMatchObject({ sni: "mallory.dask.example.org" });
        expect(out.unrouted.error).toBeDefined();
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
});
