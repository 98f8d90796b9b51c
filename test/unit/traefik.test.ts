import * as http from "http";
import * as fs from "fs";
import { parse } from "yaml";
import { errorOf, setupMocks, settled } from "../helpers/pulumi";
import { CrdValidator, k8sObjects, traefikCrds, validateAll, K8sObject } from "../helpers/k8s-schema";
import { grantsByNamespace } from "../helpers/rbac";

const mocks = setupMocks();
import { CertificateAuthority, SniRoute, Traefik, TRAEFIK_CRD_RESOURCES, UPSTREAM_IMAGES } from "../../components";
import { execFileSync } from "child_process";
import * as path from "path";

const crdFile = execFileSync("bash", [path.join(__dirname, "..", "..", "scripts", "traefik-crds.sh")], { encoding: "utf8" }).trim();
const crds = new CrdValidator(traefikCrds());

beforeEach(() => mocks.reset());

async function objects(): Promise<K8sObject[]> {
    await settled();
    return k8sObjects(mocks.resources);
}

const find = (objs: K8sObject[], kind: string, name?: string) =>
    objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));

describe("Traefik, installed", () => {
    test("declares CRDs, RBAC, config, Deployment, Service and PDB that validate against their schemas", async () => {
        const ca = new CertificateAuthority("root");
        const cert = ca.issue("edge-tls", { dnsNames: ["af.example.edu"], usages: ["server"] });
        const traefik = new Traefik("edge", {
            namespace: "af",
            watchNamespaces: ["af-cms", "af-atlas"],
            crds: { source: "file", path: crdFile },
            service: { type: "LoadBalancer", loadBalancerIP: "203.0.113.10" },
            defaultCertificate: cert,
        });
        traefik.sniRoute("alice", { namespace: "af-cms", host: "alice.dask.af.example.edu", service: { name: "dask-alice", port: 8786 } });
        const objs = await objects();
        validateAll(objs, crds);

        expect(find(objs, "CustomResourceDefinition").map((c) => c.metadata.name).sort()).toEqual(
            TRAEFIK_CRD_RESOURCES.map((r) => `${r}.traefik.io`).sort(),
        );
        expect(find(objs, "Namespace", "af")).toHaveLength(1);
        expect(traefik.entrypoints).toEqual({ web: "web", websecure: "websecure", dask: "dask" });
        expect(traefik.routeLabels).toEqual({ "hepaf.io/traefik": "edge" });

        // Static configuration, read back from the rendered YAML.
        const config = parse((find(objs, "ConfigMap", "edge-config")[0].data as any)["traefik.yml"]);
        const transport = { lifeCycle: { requestAcceptGraceTimeout: "5s", graceTimeOut: "10s" } };
        expect(config.entryPoints).toEqual({
            web: { address: ":8000", transport, http: { redirections: { entryPoint: { to: ":443", scheme: "https", permanent: true } } } },
            websecure: { address: ":8443", transport, http: { tls: {} } },
            dask: { address: ":8786/tcp", transport },
            traefik: { address: ":9000", transport },
            metrics: { address: ":9100", transport },
        });
        expect(config.providers.kubernetesCRD).toMatchObject({ namespaces: ["af", "af-cms", "af-atlas"], labelSelector: "hepaf.io/traefik=edge" });
        expect(config.ping).toEqual({ entryPoint: "traefik" });
        // Route changes are held 500 ms after one is applied, not Traefik's 2 s.
        expect(config.providers.providersThrottleDuration).toBe("500ms");
        expect(config.metrics).toEqual({ prometheus: { entryPoint: "metrics" } });

        // Least privilege: read-only in each watched namespace (a RoleBinding there to one
        // ClusterRole of the rules), nothing cluster-wide (no ClusterRoleBinding).
        expect(find(objs, "ClusterRoleBinding")).toHaveLength(0);
        expect(find(objs, "ClusterRole")).toHaveLength(1);
        const granted = grantsByNamespace(objs, "edge-traefik");
        expect(Object.keys(granted).sort()).toEqual(["af", "af-atlas", "af-cms"]);
        for (const rules of Object.values(granted)) {
            const verbs = new Set((rules as any[]).flatMap((r) => r.verbs));
            expect([...verbs].sort()).toEqual(["get", "list", "watch"]);
            expect((rules as any[]).flatMap((r) => r.resources)).not.toContain("pods");
        }
        expect(find(objs, "RoleBinding").every((b: any) => b.subjects[0].name === "edge" && b.subjects[0].namespace === "af")).toBe(true);

        // Deployment: non-root, read-only root filesystem, resources and probes.
        const deployment = find(objs, "Deployment", "edge")[0] as any;
        const pod = deployment.spec.template.spec;
        const container = pod.containers[0];
        expect(pod.securityContext.runAsNonRoot).toBe(true);
        expect(container.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] } });
        expect(container.resources.limits).toEqual({ cpu: "1", memory: "512Mi" });
        expect(container.readinessProbe.httpGet).toEqual({ path: "/ping", port: 9000 });
        expect(container.image).toBe(UPSTREAM_IMAGES.traefik);
        expect(deployment.spec.replicas).toBe(2);
        // Rolled one new pod at a time, each up before an old one goes; a stopping pod accepts 5 s, drains 10 s.
        expect(deployment.spec.strategy).toEqual({ type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
        expect(pod.terminationGracePeriodSeconds).toBe(20);

        // One Service, one IP, the three public ports.
        const svc = find(objs, "Service", "edge")[0] as any;
        expect(svc.spec.type).toBe("LoadBalancer");
        expect(svc.spec.loadBalancerIP).toBe("203.0.113.10");
        expect(svc.spec.ports.map((p: any) => [p.name, p.port, p.targetPort])).toEqual([
            ["web", 80, "web"],
            ["websecure", 443, "websecure"],
            ["dask", 8786, "dask"],
        ]);
        expect(svc.spec.selector).toEqual(deployment.spec.selector.matchLabels);
        expect((find(objs, "PodDisruptionBudget", "edge")[0] as any).spec.minAvailable).toBe(1);

        // Default certificate: a TLS Secret referenced by the default TLSStore; no key in any ConfigMap.
        const secret = find(objs, "Secret", "edge-default-tls")[0] as any;
        expect(secret.type).toBe("kubernetes.io/tls");
        const store = find(objs, "TLSStore", "default")[0] as any;
        expect(store.spec.defaultCertificate.secretName).toBe("edge-default-tls");
        expect(store.metadata.labels["hepaf.io/traefik"]).toBe("edge");
        for (const cm of find(objs, "ConfigMap")) {
            expect(JSON.stringify(cm)).not.toMatch(/PRIVATE KEY/);
        }
        // Every object carries the standard labels.
        for (const o of objs) {
            expect(o.metadata.labels["app.kubernetes.io/managed-by"]).toBe("pulumi");
        }
    });

    test("NodePort and ClusterIP services, custom ports and names", async () => {
        new Traefik("np", {
            namespace: "np",
            crds: { source: "none" },
            daskPort: 9786,
            websecurePort: 8443,
            entrypointNames: { dask: "daskwire" },
            service: { type: "NodePort", nodePorts: { dask: 30786 } },
            replicas: 1,
            providersThrottleMs: 0,
            acceptGraceSeconds: 0,
            drainSeconds: 30,
        });
        new Traefik("cip", { namespace: "cip", crds: { source: "none" }, service: { type: "ClusterIP" }, createNamespace: false });
        const objs = await objects();
        validateAll(objs, crds);
        expect(find(objs, "CustomResourceDefinition")).toHaveLength(0);
        const np = find(objs, "Service", "np")[0] as any;
        expect(np.spec.type).toBe("NodePort");
        expect(np.spec.ports.find((p: any) => p.name === "daskwire")).toMatchObject({ port: 9786, nodePort: 30786 });
        const config = parse((find(objs, "ConfigMap", "np-config")[0].data as any)["traefik.yml"]);
        // Traefik listens on its unprivileged container port; the Service maps the public one to it.
        expect(config.entryPoints.daskwire.address).toBe(":8786/tcp");
        expect(np.spec.ports.find((p: any) => p.name === "daskwire").targetPort).toBe("daskwire");
        expect(config.entryPoints.web.http.redirections.entryPoint.to).toBe(":8443");
        expect(config.providers.providersThrottleDuration).toBe("0ms");
        // A stopping pod: accept for acceptGraceSeconds, drain for drainSeconds, killed 5 s after both.
        for (const ep of Object.values(config.entryPoints) as any[]) expect(ep.transport.lifeCycle).toEqual({ requestAcceptGraceTimeout: "0s", graceTimeOut: "30s" });
        expect((find(objs, "Deployment", "np")[0] as any).spec.template.spec.terminationGracePeriodSeconds).toBe(35);
        expect((find(objs, "PodDisruptionBudget", "np")[0] as any).spec).toMatchObject({ maxUnavailable: 1 });
        expect((find(objs, "Service", "cip")[0] as any).spec.type).toBe("ClusterIP");
        expect(find(objs, "Namespace", "cip")).toHaveLength(0);
    });

    test("CRDs come from a URL (the release URL by default, any URL the admin gives), however slow the download", async () => {
        // The server answers late: the test waits for the registrations, not for a quiet period.
        const server = http.createServer((_req, res) => setTimeout(() => res.end(fs.readFileSync(crdFile)), 700));
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        const port = (server.address() as any).port;
        try {
            new Traefik("url", { namespace: "url", crds: { source: "url", url: `http://127.0.0.1:${port}/crds.yml` } });
            const objs = await objects();
            expect(find(objs, "CustomResourceDefinition")).toHaveLength(10);
        } finally {
            server.close();
        }
        expect(require("../../components").crdReleaseUrl("v3.7.13")).toBe(
            "https://raw.githubusercontent.com/traefik/traefik/v3.7.13/docs/content/reference/dynamic-configuration/kubernetes-crd-definition-v1.yml",
        );
    });
});

