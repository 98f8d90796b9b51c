import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { unknownCheckingProxy, UnknownValueError } from "@pulumi/policy";
import * as pulumi from "@pulumi/pulumi";
import { knownProps, knownResource } from "../../policy/known";
import { daskRoutesPassthrough, groupNamespacesGuarded, limitsAndNonRoot, onlyTraefikLoadBalancer, secretsInConfigMap, UNKNOWN } from "../../policy/rules";

const cm = (data: Record<string, string>) => ({ type: "kubernetes:core/v1:ConfigMap", props: { kind: "ConfigMap", metadata: { name: "c" }, data } });
const deployment = (container: any, podSecurity: any = {}) => ({
    type: "kubernetes:apps/v1:Deployment",
    props: { kind: "Deployment", spec: { template: { spec: { securityContext: podSecurity, containers: [container] } } } },
});
const route = (entryPoints: string[], tls?: any) => ({
    type: "kubernetes:traefik.io/v1alpha1:IngressRouteTCP",
    props: { kind: "IngressRouteTCP", metadata: { name: "r" }, spec: { entryPoints, routes: [], tls } },
});
const service = (type: string, name: string) => ({
    type: "kubernetes:core/v1:Service",
    props: { kind: "Service", metadata: { name, labels: { "app.kubernetes.io/name": name } }, spec: { type } },
});

test("no secret data in ConfigMaps", () => {
    expect(secretsInConfigMap(cm({ "traefik.yml": "entryPoints: {}", "ca.crt": "-----BEGIN CERTIFICATE-----\nMIIB\n-----END CERTIFICATE-----" }))).toEqual([]);
    expect(secretsInConfigMap(cm({ "tls.key": ["-----BEGIN EC", "PRIVATE KEY-----\nMHcC\n-----END EC", "PRIVATE KEY-----"].join(" ") }))).toEqual([
        'ConfigMap key "tls.key" holds a PEM private key; put it in a Secret',
    ]);
    expect(secretsInConfigMap(cm({ cms: "eyJhbGciOiJIUzI1NiIsImtpZCI6IlBPT0wifQ.eyJzdWIiOiJjbXNAZXhhbXBsZSJ9.c2lnbmF0dXJlc2lnbmF0dXJl" }))).toHaveLength(1);
    expect(secretsInConfigMap(cm({ "proxy-token": "a3f9c2d1e8b7a6f5c4d3e2f1" }))).toEqual(['ConfigMap key "proxy-token" looks like a secret value; put it in a Secret']);
    expect(secretsInConfigMap(cm({ "token-directory": "/home/jovyan/.condor/tokens.d" }))).toEqual([]);
});

test("workloads have limits and run as non-root", () => {
    const good = { name: "app", resources: { limits: { cpu: "1", memory: "1Gi" } }, securityContext: { runAsNonRoot: true } };
    expect(limitsAndNonRoot(deployment(good))).toEqual([]);
    expect(limitsAndNonRoot(deployment({ ...good, securityContext: {} }, { runAsNonRoot: true }))).toEqual([]);
    expect(limitsAndNonRoot(deployment({ ...good, resources: { requests: { cpu: "1" } } }))).toEqual(['container "app" has no CPU and memory limits']);
    expect(limitsAndNonRoot(deployment({ ...good, securityContext: {} }))).toEqual([
        'container "app" may run as root (set runAsNonRoot, or give the reason in the hepaf.io/runs-as-root annotation)',
    ]);
    // A workload that must run as root says why; limits are still required.
    const rootDeployment = (reason: string, container: any) => {
        const d = deployment(container);
        (d.props as any).metadata = { annotations: { "hepaf.io/runs-as-root": reason } };
        return d;
    };
    expect(limitsAndNonRoot(rootDeployment("the daemon drops privileges per job", { ...good, securityContext: {} }))).toEqual([]);
    expect(limitsAndNonRoot(rootDeployment("yes", { ...good, securityContext: {} }))).toHaveLength(1);
    expect(limitsAndNonRoot(rootDeployment("the daemon drops privileges per job", { name: "app", securityContext: {} }))).toEqual(['container "app" has no CPU and memory limits']);
    expect(limitsAndNonRoot(deployment({ ...good, securityContext: { runAsUser: 0 } }, { runAsNonRoot: true }))).toHaveLength(1);
});

