import * as pulumi from "@pulumi/pulumi";
import { errorOf, isSecretValue, setupMocks, settled, valueOf } from "../helpers/pulumi";
import { CrdValidator, k8sObjects, traefikCrds, validateAll, K8sObject } from "../helpers/k8s-schema";
import { grantedRules } from "../helpers/rbac";

const mocks = setupMocks();
import {
    UPSTREAM_IMAGES,
    DaskClusterCrd,
    DaskGateway,
    DaskGatewayArgs,
    daskClusterCrdDocument,
    gatewayConfigPath,
    GATEWAY_API_PORT,
    GATEWAY_API_SERVICE,
    planGateway,
    renderGatewayValues,
    validateGateways,
} from "../../components";
import * as fs from "fs";

const crds = new CrdValidator([...traefikCrds(), daskClusterCrdDocument()]);
beforeEach(() => mocks.reset());

const traefik = {
    namespace: "af",
    entrypoints: { web: "web", websecure: "websecure", dask: "dask" },
    routeLabels: { "hepaf.io/traefik": "edge" },
    daskPort: 8786,
};
const hub = (group: string) => ({
    serviceName: `dask-gateway-${group}`,
    apiToken: pulumi.secret(`token-of-${group}-0123456789`),
    hubApiUrl: "http://hub.af.svc.cluster.local:8081/hub/api",
});
const cmsArgs = (over: Partial<DaskGatewayArgs> = {}): DaskGatewayArgs => ({
    facility: "af",
    group: "cms",
    domain: "af.example.edu",
    hub: hub("cms"),
    traefik,
    limits: { maxWorkers: 200, maxCores: 400, maxMemoryGiB: 1600, idleTimeoutMinutes: 30 },
    options: { workerCores: { min: 1, max: 4, default: 2 }, workerMemoryGiB: { min: 2, max: 16, default: 4 }, images: { choices: ["example/coffea:2026.10", "example/coffea:2026.4"] } },
    quota: { cpu: 800, memoryGiB: 3200, pods: 500 },
    ...over,
});

async function objects(): Promise<K8sObject[]> {
    await settled();
    return k8sObjects(mocks.resources);
}
const find = (objs: K8sObject[], kind: string, ns?: string, name?: string) =>
    objs.filter((o) => o.kind === kind && (ns === undefined || o.metadata.namespace === ns) && (name === undefined || o.metadata.name === name));