describe("Traefik, bring your own", () => {
    test("installs nothing and names the entrypoints for routes", async () => {
        const traefik = new Traefik("theirs", {
            namespace: "ingress",
            mode: "existing",
            existing: { entrypointNames: { dask: "tcp-dask" }, routeLabels: { "ingress.example.org/class": "af" }, daskPort: 443 },
        });
        traefik.sniRoute("bob", { namespace: "af-cms", host: "bob.dask.af.example.edu", service: { name: "dask-bob", port: 8786 } });
        const objs = await objects();
        expect(objs.map((o) => o.kind)).toEqual(["IngressRouteTCP"]);
        const route = objs[0] as any;
        expect(route.spec.entryPoints).toEqual(["tcp-dask"]);
        expect(route.metadata.labels["ingress.example.org/class"]).toBe("af");
        expect(traefik.daskPort).toBe(443);
    });
});

describe("SniRoute", () => {
    test("HostSNI with TLS passthrough on the Dask entrypoint, to a Service and port", async () => {
        const r = new SniRoute("dask-abc", {
            namespace: "af-cms",
            host: "daskgateway-af-cms.abc123",
            service: { name: "dask-abc", port: 8786 },
            entrypoint: "dask",
            labels: { "hepaf.io/traefik": "edge" },
        });
        const several = new SniRoute("many", { namespace: "af", hosts: ["a.example.org", "b.example.org"], service: { name: "s", port: 1 }, entrypoint: "dask" });
        const pattern = new SniRoute("pattern", { namespace: "af", hostRegexp: "^[a-z0-9-]+\\.dask\\.example\\.org$", service: { name: "s", port: 1 }, entrypoint: "dask" });
        const objs = await objects();
        validateAll(objs, crds);
        const route = find(objs, "IngressRouteTCP", "dask-abc")[0] as any;
        expect(route.apiVersion).toBe("traefik.io/v1alpha1");
        expect(route.spec).toEqual({
            entryPoints: ["dask"],
            routes: [{ match: "HostSNI(`daskgateway-af-cms.abc123`)", services: [{ name: "dask-abc", port: 8786 }] }],
            tls: { passthrough: true },
        });
        expect(r.rule).toBe("HostSNI(`daskgateway-af-cms.abc123`)");
        expect(several.rule).toBe("HostSNI(`a.example.org`) || HostSNI(`b.example.org`)");
        // Anchored: Traefik's Go regexp matches anywhere in the name otherwise.
        expect(pattern.rule).toBe("HostSNIRegexp(`^(?:^[a-z0-9-]+\\.dask\\.example\\.org$)$`)");
    });
});