test("IngressRouteTCPs on the Dask entrypoint pass TLS through", () => {
    expect(daskRoutesPassthrough(route(["dask"], { passthrough: true }), "dask")).toEqual([]);
    expect(daskRoutesPassthrough(route(["other"]), "dask")).toEqual([]);
    expect(daskRoutesPassthrough(route(["dask"], { secretName: "x" }), "dask")).toEqual(['IngressRouteTCP on "dask" must set tls.passthrough: true']);
    expect(daskRoutesPassthrough(route(["daskwire"]), "daskwire")).toHaveLength(1);
});

test("only Traefik's Service is a LoadBalancer", () => {
    expect(onlyTraefikLoadBalancer(service("LoadBalancer", "traefik"))).toEqual([]);
    expect(onlyTraefikLoadBalancer(service("ClusterIP", "hub"))).toEqual([]);
    expect(onlyTraefikLoadBalancer(service("LoadBalancer", "hub"))).toEqual([
        'Service "hub" is a LoadBalancer; only Traefik\'s Service may be (route through it instead)',
    ]);
});

test("group namespaces have a NetworkPolicy and a ResourceQuota", () => {
    const ns = { type: "kubernetes:core/v1:Namespace", props: { metadata: { name: "af-cms", labels: { "hepaf.io/group": "cms" } } } };
    const np = { type: "kubernetes:networking.k8s.io/v1:NetworkPolicy", props: { metadata: { name: "p", namespace: "af-cms" } } };
    const quota = { type: "kubernetes:core/v1:ResourceQuota", props: { metadata: { name: "q", namespace: "af-cms" } } };
    expect(groupNamespacesGuarded([ns, np, quota])).toEqual([]);
    expect(groupNamespacesGuarded([ns, np])).toEqual(['group namespace "af-cms" has no ResourceQuota']);
    expect(groupNamespacesGuarded([ns])).toEqual(['group namespace "af-cms" has no NetworkPolicy', 'group namespace "af-cms" has no ResourceQuota']);
});