describe("DaskGateway, two groups side by side", () => {
    test("declares separate, schema-valid gateways on the shared Traefik", async () => {
        new DaskClusterCrd("dask-crd", { facility: "af" });
        const cms = new DaskGateway("cms", cmsArgs());
        const atlas = new DaskGateway("atlas", {
            facility: "af", group: "atlas", domain: "af.example.edu", hub: hub("atlas"), traefik,
            quota: { cpu: 100, memoryGiB: 400 }, limits: { maxWorkers: 20 },
        });
        const objs = await objects();
        validateAll(objs, crds);

        // One CRD for the facility, with a real schema.
        const crd = find(objs, "CustomResourceDefinition") as any[];
        expect(crd.map((c) => c.metadata.name)).toEqual(["daskclusters.gateway.dask.org"]);
        expect(crd[0].spec.versions[0].schema.openAPIV3Schema.properties.spec.properties.username).toEqual({ type: "string", minLength: 1 });
        expect(crd[0].spec.versions[0].subresources).toEqual({ status: {} });

        // Namespaces, instances, service names.
        expect(cms.namespace).toBe("af-cms");
        expect(atlas.namespace).toBe("af-atlas");
        expect(find(objs, "Namespace").map((n) => n.metadata.name).sort()).toEqual(["af-atlas", "af-cms"]);
        expect(cms.labelSelector).toBe("gateway.dask.org/instance=af-cms");
        expect(atlas.labelSelector).toBe("gateway.dask.org/instance=af-atlas");
        expect(cms.hubService).toEqual({ name: "dask-gateway-cms", url: `http://${GATEWAY_API_SERVICE}.af-cms.svc.cluster.local:${GATEWAY_API_PORT}`, group: "cms" });
        expect(atlas.hubService.name).toBe("dask-gateway-atlas");
        for (const ns of ["af-cms", "af-atlas"]) {
            const svc = find(objs, "Service", ns, GATEWAY_API_SERVICE)[0] as any;
            expect(svc.spec.ports).toEqual([{ name: "api", port: GATEWAY_API_PORT, targetPort: "api", protocol: "TCP" }]);
            expect(find(objs, "Deployment", ns).map((d) => d.metadata.name).sort()).toEqual(["dask-gateway-api", "dask-gateway-controller"]);
        }

        // Quotas per group.
        expect((find(objs, "ResourceQuota", "af-cms")[0] as any).spec.hard).toEqual({
            "requests.cpu": "800", "limits.cpu": "800", "requests.memory": "3276800Mi", "limits.memory": "3276800Mi", pods: "500",
        });
        expect((find(objs, "ResourceQuota", "af-atlas")[0] as any).spec.hard["requests.cpu"]).toBe("100");
        expect((find(objs, "LimitRange", "af-cms")[0] as any).spec.limits[0].max).toEqual({ cpu: "4", memory: "16384Mi" });

        // Values: per-group instance, entrypoints of the shared Traefik, its route labels on everything the controller creates.
        const values = (ns: string) => JSON.parse((find(objs, "ConfigMap", ns, "dask-gateway-config")[0] as any).data["values.json"]);
        const v = values("af-cms");
        expect(v.gatewayInstance).toBe("af-cms");
        expect(values("af-atlas").gatewayInstance).toBe("af-atlas");
        expect(v.controller).toEqual({
            address: ":8000",
            proxyPrefix: "/services/dask-gateway-cms",
            webEntrypoint: "websecure",
            tcpEntrypoint: "dask",
            webMiddlewares: [{ name: "dask-gateway-clusters-prefix", namespace: "af-cms" }],
        });
        expect(values("af-atlas").controller.tcpEntrypoint).toBe("dask");
        expect(v.commonLabels["hepaf.io/traefik"]).toBe("edge");
        expect(v.auth).toEqual({ jupyterhubApiUrl: "http://hub.af.svc.cluster.local:8081/hub/api", serviceName: "dask-gateway-cms", requireGroup: "cms" });
        expect(v.cluster).toMatchObject({ idleTimeout: 1800, maxCores: 400, maxWorkers: 200, maxMemory: 1600 * 2 ** 30 });
        expect(v.api.url).toBe("http://dask-gateway-api.af-cms.svc.cluster.local:8000/api");
        const py = (find(objs, "ConfigMap", "af-cms", "dask-gateway-config")[0] as any).data["dask_gateway_config.py"];
        expect(py).toBe(fs.readFileSync(gatewayConfigPath(), "utf8"));

        // Routes carry the Traefik's labels, use its entrypoints, and stay in their namespace.
        for (const kind of ["IngressRoute", "Middleware"]) {
            for (const o of find(objs, kind)) {
                expect(o.metadata.labels["hepaf.io/traefik"]).toBe("edge");
            }
        }
        const route = find(objs, "IngressRoute", "af-cms")[0] as any;
        expect(route.spec.entryPoints).toEqual(["websecure"]);
        expect(route.spec.routes[0].match).toBe("Host(`af.example.edu`) && PathPrefix(`/services/dask-gateway-cms/api/`)");
        expect((find(objs, "Middleware", "af-atlas", "dask-gateway-clusters-prefix")[0] as any).spec.stripPrefixRegex.regex).toEqual([
            "/services/dask-gateway-atlas/clusters/[a-zA-Z0-9.-]+/",
        ]);

        // Client environment for the group's user pods.
        expect(await valueOf(cms.clientEnv)).toEqual({
            DASK_GATEWAY__ADDRESS: "https://af.example.edu/services/dask-gateway-cms",
            DASK_GATEWAY__PROXY_ADDRESS: "gateway://af.example.edu:8786",
            DASK_GATEWAY__PUBLIC_ADDRESS: "https://af.example.edu/services/dask-gateway-cms",
            DASK_GATEWAY__AUTH__TYPE: "jupyterhub",
        });
        expect((await valueOf(atlas.clientEnv)).DASK_GATEWAY__ADDRESS).toBe("https://af.example.edu/services/dask-gateway-atlas");
    });

    test("secrets live only in a Secret: never in a ConfigMap, label or annotation", async () => {
        new DaskGateway("cms", cmsArgs());
        const objs = await objects();
        const token = "token-of-cms-0123456789";
        for (const o of objs.filter((x) => x.kind !== "Secret")) {
            expect(JSON.stringify(o)).not.toContain(token);
        }
        const secret = mocks.resources.find((r) => r.type === "kubernetes:core/v1:Secret")!;
        expect(secret.inputs.stringData["jupyterhub-api-token"]).toBe(token);
        expect(isSecretValue(secret.rawInputs.stringData)).toBe(true);
        const api = find(objs, "Deployment", "af-cms", "dask-gateway-api")[0] as any;
        const env = api.spec.template.spec.containers[0].env;
        expect(env).toContainEqual({ name: "JUPYTERHUB_API_TOKEN", valueFrom: { secretKeyRef: { name: "dask-gateway-hub", key: "jupyterhub-api-token" } } });
        const controller = find(objs, "Deployment", "af-cms", "dask-gateway-controller")[0] as any;
        expect(JSON.stringify(controller)).not.toContain("JUPYTERHUB_API_TOKEN");
    });

    test("pods run non-root with resources and probes; official pinned image; real commands", async () => {
        new DaskGateway("cms", cmsArgs());
        const objs = await objects();
        for (const d of find(objs, "Deployment") as any[]) {
            const pod = d.spec.template.spec;
            const c = pod.containers[0];
            expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000 });
            expect(c.securityContext).toEqual({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
            expect(c.image).toBe(UPSTREAM_IMAGES.gatewayServer);
            expect(c.resources.limits).toEqual({ cpu: "1", memory: "1Gi" });
            expect(c.readinessProbe).toBeDefined();
            expect(c.livenessProbe).toBeDefined();
            expect(d.spec.template.metadata.annotations["hepaf.io/config-sha256"]).toMatch(/^[0-9a-f]{64}$/);
        }
        const api = (find(objs, "Deployment", "af-cms", "dask-gateway-api")[0] as any).spec.template.spec.containers[0];
        expect(api.command).toEqual(["dask-gateway-server", "--config", "/etc/dask-gateway/dask_gateway_config.py"]);
        expect(api.readinessProbe.httpGet).toEqual({ path: "/api/health", port: "api" });
        const ctl = (find(objs, "Deployment", "af-cms", "dask-gateway-controller")[0] as any).spec.template.spec.containers[0];
        expect(ctl.command).toEqual(["dask-gateway-server", "kube-controller", "--config", "/etc/dask-gateway/dask_gateway_config.py"]);
    });

    test("RBAC: writes only in the group namespace, cluster-wide only list/watch of what the informers read", async () => {
        new DaskGateway("cms", cmsArgs());
        const objs = await objects();
        expect(find(objs, "Role")).toHaveLength(0);
        expect(find(objs, "RoleBinding").every((b: any) => b.metadata.namespace === "af-cms")).toBe(true);
        const ctl = { rules: grantedRules(objs, "dask-gateway-controller", "af-cms") };
        expect(ctl.rules).toContainEqual({ apiGroups: ["traefik.io"], resources: ["ingressroutes", "ingressroutetcps"], verbs: ["get", "create", "delete"] });
        expect(ctl.rules).toContainEqual({ apiGroups: ["gateway.dask.org"], resources: ["daskclusters/status"], verbs: ["get", "patch"] });
        // What the ClusterRoleBindings grant cluster-wide: list/watch only, no Secret.
        const bound = (find(objs, "ClusterRoleBinding") as any[]).map((b) => find(objs, "ClusterRole").find((r: any) => r.metadata.name === b.roleRef.name) as any);
        expect(bound).toHaveLength(2);
        for (const cr of bound) {
            expect(new Set(cr.rules.flatMap((r: any) => r.verbs))).toEqual(new Set(["list", "watch"]));
            expect(cr.rules.flatMap((r: any) => r.resources)).not.toContain("secrets");
            expect(cr.metadata.name).toMatch(/^hepaf-af-cms-/);
        }
        for (const b of [...find(objs, "RoleBinding"), ...find(objs, "ClusterRoleBinding")] as any[]) {
            expect(b.subjects[0].namespace).toBe("af-cms");
        }
    });

    test("network policies admit only Traefik's and the hub's namespaces and the group's own pods", async () => {
        new DaskGateway("cms", { ...cmsArgs(), hubNamespace: "af-hub" });
        const objs = await objects();
        const np = find(objs, "NetworkPolicy", "af-cms", "dask-gateway-clusters")[0] as any;
        expect(np.spec.podSelector).toEqual({ matchLabels: { "gateway.dask.org/instance": "af-cms" } });
        expect(np.spec.ingress).toEqual([
            { from: [{ podSelector: {} }, { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "af" } } }, { namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "af-hub" } } }] },
        ]);
        expect(np.spec.egress[0]).toEqual({ to: [{ podSelector: {} }] });
        expect(np.spec.egress[1].ports).toEqual([{ protocol: "UDP", port: 53 }, { protocol: "TCP", port: 53 }]);
        expect(np.spec.egress).toHaveLength(2);
    });
});

