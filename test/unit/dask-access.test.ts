/**
 * The Dask access service as a component: what it declares (under mocks, every object checked
 * against the Kubernetes schemas and Traefik's CRDs), the least privilege of its account, the
 * values its Python service reads, and bad input refused before anything is declared.
 */
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as path from "path";
import { errorOf, isSecretValue, setupMocks, settled } from "../helpers/pulumi";
import { CrdValidator, k8sObjects, K8sObject, traefikCrds, validateAll } from "../helpers/k8s-schema";
import { grantedRules } from "../helpers/rbac";

const mocks = setupMocks();
import {
    DASK_ACCESS_GROUP_OBJECTS, DaskAccess, DaskAccessArgs, daskAccessHubService, daskAccessRbac, gatewayDashboards, HUB_API_CLIENT_LABELS, HUB_IMAGE,
    planDaskAccess, renderDaskAccessValues,
} from "../../components";
import { DASK_VERSIONS } from "../../components/images";
import { limitsAndNonRoot, secretsInConfigMap } from "../../policy/rules";

const crds = new CrdValidator(traefikCrds());
beforeEach(() => mocks.reset());
const dir = path.join(__dirname, "..", "..", "components", "dask-sessions");

const args = (over: Partial<DaskAccessArgs> = {}): DaskAccessArgs => ({
    facility: "af",
    namespace: "af",
    domain: "af.example.org",
    groups: [
        { name: "cms", namespace: "af-cms", sessions: true, gateway: { address: "https://af.example.org/services/dask-gateway-cms", proxyAddress: "gateway://af.example.org:8786" } },
        { name: "atlas", namespace: "af-atlas", gateway: { address: "https://af.example.org/services/dask-gateway-atlas", proxyAddress: "gateway://af.example.org:8786" } },
        { name: "outreach", namespace: "af-outreach" },
    ],
    hub: { serviceName: "dask", apiToken: pulumi.secret("service-token-0123456789abcdef"), hubApiUrl: "http://af-hub.af.svc.cluster.local:8081/hub/api" },
    traefik: { namespace: "af", entrypoints: { websecure: "websecure" }, routeLabels: { "hepaf.io/traefik": "edge" } },
    ...over,
});

async function objects(): Promise<K8sObject[]> {
    await settled();
    return k8sObjects(mocks.resources);
}
const one = (objs: K8sObject[], kind: string, name: string, namespace: string): any => {
    const found = objs.filter((o) => o.kind === kind && o.metadata.name === name && o.metadata.namespace === namespace);
    expect(found).toHaveLength(1);
    return found[0];
};