describe("values not known during preview", () => {
    // What a policy gets from the SDK during a preview: the engine's unknown sentinel (the one
    // Pulumi's runtime sends for a value it cannot know yet) behind the SDK's own proxy.
    const unknown = pulumi.runtime.unknownValue;
    const asPreviewed = (r: { type: string; props: Record<string, any> }) => ({ type: r.type, props: unknownCheckingProxy(r.props) });
    const pem = ["-----BEGIN EC", "PRIVATE KEY-----\nMHcC\n-----END EC", "PRIVATE KEY-----"].join(" ");

    test("read directly, an unknown value throws inside the SDK's proxy (what the SDK turns into a \"can't run policy\" advisory)", () => {
        expect(() => secretsInConfigMap(asPreviewed(cm({ "ca.crt": unknown })))).toThrow(UnknownValueError);
        expect(() => secretsInConfigMap(asPreviewed(cm({ "ca.crt": unknown })))).toThrow("string value at .data.ca.crt can't be known during preview");
    });

    test("read through knownResource, unknown values become UNKNOWN and everything known is kept", () => {
        const props = knownProps(unknownCheckingProxy({ data: { "ca.crt": unknown, n: 1 }, list: [unknown, "x", { y: unknown }], none: null }));
        expect(props).toEqual({ data: { "ca.crt": UNKNOWN, n: 1 }, list: [UNKNOWN, "x", { y: UNKNOWN }], none: null });
        expect(Array.isArray(props.list)).toBe(true);
    });

    test("a trust bundle whose certificate is not known yet is no violation; a known key beside it still is", () => {
        expect(secretsInConfigMap(knownResource(asPreviewed(cm({ "ca.crt": unknown }))))).toEqual([]);
        expect(secretsInConfigMap(knownResource(asPreviewed({ type: "kubernetes:core/v1:ConfigMap", props: { data: unknown } })))).toEqual([]);
        expect(secretsInConfigMap(knownResource(asPreviewed(cm({ "ca.crt": unknown, "tls.key": pem }))))).toEqual([
            'ConfigMap key "tls.key" holds a PEM private key; put it in a Secret',
        ]);
        // Once known (pulumi up), the same bundle is judged on its value.
        expect(secretsInConfigMap(knownResource(asPreviewed(cm({ "ca.crt": pem }))))).toHaveLength(1);
    });

    test("the other rules decide on what is known and never throw on an unknown value", () => {
        const limited = { name: "app", resources: { limits: { cpu: "1", memory: "1Gi" } } };
        const previewed = (r: any) => knownResource(asPreviewed(r));
        // Not known whether it runs as root: no violation; known to lack limits: still one.
        expect(limitsAndNonRoot(previewed(deployment({ ...limited, securityContext: { runAsUser: unknown } })))).toEqual([]);
        expect(limitsAndNonRoot(previewed(deployment({ ...limited, securityContext: {} }, { runAsUser: unknown })))).toEqual([]);
        expect(limitsAndNonRoot(previewed(deployment({ name: "app", resources: { limits: unknown }, securityContext: { runAsNonRoot: true } })))).toEqual([]);
        expect(limitsAndNonRoot(previewed(deployment({ name: "app", securityContext: { runAsUser: unknown } })))).toEqual(['container "app" has no CPU and memory limits']);
        expect(limitsAndNonRoot(previewed(deployment({ ...limited, securityContext: {} })))).toHaveLength(1);
        expect(daskRoutesPassthrough(previewed(route(["dask"], { passthrough: unknown })), "dask")).toEqual([]);
        expect(daskRoutesPassthrough(previewed(route(["dask"], unknown)), "dask")).toEqual([]);
        expect(daskRoutesPassthrough(previewed(route(["dask"], { passthrough: false })), "dask")).toHaveLength(1);
        const lb = service("LoadBalancer", "hub");
        lb.props.metadata.labels["app.kubernetes.io/name"] = unknown;
        expect(onlyTraefikLoadBalancer(previewed(lb))).toEqual([]);
        const namedLater = service("LoadBalancer", "hub");
        (namedLater.props.metadata as any).name = unknown;
        expect(onlyTraefikLoadBalancer(previewed(namedLater))).toEqual(['Service "(not known yet)" is a LoadBalancer; only Traefik\'s Service may be (route through it instead)']);
        const ns = { type: "kubernetes:core/v1:Namespace", props: { metadata: { name: "af-cms", labels: { "hepaf.io/group": "cms" } } } };
        const np = { type: "kubernetes:networking.k8s.io/v1:NetworkPolicy", props: { metadata: { name: "p", namespace: unknown } } };
        expect(groupNamespacesGuarded([ns, np].map(previewed))).toEqual(['group namespace "af-cms" has no ResourceQuota']);
        const unlabelled = { type: "kubernetes:core/v1:Namespace", props: { metadata: { name: "af-x", labels: unknown } } };
        expect(groupNamespacesGuarded([unlabelled].map(previewed))).toEqual([]);
    });
});

describe("the pack is a package of its own", () => {
    const root = path.join(__dirname, "..", "..");
    const packDir = path.join(root, "policy");
    const pkg = JSON.parse(fs.readFileSync(path.join(packDir, "package.json"), "utf8"));

    test("name, version and an entry point that exists; PulumiPolicy.yaml runs it with Node.js", () => {
        expect(pkg.name).toBe("hepaf-policy");
        expect(pkg.version).toMatch(/^\d+\.\d+\.\d+$/);
        expect(pkg.private).toBe(true);
        expect(fs.statSync(path.join(packDir, pkg.main)).isFile()).toBe(true);
        expect(parse(fs.readFileSync(path.join(packDir, "PulumiPolicy.yaml"), "utf8")).runtime).toBe("nodejs");
    });

    test("its dependencies are pinned to what the root lock file installs, and resolve from policy/ to that install", () => {
        // No lock file or node_modules of its own: Node finds them in the repository's node_modules.
        expect(fs.existsSync(path.join(packDir, "package-lock.json"))).toBe(false);
        const lock = JSON.parse(fs.readFileSync(path.join(root, "package-lock.json"), "utf8"));
        expect(Object.keys(pkg.dependencies).sort()).toEqual(["@pulumi/policy", "@pulumi/pulumi"]);
        for (const [dep, version] of Object.entries<string>(pkg.dependencies)) {
            expect({ dep, version }).toEqual({ dep, version: lock.packages[`node_modules/${dep}`].version });
            const resolved = require.resolve(`${dep}/package.json`, { paths: [packDir] });
            expect(path.relative(root, resolved)).toBe(path.join("node_modules", dep, "package.json"));
        }
    });
});