describe("DaskGateway with cluster dashboards behind a sign-in", () => {
    test("the controller routes dashboards under the given prefix, through the middlewares, then strips the prefix; browser links follow", async () => {
        const gw = new DaskGateway("cms", cmsArgs({ dashboards: { pathPrefix: "/services/dask/gateways/cms", middlewares: ["hepaf-dask-sign-in", "hepaf-dask-drop-credentials"] } }));
        const objs = await objects();
        validateAll(objs, crds);
        const v = JSON.parse((find(objs, "ConfigMap", "af-cms", "dask-gateway-config")[0] as any).data["values.json"]);
        expect(v.controller.proxyPrefix).toBe("/services/dask/gateways/cms");
        expect(v.controller.webMiddlewares).toEqual([
            { name: "hepaf-dask-sign-in", namespace: "af-cms" },
            { name: "hepaf-dask-drop-credentials", namespace: "af-cms" },
            { name: "dask-gateway-clusters-prefix", namespace: "af-cms" },
        ]);
        expect((find(objs, "Middleware", "af-cms", "dask-gateway-clusters-prefix")[0] as any).spec.stripPrefixRegex.regex).toEqual(["/services/dask/gateways/cms/clusters/[a-zA-Z0-9.-]+/"]);
        // The API stays where it was.
        expect((find(objs, "IngressRoute", "af-cms")[0] as any).spec.routes[0].match).toBe("Host(`af.example.edu`) && PathPrefix(`/services/dask-gateway-cms/api/`)");
        expect(await valueOf(gw.publicAddress)).toBe("https://af.example.edu/services/dask/gateways/cms");
        expect((await valueOf(gw.clientEnv)).DASK_GATEWAY__PUBLIC_ADDRESS).toBe("https://af.example.edu/services/dask/gateways/cms");
    });
});