describe("bad input names the argument", () => {
    const base = { namespace: "af", crds: { source: "none" as const } };
    test.each([
        [{ ...base, daskPort: 443 }, 'e.daskPort: entrypoints "websecure" and "dask" would both be exposed on port 443; give each entrypoint its own port'],
        [{ ...base, webPort: 443 }, 'e.websecurePort: entrypoints "web" and "websecure" would both be exposed on port 443; give each entrypoint its own port'],
        [{ ...base, daskPort: 70000 }, "e.daskPort: 70000 is not a valid port (an integer from 1 to 65535)"],
        [{ ...base, service: { type: "Ingress" as any } }, 'e.service.type: "Ingress" is not valid; use one of "LoadBalancer", "NodePort", "ClusterIP"'],
        [{ ...base, service: { type: "ClusterIP" as const, loadBalancerIP: "203.0.113.1" } }, 'e.service.loadBalancerIP: a fixed IP needs service.type "LoadBalancer", not "ClusterIP"'],
        [{ ...base, service: { loadBalancerIP: "203.0.113" } }, 'e.service.loadBalancerIP: "203.0.113" is not a valid IPv4 or IPv6 address'],
        [{ ...base, namespace: "AF" }, 'e.namespace: "AF" is not a valid DNS label (lower-case letters, digits and \'-\', starting and ending with a letter or digit, at most 63 characters)'],
        [{ ...base, watchNamespaces: ["ok", "not_ok"] }, 'e.watchNamespaces[1]: "not_ok" is not a valid DNS label'],
        [{ ...base, mode: "sidecar" as any }, 'e.mode: "sidecar" is not valid; use one of "install", "existing"'],
        [{ ...base, crds: { source: "file" as const, path: "/nonexistent/crds.yml" } }, 'e.crds.path: file "/nonexistent/crds.yml" does not exist'],
        [{ ...base, crds: { source: "git" as any } }, 'e.crds.source: "git" is not valid; use "url", "file" or "none"'],
        [{ ...base, entrypointNames: { dask: "web" } }, 'e.entrypointNames: entrypoint name "web" is used twice'],
        [{ ...base, providersThrottleMs: 2.5 }, "e.providersThrottleMs: must be a whole number of milliseconds from 0 to 60000, got 2.5"],
        [{ ...base, providersThrottleMs: -1 }, "e.providersThrottleMs: must be a whole number of milliseconds from 0 to 60000, got -1"],
        [{ ...base, acceptGraceSeconds: 1.5 }, "e.acceptGraceSeconds: must be a whole number of seconds from 0 to 600, got 1.5"],
        [{ ...base, drainSeconds: 601 }, "e.drainSeconds: must be a whole number of seconds from 0 to 600, got 601"],
    ])("%o", async (args, message) => {
        expect(errorOf(() => new Traefik("e", args as any))).toContain(message);
        const objs = await objects();
        expect(objs).toHaveLength(0); // nothing half-applied
        expect(mocks.resources).toHaveLength(0);
    });

    test("invalid SNI hosts follow Traefik's HostSNI grammar", () => {
        const route = (host: any) => () => new SniRoute("r", { namespace: "af", host, service: { name: "s", port: 1 }, entrypoint: "dask" });
        expect(errorOf(route("*.dask.example.org"))).toBe(
            'r.host: "*.dask.example.org" is not a valid HostSNI host: use "*" or one DNS name of lower-case letters, digits, \'-\' and \'.\' (for patterns use hostRegexp)',
        );
        expect(errorOf(route("a`b"))).toMatch(/^r.host: "a`b" is not a valid HostSNI host/);
        expect(errorOf(route("a..b"))).toMatch(/^r.host: "a..b" is not a valid HostSNI host/);
        expect(errorOf(() => new SniRoute("r", { namespace: "af", service: { name: "s", port: 1 }, entrypoint: "dask" }))).toBe(
            "r: give host, hosts or hostRegexp: the SNI names this route matches",
        );
        const regexp = (hostRegexp: string) => () => new SniRoute("r", { namespace: "af", hostRegexp, service: { name: "s", port: 1 }, entrypoint: "dask" });
        expect(errorOf(regexp("("))).toMatch(/^r.hostRegexp: "\(" is not a regular expression Traefik \(Go, RE2 syntax\) accepts: error parsing regexp: missing closing \)/);
        // JavaScript accepts lookaheads and backreferences; Go's regexp, which Traefik uses, does not.
        expect(errorOf(regexp("(?=[a-z])[a-z]+\\.dask\\.example\\.org"))).toContain("invalid or unsupported Perl syntax: `(?=`");
        expect(errorOf(regexp("([a-z])\\1\\.dask\\.example\\.org"))).toContain("invalid escape sequence: `\\1`");
        expect(errorOf(() => new SniRoute("r", { namespace: "af", hosts: ["a.x", "a.x"], service: { name: "s", port: 1 }, entrypoint: "dask" }))).toBe(
            'r.hosts: duplicate SNI host "a.x"',
        );
    });

    test("an SNI host routed twice on one Traefik is refused", () => {
        const t = new Traefik("dup", { namespace: "af", crds: { source: "none" } });
        t.sniRoute("first", { namespace: "af-cms", host: "alice.dask.example.org", service: { name: "a", port: 8786 } });
        expect(errorOf(() => t.sniRoute("second", { namespace: "af-atlas", host: "alice.dask.example.org", service: { name: "b", port: 8786 } }))).toBe(
            'second.host: SNI host "alice.dask.example.org" is already routed by "first"; each host may have one route',
        );
    });
});

