/**
 * The hub-side Dask session hooks (components/dask-sessions/dask_sessions.py) at spawn and stop,
 * against a fake Kubernetes API, with KubeSpawner's own pod manifest: what they create, what
 * they read, and what RBAC that needs.
 */
import { execFileSync } from "child_process";
import * as path from "path";
import { daskSessionRbac, renderDaskSessionSettings } from "../../components/dask-sessions";
import { opensslMakeCa, opensslText, opensslVerify } from "../helpers/openssl";

const root = path.join(__dirname, "..", "..");
const python = execFileSync("bash", [path.join(root, "scripts", "python-env.sh")], { encoding: "utf8" }).trim();
const runPy = (script: string, arg: object) =>
    JSON.parse(execFileSync(python, [path.join(root, "test", "python", script), JSON.stringify(arg)], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }));
/** The hub module's spawn and stop for `user`, with af-cms's CA keypair in the fake API. */
const runHooks = (settings: object, ca: { certPem: string; keyPem: string }, user: string, groups: string[]) =>
    runPy("dask_sessions_check.py", {
        module: path.join(root, "components", "dask-sessions"),
        values: { daskSessions: settings },
        ca: { namespace: "af-cms", name: "hepaf-group-ca-keypair", "tls.crt": ca.certPem, "tls.key": ca.keyPem, "ca.crt": ca.certPem },
        user, groups,
    });

const sessionSettings = renderDaskSessionSettings({
    domain: "af.example.edu", entrypoint: "dask", routeLabels: { "hepaf.io/traefik": "edge" },
    groups: [{ name: "cms", namespace: "af-cms" }, { name: "atlas", namespace: "af-atlas" }],
});

describe("hub module at spawn and stop, against a fake Kubernetes API", () => {
    const settings = sessionSettings;
    const ca = opensslMakeCa("af cms intermediate CA");
    let out: any;
    beforeAll(() => {
        out = runHooks(settings, ca, "Alice", ["students", "cms"]);
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
            // The Service also carries the label monitoring discovery selects (the settings' serviceLabels).
            apiVersion: "v1", kind: "Service", metadata: { name: "dask-alice-3bc5106297", namespace: "af-cms", labels: { ...labels, "hepaf.io/scrape": "hepaf-session-scheduler" } },
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

    test("a CA whose key identifier is not RFC 5280's SHA-1 (Go 1.25 and later, so cert-manager, write a truncated SHA-256): the leaf names that identifier and verifies", () => {
        const ski = "3f1a9c0e5b7d2468ace013579bdf02468ace1357";
        const sha256Ca = opensslMakeCa("af cms CA", 3650, { subjectKeyId: ski });
        const issued = runHooks(settings, sha256Ca, "Alice", ["cms"]);
        const cert = Buffer.from(issued.objects.find((o: any) => o.kind === "Secret").data["tls.crt"], "base64").toString();
        expect(opensslText(cert)).toMatch(new RegExp(`Authority Key Identifier:\\s*(keyid:)?${ski.match(/../g)!.join(":").toUpperCase()}`));
        const verified = opensslVerify(sha256Ca.certPem, cert, undefined, "sslclient");
        expect(verified.output).toContain("OK");
        expect(verified.ok).toBe(true);
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

describe("with session dashboards through the front door", () => {
    const settings = renderDaskSessionSettings({
        domain: "af.example.edu", entrypoint: "dask", routeLabels: { "hepaf.io/traefik": "edge" },
        groups: [{ name: "cms", namespace: "af-cms" }],
        dashboards: { pathPrefix: "/services/dask/sessions", entrypoint: "websecure", middlewares: ["hepaf-dask-sign-in", "hepaf-dask-drop-credentials", "hepaf-dask-session-prefix"] },
    });
    const ca = opensslMakeCa("af cms CA");
    let out: any;
    beforeAll(() => {
        out = runHooks(settings, ca, "alice", ["cms"]);
    });

    test("the hook routes the session's dashboard over HTTPS behind the group's middlewares, and tells Dask its link", () => {
        const route = out.objects.find((o: any) => o.kind === "IngressRoute");
        expect(route.metadata).toMatchObject({ name: "dask-alice", namespace: "af-cms", labels: { "hepaf.io/traefik": "edge", "hepaf.io/dask-user": "alice" } });
        expect(route.spec).toEqual({
            entryPoints: ["websecure"],
            routes: [{
                kind: "Rule",
                match: "Host(`af.example.edu`) && PathPrefix(`/services/dask/sessions/alice/`)",
                middlewares: ["hepaf-dask-sign-in", "hepaf-dask-drop-credentials", "hepaf-dask-session-prefix"].map((name) => ({ name, namespace: "af-cms" })),
                services: [{ name: "dask-alice", port: 8787 }],
            }],
            tls: {},
        });
        const secret = out.objects.find((o: any) => o.kind === "Secret");
        expect(JSON.parse(Buffer.from(secret.data["session.yaml"], "base64").toString())).toEqual({
            jobqueue: { htcondor: { "scheduler-options": { contact_address: "tls://alice.dask.af.example.edu:8786" } } },
            distributed: { dashboard: { link: "https://af.example.edu/services/dask/sessions/alice/status" } },
        });
        expect(out.afterStop).toEqual(["Secret/af-cms/hepaf-group-ca-keypair"]);
        // Every call the hook made is one its RBAC allows.
        const rules = daskSessionRbac(settings)[0].rules;
        const resourceOf: Record<string, string> = { Secret: "secrets", Service: "services", IngressRouteTCP: "ingressroutetcps", IngressRoute: "ingressroutes" };
        for (const call of out.callsSpawn.filter((c: any) => c[0] !== "read_secret")) {
            expect(rules.some((r) => r.resources.includes(resourceOf[call[1]]) && r.verbs.includes(call[0]))).toBe(true);
        }
    });
});