describe("DaskGateway, bad input fails before anything is declared", () => {
    const cases: [string, Partial<DaskGatewayArgs>, string][] = [
        ["dashboard prefix with a trailing slash", { dashboards: { pathPrefix: "/services/dask/", middlewares: [] } }, 'x.dashboards.pathPrefix: "/services/dask/" is not a path prefix such as "/services/dask/gateways/cms" (starts with \'/\', no trailing \'/\')'],
        ["dashboard middleware not a name", { dashboards: { pathPrefix: "/d", middlewares: ["Sign In"] } }, 'x.dashboards.middlewares[0]: "Sign In" is not a valid DNS label (lower-case letters, digits and \'-\', starting and ending with a letter or digit, at most 63 characters)'],
        ["group not a DNS label", { group: "CMS_1", hub: hub("cms") }, 'x.group: "CMS_1" is not a valid DNS label (lower-case letters, digits and \'-\', starting and ending with a letter or digit, at most 63 characters)'],
        ["hub service name of another group", { hub: hub("atlas") }, 'x.hub.serviceName: "dask-gateway-atlas" must be "dask-gateway-cms", the hub service name of group "cms"'],
        ["max cores below one worker", { limits: { maxCores: 2 } }, "x.limits.maxCores: 2 is below the scheduler plus a single worker of the largest size (5 cores)"],
        ["max memory below one worker", { limits: { maxMemoryGiB: 8 } }, "x.limits.maxMemoryGiB: 8 is below the scheduler plus a single worker of the largest size (18 GiB)"],
        ["max memory below the default worker", { options: {}, limits: { maxMemoryGiB: 5 } }, "x.limits.maxMemoryGiB: 5 is below the scheduler plus a single worker of the largest size (6 GiB)"],
        ["empty image choices", { options: { images: { choices: [] } } }, "x.options.images.choices: is empty; offer at least one image or leave options.images out"],
        ["image default not a choice", { options: { images: { choices: ["a/b:1"], default: "a/b:2" } } }, 'x.options.images.default: "a/b:2" is not one of the choices'],
        ["inverted range", { options: { workerCores: { min: 4, max: 2 } } }, "x.options.workerCores.max: 2 is below min 4"],
        ["quota below one cluster", { quota: { cpu: 3 } }, "x.quota.cpu: 3 is below one scheduler and a single worker (5 cores)"],
        ["zero max workers", { limits: { maxWorkers: 0 } }, "x.limits.maxWorkers: 0 must be an integer >= 1"],
        ["negative idle timeout", { limits: { idleTimeoutMinutes: -1 } }, "x.limits.idleTimeoutMinutes: -1 must be a number >= 0"],
    ];
    test.each(cases)("%s", async (_label, over, message) => {
        expect(errorOf(() => new DaskGateway("x", cmsArgs(over)))).toBe(message);
        await settled();
        expect(mocks.resources).toHaveLength(0);
    });

    test("two gateways for one group", async () => {
        const list = [cmsArgs(), { ...cmsArgs(), group: "atlas", hub: hub("atlas") }, cmsArgs()];
        expect(errorOf(() => validateGateways(list, "groups"))).toBe('groups[2].group: duplicate group "cms" (also groups[0]); each group has one gateway');
        expect(errorOf(() => validateGateways([cmsArgs({ limits: { maxCores: 1 } })], "groups"))).toBe(
            "groups[0].limits.maxCores: 1 is below the scheduler plus a single worker of the largest size (5 cores)",
        );
        expect(validateGateways(list.slice(0, 2), "groups").map((p) => p.namespace)).toEqual(["af-cms", "af-atlas"]);
        await settled();
        expect(mocks.resources).toHaveLength(0);
    });

    test("the renderer is pure and the image default falls back to a choice", () => {
        const plan = planGateway("cms", cmsArgs({ cluster: { image: "other/image:1" } }));
        const inputs = { hubApiUrl: "http://hub/hub/api", entrypoints: traefik.entrypoints, routeLabels: traefik.routeLabels };
        const a = renderGatewayValues(plan, inputs);
        expect(renderGatewayValues(plan, inputs)).toEqual(a);
        expect(a.cluster.image).toBe("other/image:1");
        expect(a.options?.image).toEqual({ choices: ["example/coffea:2026.10", "example/coffea:2026.4"], default: "example/coffea:2026.10" });
    });
});