describe("DaskAccess", () => {
    test("declares the service beside the hub, its routes and the group middlewares; every object valid", async () => {
        const access = new DaskAccess("af-dask-access", args());
        const objs = await objects();
        validateAll(objs, crds);
        expect(access.url).toBe("https://af.example.org/services/dask/");

        const dep = one(objs, "Deployment", "af-dask-access", "af");
        expect(dep.spec.replicas).toBe(1);
        const pod = dep.spec.template.spec;
        const c = pod.containers[0];
        expect(c.image).toBe(HUB_IMAGE);
        expect(c.command).toEqual(["python3", "/etc/hepaf/dask-access/dask_access.py"]);
        expect(c.ports).toEqual([{ name: "http", containerPort: 8080, protocol: "TCP" }, { name: "metrics", containerPort: 9101, protocol: "TCP" }]);
        expect(dep.spec.template.metadata.labels).toMatchObject(HUB_API_CLIENT_LABELS);
        const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? e.valueFrom]));
        expect(env).toMatchObject({
            JUPYTERHUB_SERVICE_NAME: "dask",
            JUPYTERHUB_CLIENT_ID: "service-dask",
            JUPYTERHUB_SERVICE_PREFIX: "/services/dask/",
            JUPYTERHUB_OAUTH_CALLBACK_URL: "/services/dask/oauth_callback",
            JUPYTERHUB_API_URL: "http://af-hub.af.svc.cluster.local:8081/hub/api",
            JUPYTERHUB_API_TOKEN: { secretKeyRef: { name: "af-dask-access", key: "hub-api-token" } },
            HEPAF_DASK_ACCESS_COOKIE_SECRET: { secretKeyRef: { name: "af-dask-access", key: "cookie-secret" } },
        });
        expect(c.securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
        expect(pod.volumes).toContainEqual({ name: "root-ca", configMap: { name: "hepaf-root-ca" } });

        // The ConfigMap ships the two Python files as they are, and the values the service reads.
        const cm = one(objs, "ConfigMap", "af-dask-access", "af");
        expect(cm.data["dask_access.py"]).toBe(fs.readFileSync(path.join(dir, "dask_access.py"), "utf8"));
        expect(cm.data["dask_sessions.py"]).toBe(fs.readFileSync(path.join(dir, "dask_sessions.py"), "utf8"));
        expect(JSON.parse(cm.data["values.json"])).toEqual(renderDaskAccessValues(planDaskAccess(args())));
        // Secrets only in the Secret.
        const secret = mocks.named("af-dask-access-secret");
        // The whole stringData is a secret (the engine marks an object holding a secret as one).
        expect(isSecretValue(secret.rawInputs.stringData)).toBe(true);
        expect(secret.inputs.stringData["hub-api-token"]).toBe("service-token-0123456789abcdef");
        expect(secret.inputs.stringData["cookie-secret"]).toMatch(/^[0-9a-f]{64}$/);
        const asPolicy = mocks.resources.filter((r) => r.type.startsWith("kubernetes:")).map((r) => ({ type: r.type, props: r.inputs }));
        expect(asPolicy.flatMap((r) => [...secretsInConfigMap(r), ...limitsAndNonRoot(r)])).toEqual([]);

        // Traefik routes its prefix straight to it, on HTTPS.
        const route = one(objs, "IngressRoute", "af-dask-access", "af");
        expect(route.metadata.labels["hepaf.io/traefik"]).toBe("edge");
        expect(route.spec).toEqual({
            entryPoints: ["websecure"],
            routes: [{ kind: "Rule", match: "Host(`af.example.org`) && PathPrefix(`/services/dask/`)", services: [{ name: "af-dask-access", port: 8080 }] }],
            tls: {},
        });
        // The metrics on a port of their own, which the route above does not lead to.
        expect(one(objs, "Service", "af-dask-access", "af").spec.ports).toEqual([
            { name: "http", port: 8080, targetPort: "http", protocol: "TCP" },
            { name: "metrics", port: 9101, targetPort: "metrics", protocol: "TCP" },
        ]);

        // Per group: the sign-in and credential-dropping middlewares where there are dashboards, the
        // session prefix and the certificate record where users run their own schedulers.
        const o = DASK_ACCESS_GROUP_OBJECTS;
        const inNs = (ns: string) => objs.filter((x) => x.metadata.namespace === ns).map((x) => `${x.kind}/${x.metadata.name}`).sort();
        expect(inNs("af-cms")).toEqual([`ConfigMap/${o.records}`, `Middleware/${o.dropCredentials}`, `Middleware/${o.sessionPrefix}`, `Middleware/${o.signIn}`, "RoleBinding/af-dask-access"]);
        expect(inNs("af-atlas")).toEqual([`Middleware/${o.dropCredentials}`, `Middleware/${o.signIn}`, "RoleBinding/af-dask-access"]);
        expect(inNs("af-outreach")).toEqual([]);
        expect(one(objs, "Middleware", o.signIn, "af-cms").spec.forwardAuth).toEqual({
            address: "http://af-dask-access.af.svc.cluster.local:8080/services/dask/auth",
            trustForwardHeader: false,
            authRequestHeaders: ["Cookie", "Authorization", "Accept", "Sec-Fetch-Mode", "Sec-Fetch-Site"],
            maxResponseBodySize: 65536,
        });
        expect(one(objs, "Middleware", o.dropCredentials, "af-cms").spec).toEqual({ headers: { customRequestHeaders: { Cookie: "", Authorization: "" } } });
        expect(one(objs, "Middleware", o.sessionPrefix, "af-cms").spec).toEqual({ stripPrefixRegex: { regex: ["^/services/dask/sessions/[a-z0-9-]+/"] } });
        // The record is the service's to write: declared empty, its data never reset by an update.
        const records = one(objs, "ConfigMap", o.records, "af-cms");
        expect(records.data).toBeUndefined();
        expect(mocks.named("af-dask-access-records-cms").options.ignoreChanges).toEqual(["data"]);

        // Its network: only Traefik's namespace and the hub's pods reach it.
        const policy = one(objs, "NetworkPolicy", "af-dask-access", "af");
        expect(policy.spec.ingress[0]).toEqual({ from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "af" } } }], ports: [{ port: 8080, protocol: "TCP" }] });
    });

    test("its account reads only its groups' CA Secrets and records, by name, and their clusters' owners", async () => {
        new DaskAccess("af-dask-access", args());
        const objs = await objects();
        const rules = (ns: string) => grantedRules(objs, "af-dask-access", ns);
        expect(rules("af-cms")).toEqual([
            { apiGroups: [""], resources: ["secrets"], verbs: ["get"], resourceNames: ["hepaf-group-ca-keypair"] },
            { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "update"], resourceNames: ["hepaf-dask-access-certificates"] },
            { apiGroups: ["gateway.dask.org"], resources: ["daskclusters"], verbs: ["get"] },
        ]);
        expect(rules("af-atlas")).toEqual([{ apiGroups: ["gateway.dask.org"], resources: ["daskclusters"], verbs: ["get"] }]);
        expect(objs.filter((o) => o.kind === "RoleBinding" && o.metadata.namespace === "af")).toEqual([]);
        expect(objs.filter((o) => o.kind === "ClusterRoleBinding")).toEqual([]);
        const binding = one(objs, "RoleBinding", "af-dask-access", "af-cms");
        expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "af-dask-access", namespace: "af" }]);
        expect(daskAccessRbac(planDaskAccess(args())).map((r) => r.namespace)).toEqual(["af-cms", "af-atlas"]);
    });

    test("the plan: paths the hub and gateways use, the hub service entry, the values", () => {
        const plan = planDaskAccess(args({ certificateValidityDays: 3, mintsPerDay: 2 }));
        expect(plan.sessionDashboards).toEqual({ pathPrefix: "/services/dask/sessions", entrypoint: "websecure", middlewares: ["hepaf-dask-sign-in", "hepaf-dask-drop-credentials", "hepaf-dask-session-prefix"] });
        expect(gatewayDashboards(plan, "cms")).toEqual({ pathPrefix: "/services/dask/gateways/cms", middlewares: ["hepaf-dask-sign-in", "hepaf-dask-drop-credentials"] });
        expect(errorOf(() => gatewayDashboards(plan, "outreach"))).toBe('af-dask-access.groups: group "outreach" has no gateway here');
        expect(daskAccessHubService(plan)).toEqual({ name: "dask", url: "http://af-dask-access.af.svc.cluster.local:8080", groups: ["cms", "atlas", "outreach"], skipConfirm: true, display: true });
        const values = renderDaskAccessValues(plan) as any;
        expect(values).toMatchObject({
            prefix: "/services/dask/", port: 8080, metricsPort: 9101, certificateValidityDays: 3, mintsPerDay: 2, rootCaFile: "/etc/hepaf/root-ca/ca.crt",
            sessionAddressTemplate: "tls://{user}.dask.af.example.org:8786", sessionDashboardPrefix: "/services/dask/sessions",
        });
        expect(values.groups.cms).toEqual({
            namespace: "af-cms", sessions: true, caSecret: "hepaf-group-ca-keypair",
            gateway: { address: "https://af.example.org/services/dask-gateway-cms", proxyAddress: "gateway://af.example.org:8786", publicAddress: "https://af.example.org/services/dask/gateways/cms", dashboardPrefix: "/services/dask/gateways/cms" },
        });
        expect(values.groups.outreach.gateway).toBeNull();
        // The Dask a laptop's client needs, for the bundle's README: the facility's, unless given.
        expect(values.dask).toEqual(DASK_VERSIONS);
        const other = { python: "3.12", packages: { ...DASK_VERSIONS.packages, dask: "2026.3.0" } };
        expect(renderDaskAccessValues(planDaskAccess(args({ daskVersions: other }))).dask).toEqual(other);
        expect(renderDaskAccessValues(planDaskAccess(args({ rootCaConfigMap: false }))).rootCaFile).toBeNull();
        expect(planDaskAccess(args()).certificateValidityDays).toBe(7);
        expect(planDaskAccess(args()).mintsPerDay).toBe(10);
    });

    test.each<[string, Partial<DaskAccessArgs>, string]>([
        ["no groups", { groups: [] }, "af-dask-access.groups: give at least one group"],
        ["a certificate lifetime of 0 days", { certificateValidityDays: 0 }, "af-dask-access.certificateValidityDays: 0 must be an integer >= 1"],
        ["a certificate lifetime of 400 days", { certificateValidityDays: 400 }, "af-dask-access.certificateValidityDays: 400 is more than 397 days; bundles are meant to be short-lived (default 7)"],
        ["no bundles at all", { mintsPerDay: 0 }, "af-dask-access.mintsPerDay: 0 must be an integer >= 1"],
        ["a group twice", { groups: [{ name: "cms", namespace: "af-cms" }, { name: "cms", namespace: "af-cms2" }] }, 'af-dask-access.groups: duplicate group name "cms"'],
        ["a gateway address that is not HTTPS", { groups: [{ name: "cms", namespace: "af-cms", gateway: { address: "http://x", proxyAddress: "gateway://x:1" } }] }, 'af-dask-access.groups[0].gateway.address: "http://x" is not an https:// URL'],
        ["a bad service name", { serviceName: "Dask" }, 'af-dask-access.serviceName: "Dask" is not a valid DNS label'],
        ["a Dask version that pip cannot pin", { daskVersions: { python: "3.11", packages: { ...DASK_VERSIONS.packages, distributed: "latest" } } }, 'af-dask-access.daskVersions.packages.distributed: "latest" is not a release version such as "2026.8.0"'],
    ])("refuses %s, declaring nothing", async (_what, over, message) => {
        expect(errorOf(() => new DaskAccess("af-dask-access", args(over)))).toContain(message);
        await settled();
        expect(mocks.resources).toHaveLength(0);
    });
});
