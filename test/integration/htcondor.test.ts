/**
 * The real HTCondor bindings and dask-jobqueue read what the htcondor module renders, and the
 * hub module runs against a fake Kubernetes API. No HTCondor daemons run here: htcondor2
 * parses config and submit descriptions without them, and dask-jobqueue's job class renders
 * the submit description without submitting.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { daskSessionRbac, planPool, renderDaskSessionSettings, renderDaskTlsYaml, renderJobqueueYaml } from "../../components/htcondor";
import { opensslMakeCa, opensslText, opensslVerify } from "../helpers/openssl";

const root = path.join(__dirname, "..", "..");
const python = execFileSync("bash", [path.join(root, "scripts", "python-env.sh")], { encoding: "utf8" }).trim();
// stderr is captured (Dask logs each scheduler's start at INFO); a failing driver's error carries it.
const runPy = (script: string, arg: object) =>
    JSON.parse(execFileSync(python, [path.join(root, "test", "python", script), JSON.stringify(arg)], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));

const plan = planPool("campus", {
    mode: "external", facility: "af", collector: "cm.example.edu:9618", schedd: { host: "ap.example.edu", name: "ap1@ap.example.edu" },
    trustDomain: "example.edu", tokens: { source: "provided" }, requireAccountingGroup: true,
    groups: [{ name: "cms", accountingGroup: "group_cms", token: "t", worker: { cores: 2, memoryMiB: 8192, diskMiB: 2048 } }],
});
const group = plan.groups[0];
const sessionSettings = renderDaskSessionSettings({
    domain: "af.example.edu", entrypoint: "dask", routeLabels: { "hepaf.io/traefik": "edge" },
    groups: [{ name: "cms", namespace: "af-cms" }, { name: "atlas", namespace: "af-atlas" }],
});

describe("rendered client files, read by the real software", () => {
    let dir: string;
    let seen: any;
    const contact = "tls://alice-3bc5106297.dask.af.example.edu:8786";
    beforeAll(() => {
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-htcondor-"));
        fs.mkdirSync(path.join(dir, "dask"));
        fs.writeFileSync(path.join(dir, "condor_config"), group.condorConfig);
        fs.writeFileSync(path.join(dir, "dask", "jobqueue.yaml"), renderJobqueueYaml(group.jobqueue));
        fs.writeFileSync(path.join(dir, "dask", "tls.yaml"), renderDaskTlsYaml());
        seen = runPy("htcondor_client_check.py", {
            root: dir, module: path.join(root, "components", "htcondor"), values: { daskSessions: sessionSettings }, escaped: "alice-3bc5106297",
            knobs: ["CONDOR_HOST", "COLLECTOR_HOST", "SCHEDD_HOST", "TRUST_DOMAIN", "UID_DOMAIN", "SEC_DEFAULT_AUTHENTICATION_METHODS",
                "SEC_CLIENT_AUTHENTICATION_METHODS", "SEC_TOKEN_DIRECTORY", "SEC_DEFAULT_ENCRYPTION", "SEC_DEFAULT_INTEGRITY"],
        });
    });
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    test("htcondor2 reads back every knob of the condor_config", () => {
        expect(seen.params).toEqual({
            CONDOR_HOST: "cm.example.edu:9618",
            COLLECTOR_HOST: "cm.example.edu:9618",
            SCHEDD_HOST: "ap1@ap.example.edu",
            TRUST_DOMAIN: "example.edu",
            UID_DOMAIN: "example.edu",
            SEC_DEFAULT_AUTHENTICATION_METHODS: "IDTOKENS",
            SEC_CLIENT_AUTHENTICATION_METHODS: "IDTOKENS",
            SEC_TOKEN_DIRECTORY: "/var/run/hepaf/condor/tokens.d",
            SEC_DEFAULT_ENCRYPTION: "REQUIRED",
            SEC_DEFAULT_INTEGRITY: "REQUIRED",
        });
    });

    test("Dask sees the jobqueue and TLS config, with the contact address the hub sets", () => {
        expect(seen.schedulerOptions).toEqual({ protocol: "tls", host: "0.0.0.0", port: 8786, dashboard_address: ":8787", contact_address: contact });
        expect(seen.requireEncryption).toBe(true);
        expect(seen.tls["ca-file"]).toBe("/etc/hepaf/dask-tls/ca.crt");
        expect(seen.tls.worker).toEqual({ cert: "/etc/hepaf/dask-tls/tls.crt", key: "/etc/hepaf/dask-tls/tls.key" });
        expect(seen.submitCommand.trim()).toBe("condor_submit -name ap1@ap.example.edu -spool");
        expect(seen.cancelCommand.trim()).toBe("condor_rm -name ap1@ap.example.edu");
    });

    test("htcondor2.Submit parses dask-jobqueue's submit description: TLS files travel, worker dials the SNI address", () => {
        const s = seen.submit;
        expect(s.transfer_input_files).toBe("/etc/hepaf/dask-tls/ca.crt,/etc/hepaf/dask-tls/tls.crt,/etc/hepaf/dask-tls/tls.key");
        expect(s.should_transfer_files).toBe("YES");
        expect(s.accounting_group).toBe("group_cms");
        expect(s["MY.DaskWorkerCores"]).toBe("2");
        expect(s["MY.DaskWorkerMemory"]).toBe(String(8192 * 1024 * 1024));
        expect(s["MY.DaskWorkerDisk"]).toBe(String(2048 * 1024 * 1024));
        const args: string = s.Arguments;
        expect(args).toContain(`python3 -m distributed.cli.dask_worker ${contact} `);
        expect(args).toContain("--protocol tls --tls-ca-file ca.crt --tls-cert tls.crt --tls-key tls.key");
        // Each file the worker names is transferred (by base name) into its sandbox.
        for (const f of ["ca.crt", "tls.crt", "tls.key"]) {
            expect(s.transfer_input_files.split(",").map((p: string) => path.basename(p))).toContain(f);
        }
    });
});

test("a real Dask scheduler with the rendered options and the issued certificate gives workers the SNI address", () => {
    const ca = opensslMakeCa("af cms intermediate CA");
    const contact = "tls://alice-3bc5106297.dask.af.example.edu:8786";
    const out = runPy("dask_scheduler_check.py", {
        module: path.join(root, "components", "htcondor"), caCert: ca.certPem, caKey: ca.keyPem,
        host: "alice-3bc5106297.dask.af.example.edu", schedulerOptions: { ...group.jobqueue["scheduler-options"], contact_address: contact },
    });
    expect(out.workerTarget).toBe(contact);
    expect(out.address).toMatch(/^tls:\/\//);
});

describe("hub module at spawn and stop, against a fake Kubernetes API", () => {
    const settings = sessionSettings;
    const ca = opensslMakeCa("af cms intermediate CA");
    let out: any;
    beforeAll(() => {
        out = runPy("dask_sessions_check.py", {
            module: path.join(root, "components", "htcondor"),
            values: { daskSessions: settings },
            ca: { namespace: "af-cms", name: "hepaf-group-ca-keypair", "tls.crt": ca.certPem, "tls.key": ca.keyPem, "ca.crt": ca.certPem },
            user: "Alice", groups: ["students", "cms"],
        });
    });

    test("creates exactly the Secret, Service and route expected", () => {
        expect(out.escaped).toBe("alice-3bc5106297");
        const byKind = Object.fromEntries(out.objects.map((o: any) => [o.kind, o]));
        expect(Object.keys(byKind).sort()).toEqual(["IngressRouteTCP", "Secret", "Service"]);
        const labels = {
            "app.kubernetes.io/name": "dask", "app.kubernetes.io/instance": "alice-3bc5106297", "app.kubernetes.io/component": "notebook-scheduler",
            "app.kubernetes.io/part-of": "hepaf", "app.kubernetes.io/managed-by": "jupyterhub", "hepaf.io/group": "cms", "hepaf.io/dask-user": "alice-3bc5106297",
        };
        expect(byKind.Service).toEqual({
            apiVersion: "v1", kind: "Service", metadata: { name: "dask-alice-3bc5106297", namespace: "af-cms", labels },
            spec: { type: "ClusterIP", selector: { "hepaf.io/dask-user": "alice-3bc5106297" }, ports: [
                { name: "dask", port: 8786, targetPort: 8786, protocol: "TCP" },
                { name: "dashboard", port: 8787, targetPort: 8787, protocol: "TCP" },
            ] },
        });
        expect(byKind.IngressRouteTCP).toEqual({
            apiVersion: "traefik.io/v1alpha1", kind: "IngressRouteTCP",
            metadata: { name: "dask-alice-3bc5106297", namespace: "af-cms", labels: { ...labels, "hepaf.io/traefik": "edge" } },
            spec: {
                entryPoints: ["dask"],
                routes: [{ match: "HostSNI(`alice-3bc5106297.dask.af.example.edu`)", services: [{ name: "dask-alice-3bc5106297", port: 8786 }] }],
                tls: { passthrough: true },
            },
        });
        expect(byKind.Secret.metadata).toEqual({ name: "dask-tls-alice-3bc5106297", namespace: "af-cms", labels });
        expect(byKind.Secret.type).toBe("kubernetes.io/tls");
        expect(Object.keys(byKind.Secret.data).sort()).toEqual(["ca.crt", "session.yaml", "tls.crt", "tls.key"]);
        expect(JSON.parse(Buffer.from(byKind.Secret.data["session.yaml"], "base64").toString())).toEqual({
            jobqueue: { htcondor: { "scheduler-options": { contact_address: "tls://alice-3bc5106297.dask.af.example.edu:8786" } } },
        });
        // Only the group CA Secret is read; the hub's RBAC allows exactly that.
        expect(out.callsSpawn.filter((c: any) => c[0] === "read_secret")).toEqual([["read_secret", "af-cms", "hepaf-group-ca-keypair"]]);
        const rules = daskSessionRbac(settings).find((r) => r.namespace === "af-cms")!.rules;
        for (const call of out.callsSpawn) {
            const resource = call[0] === "read_secret" ? "secrets" : ({ Secret: "secrets", Service: "services", IngressRouteTCP: "ingressroutetcps" } as any)[call[1]];
            const verb = call[0] === "read_secret" ? "get" : call[0];
            const name = call[0] === "read_secret" ? call[2] : call[3];
            expect(rules.some((r) => r.resources.includes(resource) && r.verbs.includes(verb) && (!r.resourceNames || r.resourceNames.includes(name)))).toBe(true);
        }
    });

    test("the user's certificate verifies against the group CA with openssl, for client and server use", () => {
        const secret = out.objects.find((o: any) => o.kind === "Secret");
        const cert = Buffer.from(secret.data["tls.crt"], "base64").toString();
        expect(Buffer.from(secret.data["ca.crt"], "base64").toString()).toBe(ca.certPem);
        expect(opensslVerify(ca.certPem, cert, undefined, "sslclient").ok).toBe(true);
        expect(opensslVerify(ca.certPem, cert, undefined, "sslserver").ok).toBe(true);
        expect(opensslText(cert)).toContain("DNS:alice-3bc5106297.dask.af.example.edu");
        expect(opensslVerify(opensslMakeCa("other group").certPem, cert).ok).toBe(false);
    });

    test("wires the pod manifest after the profile: label, TLS volume and mount, contact address, the profile's own kept", () => {
        expect(out.pod.labels).toMatchObject({ keep: "me", "hepaf.io/dask-user": "alice-3bc5106297" });
        expect(out.pod.volumes).toEqual([
            { name: "home", emptyDir: {} },
            { name: "dask-tls", secret: { secretName: "dask-tls-alice-3bc5106297", defaultMode: 0o440 } },
            { name: "dask-session", secret: { secretName: "dask-tls-alice-3bc5106297", defaultMode: 0o444, items: [{ key: "session.yaml", path: "session.yaml" }] } },
        ]);
        expect(out.pod.volumeMounts).toEqual([
            { name: "home", mountPath: "/home/jovyan" },
            { name: "dask-tls", mountPath: "/etc/hepaf/dask-tls", readOnly: true },
            { name: "dask-session", mountPath: "/etc/hepaf/dask-session", readOnly: true },
        ]);
        expect(out.pod.env).toEqual(expect.arrayContaining([{ name: "A", value: "1" }, { name: "DASK_CONFIG", value: "/etc/hepaf/dask-session" }]));
        // A user of no group: the pod is left as it was.
        expect(JSON.stringify(out.outsiderPod)).not.toContain("dask-tls");
    });

    test("replaces leftovers at a second spawn and removes everything at stop", () => {
        expect(out.afterRespawn).toEqual([
            "IngressRouteTCP/af-cms/dask-alice-3bc5106297", "Secret/af-cms/dask-tls-alice-3bc5106297",
            "Secret/af-cms/hepaf-group-ca-keypair", "Service/af-cms/dask-alice-3bc5106297",
        ]);
        expect(out.afterStop).toEqual(["Secret/af-cms/hepaf-group-ca-keypair"]);
        expect(out.outsider).toBeNull();
    });

    test("escaped names are DNS labels, kept when safe, hashed when changed or long", () => {
        expect(out.escapes.alice).toBe("alice");
        expect(out.escapes["bob-0123456789"]).toMatch(/^bob-0123456789-[0-9a-f]{10}$/);
        const all = Object.values(out.escapes) as string[];
        expect(new Set(all).size).toBe(all.length);
        for (const e of all) {
            expect(e).toMatch(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/);
            expect(`dask-tls-${e}`.length).toBeLessThanOrEqual(63);
        }
    });
});

void parse;