describe("ports Traefik can bind", () => {
    test("a public Dask port below 1024 is a Service port: Traefik, non-root without capabilities, still listens on 8786", async () => {
        new Traefik("low", { namespace: "af", crds: { source: "none" }, daskPort: 853 });
        const objs = await objects();
        const container = (find(objs, "Deployment", "low")[0] as any).spec.template.spec.containers[0];
        expect(container.securityContext.capabilities).toEqual({ drop: ["ALL"] });
        // Every port the container listens on is unprivileged.
        expect(container.ports.map((p: any) => p.containerPort).filter((p: number) => p < 1024)).toEqual([]);
        const config = parse((find(objs, "ConfigMap", "low-config")[0].data as any)["traefik.yml"]);
        expect(Object.values<any>(config.entryPoints).map((e) => Number(/:(\d+)/.exec(e.address)![1])).filter((p) => p < 1024)).toEqual([]);
        const svc = find(objs, "Service", "low")[0] as any;
        expect(svc.spec.ports.map((p: any) => [p.name, p.port, p.targetPort])).toEqual([
            ["web", 80, "web"],
            ["websecure", 443, "websecure"],
            ["dask", 853, "dask"],
        ]);
        expect(container.ports.find((p: any) => p.name === "dask").containerPort).toBe(8786);
    });
});

describe("HostSNIRegexp patterns as Go's regexp reads them", () => {
    test("the rendered pattern matches the whole name only", () => {
        const { RE2JS } = require("re2js");
        const route = new SniRoute("p", { namespace: "af", hostRegexp: "[a-z]+\\.dask\\.af\\.example\\.org", service: { name: "s", port: 1 }, entrypoint: "dask" });
        const rendered = /^HostSNIRegexp\(`(.*)`\)$/.exec(route.rule)![1];
        const re = RE2JS.compile(rendered);
        expect(re.matcher("alice.dask.af.example.org").find()).toBe(true);
        expect(re.matcher("alice.dask.af.example.org.attacker.example.net").find()).toBe(false);
        expect(re.matcher("x.alice.dask.af.example.org").find()).toBe(false);
    });
});
