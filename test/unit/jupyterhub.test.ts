import * as pulumi from "@pulumi/pulumi";
import { errorOf, isSecretValue, setupMocks, settled, valueOf } from "../helpers/pulumi";
import { CrdValidator, k8sObjects, traefikCrds, validateAll, K8sObject } from "../helpers/k8s-schema";
import { grantedRules, grantsByNamespace } from "../helpers/rbac";

const mocks = setupMocks();
import { builtImage, gatewayApiUrl, HUB_IMAGE, IMAGE_REFERENCE_RULE, NOTEBOOK_IMAGE, JupyterHub, JupyterHubArgs, PROXY_IMAGE, renderDaskSessionSettings, Traefik } from "../../components";
import * as fs from "fs";
import * as path from "path";

const crds = new CrdValidator(traefikCrds());
beforeEach(() => mocks.reset());

async function objects(): Promise<K8sObject[]> {
    await settled();
    return k8sObjects(mocks.resources);
}
const find = (objs: K8sObject[], kind: string, name?: string, namespace?: string) =>
    objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name) && (namespace === undefined || o.metadata.namespace === namespace));
const one = (objs: K8sObject[], kind: string, name: string, namespace?: string): any => {
    const found = find(objs, kind, name, namespace);
    expect(found).toHaveLength(1);
    return found[0];
};

const traefik = { entrypoints: { web: "web", websecure: "websecure", dask: "dask" }, routeLabels: { "hepaf.io/traefik": "edge" }, namespace: "af" };
const CLIENT_SECRET = "oauth-client-secret-value-1234";

function baseArgs(over: Partial<JupyterHubArgs> = {}): JupyterHubArgs {
    return {
        facility: "af",
        domain: "af.example.edu",
        traefik,
        login: {
            type: "generic-oauth",
            issuer: "https://cilogon.org",
            clientId: "cilogon:/client_id/abc",
            clientSecret: pulumi.secret(CLIENT_SECRET),
            scopes: ["openid", "email", "org.cilogon.userinfo"],
            groupsClaim: "isMemberOf",
        },
        admins: ["alice@example.edu"],
        groups: [
            {
                name: "cms",
                members: { claimValues: ["CMS"] },
                profiles: [
                    { name: "coffea", image: "example/coffea:2026.10", cpuGuarantee: "500m", cpuLimit: "2", memoryGuarantee: "2Gi", memoryLimit: "8Gi" },
                    { name: "gpu", image: "example/coffea-gpu:2026.10", gpus: 1, nodeSelector: { "nvidia.com/gpu.present": "true" }, default: true },
                ],
                env: {
                    DASK_GATEWAY__ADDRESS: gatewayApiUrl("af", "cms"),
                    DASK_GATEWAY__PROXY_ADDRESS: "gateway://af.example.edu:8786",
                    DASK_GATEWAY__PUBLIC_ADDRESS: "https://af.example.edu/services/dask-gateway-cms/",
                    DASK_GATEWAY__AUTH__TYPE: "jupyterhub",
                },
            },
            { name: "atlas", members: { claimValues: ["ATLAS"] }, profiles: [{ name: "default", image: "example/atlas:1" }] },
        ],
        services: [{ name: "dask-gateway-cms", url: gatewayApiUrl("af", "cms"), group: "cms" }],
        ...over,
    };
}

/** Every string leaf of a value. */
function leaves(value: any): string[] {
    if (typeof value === "string") return [value];
    if (Array.isArray(value)) return value.flatMap(leaves);
    if (value && typeof value === "object") return Object.values(value).flatMap(leaves);
    return [];
}
/** True when a raw input contains a Pulumi secret marker anywhere. */
function hasSecretMarker(value: any): boolean {
    if (isSecretValue(value)) return true;
    if (Array.isArray(value)) return value.some(hasSecretMarker);
    if (value && typeof value === "object") return Object.values(value).some(hasSecretMarker);
    return false;
}
const randomResults = () =>
    mocks.resources.filter((r) => r.type.startsWith("random:")).flatMap((r) => [r.state.result, r.state.hex].filter(Boolean) as string[]);

describe("JupyterHub", () => {
    test("declares hub, proxy, route, RBAC, config, secrets and network policies that validate against their schemas", async () => {
        const hub = new JupyterHub("hub", baseArgs());
        const objs = await objects();
        validateAll(objs, crds);
        for (const o of objs) {
            expect(o.metadata.labels["app.kubernetes.io/part-of"]).toBe("hepaf");
            expect(o.metadata.labels["hepaf.io/facility"]).toBe("af");
        }
        expect(find(objs, "Namespace")).toHaveLength(0);
        // Nothing cluster-wide: its ClusterRole is bound in the group namespaces only.
        expect(find(objs, "ClusterRoleBinding")).toHaveLength(0);
        expect(find(objs, "Role")).toHaveLength(0);

        // Hub: pinned official image, non-root, read-only root, probes, resources, secrets from the Secret.
        const deployment = one(objs, "Deployment", "hub-hub", "af");
        const pod = deployment.spec.template.spec;
        const c = pod.containers[0];
        expect(c.image).toBe(HUB_IMAGE);
        expect(HUB_IMAGE).toBe(builtImage("hub"));
        expect(c.command).toEqual(["jupyterhub", "--config", "/usr/local/etc/jupyterhub/jupyterhub_config.py", "--upgrade-db"]);
        expect(pod.serviceAccountName).toBe("hub-hub");
        expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 1000, fsGroup: 1000 });
        expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } });
        expect(c.resources).toEqual({ requests: { cpu: "200m", memory: "512Mi" }, limits: { cpu: "1", memory: "1Gi" } });
        expect(c.readinessProbe.httpGet).toEqual({ path: "/hub/health", port: "http" });
        expect(c.livenessProbe.httpGet).toEqual({ path: "/hub/health", port: "http" });
        expect(deployment.spec.strategy).toEqual({ type: "Recreate" });
        const env = Object.fromEntries(c.env.map((e: any) => [e.name, e.value ?? e.valueFrom.secretKeyRef]));
        expect(env).toMatchObject({
            HEPAF_HUB_VALUES: "/usr/local/etc/jupyterhub/values.json",
            HEPAF_HUB_SECRETS: "/usr/local/etc/jupyterhub/secret/secrets.json",
            JPY_COOKIE_SECRET: { name: "hub-hub-secret", key: "hub.cookie-secret" },
            JUPYTERHUB_CRYPT_KEY: { name: "hub-hub-secret", key: "hub.crypt-key" },
            CONFIGPROXY_AUTH_TOKEN: { name: "hub-hub-secret", key: "proxy.token" },
            // Behind several proxy replicas the login page and its POST come from different proxy
            // addresses; the anonymous XSRF id must not depend on which one.
            JUPYTERHUB_XSRF_ANONYMOUS_IP_CIDRS: "10.0.0.0/8;172.16.0.0/12;192.168.0.0/16;fc00::/7",
        });
        expect(pod.volumes).toEqual([
            { name: "config", configMap: { name: "hub-hub-config" } },
            { name: "secret", secret: { secretName: "hub-hub-secret", items: [{ key: "secrets.json", path: "secrets.json" }], defaultMode: 0o400 } },
            { name: "data", persistentVolumeClaim: { claimName: "hub-hub-db" } },
            { name: "tmp", emptyDir: {} },
        ]);
        expect(one(objs, "PersistentVolumeClaim", "hub-hub-db", "af").spec).toMatchObject({ accessModes: ["ReadWriteOnce"], resources: { requests: { storage: "1Gi" } } });
        const hubSvc = one(objs, "Service", "hub-hub", "af");
        expect(hubSvc.spec.ports).toEqual([{ name: "http", port: 8081, targetPort: "http", protocol: "TCP" }]);
        expect(hubSvc.spec.selector).toEqual(deployment.spec.selector.matchLabels);

        // KubeSpawner's RBAC: in each group namespace only what it calls, one ClusterRole of these rules bound there.
        const granted = grantsByNamespace(objs, "hub-hub-spawner");
        expect(Object.keys(granted).sort()).toEqual(["af-atlas", "af-cms"]);
        for (const rules of Object.values(granted)) {
            expect(rules).toEqual([
                { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "create", "delete"] },
                { apiGroups: [""], resources: ["persistentvolumeclaims"], verbs: ["get", "create"] },
                { apiGroups: [""], resources: ["events"], verbs: ["get", "list", "watch"] },
            ]);
        }
        expect(find(objs, "ClusterRole")).toHaveLength(1);
        for (const binding of find(objs, "RoleBinding") as any[]) {
            expect(binding.subjects).toEqual([{ kind: "ServiceAccount", name: "hub-hub", namespace: "af" }]);
            expect(binding.roleRef).toEqual({ apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: find(objs, "ClusterRole")[0].metadata.name });
        }

        // Proxy: configurable-http-proxy, public and API Services, Traefik route on websecure.
        const proxy = one(objs, "Deployment", "hub-proxy", "af");
        const pc = proxy.spec.template.spec.containers[0];
        expect(pc.image).toBe(PROXY_IMAGE);
        expect(pc.command).toEqual([
            "configurable-http-proxy", "--ip=", "--port=8000", "--api-ip=", "--api-port=8001",
            "--default-target=http://hub-hub.af.svc.cluster.local:8081", "--error-target=http://hub-hub.af.svc.cluster.local:8081/hub/error",
        ]);
        expect(pc.env).toEqual([{ name: "CONFIGPROXY_AUTH_TOKEN", valueFrom: { secretKeyRef: { name: "hub-hub-secret", key: "proxy.token" } } }]);
        expect(proxy.spec.template.spec.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65534 });
        expect(pc.readinessProbe.httpGet).toEqual({ path: "/_chp_healthz", port: "http" });
        expect(one(objs, "Service", "hub-proxy-public", "af").spec.ports).toEqual([{ name: "http", port: 8000, targetPort: "http", protocol: "TCP" }]);
        expect(one(objs, "Service", "hub-proxy-api", "af").spec.ports).toEqual([{ name: "api", port: 8001, targetPort: "api", protocol: "TCP" }]);
        const route = one(objs, "IngressRoute", "hub-hub", "af");
        expect(route.apiVersion).toBe("traefik.io/v1alpha1");
        expect(route.metadata.labels["hepaf.io/traefik"]).toBe("edge");
        expect(route.spec).toEqual({
            entryPoints: ["websecure"],
            routes: [
                { kind: "Rule", match: "Host(`af.example.edu`)", services: [{ name: "hub-proxy-public", port: 8000 }] },
                // The hub's metrics are the scraper's, in the cluster: closed at the front door.
                { kind: "Rule", match: "Host(`af.example.edu`) && PathPrefix(`/hub/metrics`)", middlewares: [{ name: "hub-hub-metrics-closed" }], services: [{ name: "hub-proxy-public", port: 8000 }] },
            ],
            tls: {},
        });

        // Config: the shipped jupyterhub_config.py and the rendered values.
        const cm = one(objs, "ConfigMap", "hub-hub-config", "af");
        expect(cm.data["jupyterhub_config.py"]).toBe(fs.readFileSync(path.join(__dirname, "../../components/jupyterhub/jupyterhub_config.py"), "utf8"));
        const values = JSON.parse(cm.data["values.json"]);
        expect(values.auth).toEqual({
            type: "generic-oauth", adminUsers: ["alice@example.edu"], allowedUsers: [], callbackUrl: "https://af.example.edu/hub/oauth_callback",
            issuer: "https://cilogon.org", authorizeUrl: null, tokenUrl: null, userdataUrl: null,
            scopes: ["openid", "email", "org.cilogon.userinfo"], usernameClaim: "email", groupsClaim: "isMemberOf", loginService: "OAuth 2.0",
        });
        expect(values.groups.map((g: any) => [g.name, g.namespace, g.claimValues])).toEqual([["cms", "af-cms", ["CMS"]], ["atlas", "af-atlas", ["ATLAS"]]]);
        expect(values.groups[0].profiles).toEqual([
            { slug: "cms-coffea", displayName: "cms: coffea", description: null, image: "example/coffea:2026.10", cmd: null, cpuGuarantee: 0.5, cpuLimit: 2, memoryGuarantee: 2147483648, memoryLimit: 8589934592, gpus: 0, nodeSelector: {}, default: false },
            { slug: "cms-gpu", displayName: "cms: gpu", description: null, image: "example/coffea-gpu:2026.10", cmd: null, cpuGuarantee: null, cpuLimit: null, memoryGuarantee: null, memoryLimit: null, gpus: 1, nodeSelector: { "nvidia.com/gpu.present": "true" }, default: true },
        ]);
        expect(values.hub).toMatchObject({ database: { type: "sqlite", path: "/srv/jupyterhub/jupyterhub.sqlite" }, concurrentSpawnLimit: 64, namedServerLimit: 0 });
        expect(values.spawner.storage).toEqual({ type: "dynamic", storageClass: null, capacity: "10Gi", mountPath: "/home/jovyan" });
        // User servers start the single-user server, not the image's own CMD.
        expect(values.spawner.cmd).toEqual(["jupyterhub-singleuser"]);
        // How long the hub waits for a server: its pod to run, then the server to answer.
        expect(values.spawner).toMatchObject({ startTimeout: 300, httpTimeout: 120 });
        expect(values.services).toEqual([{ name: "dask-gateway-cms", url: gatewayApiUrl("af", "cms"), groups: ["cms"], display: true, skipConfirm: false, scopes: [] }]);
        expect(values.culler).toEqual({ enabled: true, timeoutSeconds: 3600, everySeconds: 600, maxAgeSeconds: 0 });
        expect(deployment.spec.template.metadata.annotations["hepaf.io/config-sha256"]).toMatch(/^[0-9a-f]{64}$/);

        // Secrets: only in the Secret, marked secret; never in a ConfigMap, label or annotation.
        const secret = mocks.resources.find((r) => r.type === "kubernetes:core/v1:Secret" && r.inputs.metadata.name === "hub-hub-secret")!;
        // The whole stringData, or each value, travels as a Pulumi secret.
        for (const key of ["hub.cookie-secret", "hub.crypt-key", "proxy.token", "secrets.json"]) {
            expect(isSecretValue(secret.rawInputs.stringData) || isSecretValue(secret.rawInputs.stringData[key])).toBe(true);
        }
        const secretsFile = JSON.parse(secret.inputs.stringData["secrets.json"]);
        expect(secretsFile.clientSecret).toBe(CLIENT_SECRET);
        expect(secretsFile.clientId).toBe("cilogon:/client_id/abc");
        expect(secretsFile.groupEnv.cms.DASK_GATEWAY__PROXY_ADDRESS).toBe("gateway://af.example.edu:8786");
        expect(secret.inputs.stringData["hub.cookie-secret"]).toMatch(/^[0-9a-f]{64}$/);
        expect(secret.inputs.stringData["hub.crypt-key"]).toMatch(/^[0-9a-f]{64}$/);
        const secretValues = [CLIENT_SECRET, ...randomResults()];
        expect(secretValues.length).toBeGreaterThanOrEqual(5);
        const configMaps = mocks.resources.filter((r) => r.type === "kubernetes:core/v1:ConfigMap");
        for (const cmr of configMaps) {
            expect(hasSecretMarker(cmr.rawInputs)).toBe(false);
            const text = leaves(cmr.inputs).join("\n");
            for (const v of secretValues) expect(text).not.toContain(v);
        }
        for (const o of objs) {
            const meta = leaves([o.metadata.labels, o.metadata.annotations, (o as any).spec?.template?.metadata]).join("\n");
            for (const v of secretValues) expect(meta).not.toContain(v);
        }

        // Network policies: default-deny both ways with the needed allowances.
        const hubNp = one(objs, "NetworkPolicy", "hub-hub", "af");
        expect(hubNp.spec.policyTypes).toEqual(["Ingress", "Egress"]);
        expect(hubNp.spec.ingress[0]).toEqual({ from: [{ podSelector: { matchLabels: proxy.spec.selector.matchLabels } }], ports: [{ port: 8081, protocol: "TCP" }] });
        expect(hubNp.spec.ingress[1].from[0].namespaceSelector.matchExpressions[0].values).toEqual(["af-cms", "af-atlas"]);
        expect(hubNp.spec.egress[0].ports).toEqual([{ port: 53, protocol: "UDP" }, { port: 53, protocol: "TCP" }]);
        // Hub services beside the hub (labelled as its API clients) reach its API, and the hub them.
        expect(hubNp.spec.ingress[2]).toEqual({ from: [{ podSelector: { matchLabels: { "hepaf.io/hub-api-client": "true" } } }], ports: [{ port: 8081, protocol: "TCP" }] });
        expect(hubNp.spec.egress).toContainEqual({ to: [{ podSelector: { matchLabels: { "hepaf.io/hub-api-client": "true" } } }] });
        const proxyNp = one(objs, "NetworkPolicy", "hub-proxy", "af");
        expect(proxyNp.spec.ingress[0]).toEqual({
            from: [{ namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["af"] }] } }],
            ports: [{ port: 8000, protocol: "TCP" }],
        });
        for (const ns of ["af-cms", "af-atlas"]) {
            const np = one(objs, "NetworkPolicy", "hub-singleuser", ns);
            expect(np.spec.podSelector).toEqual({ matchLabels: { component: "singleuser-server" } });
            expect(np.spec.policyTypes).toEqual(["Ingress", "Egress"]);
            expect(np.spec.egress).toContainEqual({ to: [expect.objectContaining({ podSelector: { matchLabels: deployment.spec.selector.matchLabels } })], ports: [{ port: 8081, protocol: "TCP" }] });
            expect(np.spec.egress).toContainEqual({ to: [{ podSelector: {} }] });
            expect(np.spec.egress).toContainEqual({ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] });
            expect(np.spec.ingress).toHaveLength(2);
        }

        // Outputs.
        expect(hub.publicUrl).toBe("https://af.example.edu");
        expect(hub.hubApiUrl).toBe("http://hub-hub.af.svc.cluster.local:8081/hub/api");
        expect(hub.groupNamespaces).toEqual({ cms: "af-cms", atlas: "af-atlas" });
        expect(hub.proxyServiceName).toBe("hub-proxy-public");
    });

    test("tokens are random resources (stable across updates), and serviceRef hands the gateway its secret token", async () => {
        const hub = new JupyterHub("hub", baseArgs());
        await objects();
        const types = mocks.resources.filter((r) => r.type.startsWith("random:")).map((r) => `${r.type} ${r.name}`).sort();
        expect(types).toEqual([
            "random:index/randomBytes:RandomBytes hub-cookie-secret",
            "random:index/randomBytes:RandomBytes hub-crypt-key",
            "random:index/randomPassword:RandomPassword hub-proxy-token",
            "random:index/randomPassword:RandomPassword hub-service-dask-gateway-cms-token",
        ]);
        expect(mocks.named("hub-cookie-secret").inputs.length).toBe(32);
        const ref = hub.serviceRef("dask-gateway-cms");
        expect(ref).toMatchObject({ serviceName: "dask-gateway-cms", hubApiUrl: "http://hub-hub.af.svc.cluster.local:8081/hub/api", group: "cms", servicePrefix: "/services/dask-gateway-cms/" });
        const token = await valueOf(ref.apiToken);
        expect(token).toBe(mocks.named("hub-service-dask-gateway-cms-token").state.result);
        expect(await pulumi.isSecret(ref.apiToken!)).toBe(true);
        const secret = mocks.resources.find((r) => r.type === "kubernetes:core/v1:Secret")!;
        expect(JSON.parse(secret.inputs.stringData["secrets.json"]).serviceTokens).toEqual({ "dask-gateway-cms": token });
        expect(secret.inputs.stringData["proxy.token"]).toBe(mocks.named("hub-proxy-token").state.result);
        expect(errorOf(() => hub.serviceRef("nope"))).toBe('hub.serviceRef: "nope" is not a registered service; register it in services (known: "dask-gateway-cms")');
    });

    test("options: namespaces, HTCondor sessions, external database, no storage, culler, limits, images, GitHub login, a real Traefik", async () => {
        const traefikInstance = new Traefik("edge", { namespace: "edge", crds: { source: "none" }, createNamespace: false });
        new JupyterHub("jh", {
            ...baseArgs(),
            namespace: "hubs",
            createNamespace: true,
            createGroupNamespaces: true,
            traefik: traefikInstance,
            login: { type: "github", clientId: "gh", clientSecret: pulumi.secret("gh-secret"), allowedOrganizations: ["cms-org"] },
            htcondorSessions: true,
            databaseUrl: pulumi.secret("postgresql://u:dbpass@db/hub"),
            storage: { type: "none" },
            culler: { enabled: false },
            concurrentSpawnLimit: 5,
            namedServerLimit: 3,
            hubImage: "example/hub:1",
            proxyImage: "example/chp:1",
            allowUserInternet: false,
            sharedProfiles: [{ name: "root", image: "example/root:6", groups: ["cms", "atlas"] }],
        });
        const objs = (await objects()).filter((o) => o.metadata.labels["app.kubernetes.io/name"] === "jupyterhub");
        validateAll(objs, crds);
        expect(find(objs, "Namespace").map((n) => n.metadata.name).sort()).toEqual(["af-atlas", "af-cms", "hubs"]);
        for (const rules of Object.values(grantsByNamespace(objs, "jh-hub-spawner"))) {
            const role = { rules };
            expect(role.rules).toContainEqual({ apiGroups: [""], resources: ["services"], verbs: ["get", "create", "delete"] });
            expect(role.rules).toContainEqual({ apiGroups: ["traefik.io"], resources: ["ingressroutetcps"], verbs: ["get", "create", "delete"] });
            expect(JSON.stringify(role.rules)).not.toContain("secrets");
        }
        expect(find(objs, "PersistentVolumeClaim")).toHaveLength(0);
        const hub = one(objs, "Deployment", "jh-hub", "hubs");
        expect(hub.spec.template.spec.containers[0].image).toBe("example/hub:1");
        expect(hub.spec.template.spec.volumes).toContainEqual({ name: "data", emptyDir: {} });
        expect(one(objs, "Deployment", "jh-proxy", "hubs").spec.template.spec.containers[0].image).toBe("example/chp:1");
        const values = JSON.parse(one(objs, "ConfigMap", "jh-hub-config", "hubs").data["values.json"]);
        expect(values.auth).toEqual({ type: "github", adminUsers: ["alice@example.edu"], allowedUsers: [], callbackUrl: "https://af.example.edu/hub/oauth_callback", allowedOrganizations: ["cms-org"] });
        expect(values.hub).toMatchObject({ database: { type: "url" }, concurrentSpawnLimit: 5, namedServerLimit: 3, connectUrl: "http://jh-hub.hubs.svc.cluster.local:8081" });
        expect(values.spawner.storage).toEqual({ type: "none" });
        expect(values.culler.enabled).toBe(false);
        expect(values.groups[1].profiles.map((p: any) => p.slug)).toEqual(["atlas-default", "atlas-root"]);
        expect(JSON.stringify(values)).not.toContain("dbpass");
        const secret = mocks.resources.find((r) => r.type === "kubernetes:core/v1:Secret" && r.inputs.metadata.name === "jh-hub-secret")!;
        expect(JSON.parse(secret.inputs.stringData["secrets.json"])).toMatchObject({ databaseUrl: "postgresql://u:dbpass@db/hub", clientSecret: "gh-secret", clientId: "gh" });
        const route = one(objs, "IngressRoute", "jh-hub", "hubs");
        expect(route.metadata.labels["hepaf.io/traefik"]).toBe("edge");
        for (const ns of ["af-cms", "af-atlas"]) {
            const np = one(objs, "NetworkPolicy", "jh-singleuser", ns);
            expect(np.spec.ingress).toContainEqual({ from: [{ namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["edge"] }] } }] });
            expect(np.spec.egress).not.toContainEqual({ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] });
        }
        expect(one(objs, "NetworkPolicy", "jh-proxy", "hubs").spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values).toEqual(["edge"]);
    });

    test("HTCondor sessions with the dask-sessions module: its settings in the values, its file beside the config, its RBAC", async () => {
        const daskSessions = renderDaskSessionSettings({ domain: "af.example.edu", entrypoint: "dask", routeLabels: traefik.routeLabels, groups: [{ name: "cms", namespace: "af-cms" }] });
        new JupyterHub("hub", { ...baseArgs(), daskSessions });
        const objs = await objects();
        validateAll(objs, crds);
        const cm = one(objs, "ConfigMap", "hub-hub-config", "af");
        expect(cm.data["dask_sessions.py"]).toBe(fs.readFileSync(path.join(__dirname, "../../components/dask-sessions/dask_sessions.py"), "utf8"));
        expect(JSON.parse(cm.data["values.json"]).daskSessions).toEqual(daskSessions);
        const cmsRole = { rules: grantedRules(objs, "hub-hub-spawner", "af-cms") };
        expect(cmsRole.rules).toContainEqual({ apiGroups: [""], resources: ["secrets"], verbs: ["get"], resourceNames: ["hepaf-group-ca-keypair"] });
        expect(cmsRole.rules).toContainEqual({ apiGroups: ["traefik.io"], resources: ["ingressroutetcps"], verbs: ["create", "delete", "get"] });
        expect(JSON.stringify(grantedRules(objs, "hub-hub-spawner", "af-atlas"))).not.toContain("ingressroutetcps");
        expect(one(objs, "NetworkPolicy", "hub-singleuser", "af-cms").spec.ingress).toHaveLength(3);
    });

    test("a profile without an image runs the project's notebook image and the single-user server; notebookImage and notebookCmd change both", async () => {
        const groups = [{ name: "cms", profiles: [{ name: "plain" }, { name: "own", image: "example/own:1", cmd: ["start-notebook.sh"] }] }];
        new JupyterHub("hub", { ...baseArgs(), groups });
        new JupyterHub("alt", { ...baseArgs(), groups, notebookImage: "site/notebook:2", notebookCmd: ["jupyterhub-singleuser", "--debug"] });
        const objs = await objects();
        const values = (name: string) => JSON.parse(one(objs, "ConfigMap", `${name}-hub-config`, "af").data["values.json"]);
        const profiles = (name: string) => values(name).groups[0].profiles.map((p: any) => [p.slug, p.image, p.cmd]);
        expect(profiles("hub")).toEqual([["cms-plain", NOTEBOOK_IMAGE, null], ["cms-own", "example/own:1", ["start-notebook.sh"]]]);
        expect(NOTEBOOK_IMAGE).toBe(builtImage("notebook"));
        expect(values("hub").spawner.cmd).toEqual(["jupyterhub-singleuser"]);
        expect(profiles("alt")).toEqual([["cms-plain", "site/notebook:2", null], ["cms-own", "example/own:1", ["start-notebook.sh"]]]);
        expect(values("alt").spawner.cmd).toEqual(["jupyterhub-singleuser", "--debug"]);
    });

    test("dummy login only with the explicit allow; its password stays in the Secret", async () => {
        new JupyterHub("dev", { ...baseArgs(), allowDummy: true, login: { type: "dummy", password: pulumi.secret("devpass") } });
        const objs = await objects();
        validateAll(objs, crds);
        const values = JSON.parse(one(objs, "ConfigMap", "dev-hub-config", "af").data["values.json"]);
        expect(values.auth).toMatchObject({ type: "dummy", passwordRequired: true });
        expect(JSON.stringify(values)).not.toContain("devpass");
        const secret = mocks.resources.find((r) => r.type === "kubernetes:core/v1:Secret")!;
        expect(JSON.parse(secret.inputs.stringData["secrets.json"]).dummyPassword).toBe("devpass");
    });

    const bad: [string, (a: JupyterHubArgs) => JupyterHubArgs, string][] = [
        ["unknown login type", (a) => ({ ...a, login: { type: "ldap" } as any }), 'hub.login.type: "ldap" is not valid; use one of "generic-oauth", "github", "dummy"'],
        ["dummy login without the allow", (a) => ({ ...a, login: { type: "dummy" } }), 'hub.login.type: "dummy" accepts any user name and is for development only; set hub.allowDummy: true to use it'],
        ["OAuth without issuer or URLs", (a) => ({ ...a, login: { type: "generic-oauth", clientId: "x", clientSecret: "y" } }), "hub.login.authorizeUrl: is required when login.issuer is not given (or give login.issuer to discover it)"],
        ["OAuth without client secret", (a) => ({ ...a, login: { type: "generic-oauth", issuer: "https://idp", clientId: "x" } as any }), "hub.login.clientSecret: is required"],
        ["a shared profile for a group that does not exist", (a) => ({ ...a, sharedProfiles: [{ name: "root", image: "x/root:1", groups: ["cms", "lhcb"] }] }), 'hub.sharedProfiles[0].groups[1]: "lhcb" is not a group; use one of "cms", "atlas"'],
        ["a service for a group that does not exist", (a) => ({ ...a, services: [{ name: "dask-gateway-lhcb", group: "lhcb" }] }), 'hub.services[0].group: "lhcb" is not a group; use one of "cms", "atlas"'],
        ["duplicate profile names", (a) => ({ ...a, groups: [a.groups[0], { ...a.groups[1], profiles: [{ name: "x", image: "i:1" }, { name: "x", image: "i:2" }] }] }), 'hub.groups[1].profiles: duplicate profile name "x"'],
        ["duplicate groups", (a) => ({ ...a, groups: [a.groups[0], a.groups[0]] }), 'hub.groups: duplicate group name "cms"'],
        ["CPU \"2 cores\"", (a) => ({ ...a, groups: [{ ...a.groups[0], profiles: [{ name: "x", image: "i:1", cpuLimit: "2 cores" }] }] }), 'hub.groups[0].profiles[0].cpuLimit: "2 cores" is not a Kubernetes quantity (a number with an optional suffix: m, k, M, G, T, Ki, Mi, Gi, Ti, e.g. "500m", "2", "8Gi")'],
        ["memory \"8GB\"", (a) => ({ ...a, groups: [a.groups[0], { ...a.groups[1], profiles: [{ name: "x", image: "i:1", memoryLimit: "8GB" }] }] }), 'hub.groups[1].profiles[0].memoryLimit: "8GB" is not a Kubernetes quantity (a number with an optional suffix: m, k, M, G, T, Ki, Mi, Gi, Ti, e.g. "500m", "2", "8Gi")'],
        ["guarantee above limit", (a) => ({ ...a, groups: [{ ...a.groups[0], profiles: [{ name: "x", image: "i:1", memoryGuarantee: "4Gi", memoryLimit: "2Gi" }] }] }), 'hub.groups[0].profiles[0].memoryGuarantee: "4Gi" is more than memoryLimit "2Gi"'],
        ["a group without profiles", (a) => ({ ...a, groups: [{ name: "lhcb", profiles: [] }] }), 'hub.groups[0].profiles: group "lhcb" needs at least one profile'],
        ["a group name that is no DNS label", (a) => ({ ...a, groups: [{ ...a.groups[0], name: "CMS" }] }), 'hub.groups[0].name: "CMS" is not a valid DNS label (lower-case letters, digits and \'-\', starting and ending with a letter or digit, at most 63 characters)'],
        ["a claim value mapped to two groups", (a) => ({ ...a, groups: [a.groups[0], { ...a.groups[1], members: { claimValues: ["CMS"] } }] }), 'hub.groups[1].members.claimValues[0]: "CMS" already maps to group "cms"'],
        ["a bad env name", (a) => ({ ...a, groups: [{ ...a.groups[0], env: { "BAD NAME": "x" } }] }), 'hub.groups[0].env.BAD NAME: "BAD NAME" is not a valid environment variable name'],
        ["duplicate services", (a) => ({ ...a, services: [{ name: "s" }, { name: "s" }] }), 'hub.services: duplicate service name "s"'],
        ["a service for several groups, one unknown", (a) => ({ ...a, services: [{ name: "dask", groups: ["cms", "lhcb"] }] }), 'hub.services[0].groups[1]: "lhcb" is not a group; use one of "cms", "atlas"'],
        ["a negative GPU count", (a) => ({ ...a, groups: [{ ...a.groups[0], profiles: [{ name: "x", image: "i:1", gpus: -1 }] }] }), "hub.groups[0].profiles[0].gpus: -1 must be an integer >= 0"],
        ["bad storage size", (a) => ({ ...a, storage: { capacity: "10 GB" } }), 'hub.storage.capacity: "10 GB" is not a Kubernetes quantity (a number with an optional suffix: m, k, M, G, T, Ki, Mi, Gi, Ti, e.g. "500m", "2", "8Gi")'],
        ["dask sessions for a group the hub does not have", (a) => ({ ...a, daskSessions: renderDaskSessionSettings({ domain: "af.example.edu", entrypoint: "dask", groups: [{ name: "lhcb", namespace: "af-lhcb" }] }) }), 'hub.daskSessions.groups.lhcb: "lhcb" is not a group; use one of "cms", "atlas"'],
        ["a profile image that is no image reference", (a) => ({ ...a, groups: [{ ...a.groups[0], profiles: [{ name: "x", image: "Example/Coffea:1" }] }] }), `hub.groups[0].profiles[0].image: "Example/Coffea:1" is not valid: use ${IMAGE_REFERENCE_RULE}`],
        ["a notebook image with a space", (a) => ({ ...a, notebookImage: "example/nb :1" }), `hub.notebookImage: "example/nb :1" is not valid: use ${IMAGE_REFERENCE_RULE}`],
        ["a hub image with a bad digest", (a) => ({ ...a, hubImage: "example/hub@sha256:00" }), `hub.hubImage: "example/hub@sha256:00" is not valid: use ${IMAGE_REFERENCE_RULE}`],
        ["a proxy image with two tags", (a) => ({ ...a, proxyImage: "example/chp:1:2" }), `hub.proxyImage: "example/chp:1:2" is not valid: use ${IMAGE_REFERENCE_RULE}`],
        ["an empty notebook command", (a) => ({ ...a, notebookCmd: [] }), 'hub.notebookCmd: [] is not a command: give a non-empty list of non-empty strings, e.g. ["jupyterhub-singleuser"]'],
        ["a profile command that is a string", (a) => ({ ...a, groups: [{ ...a.groups[0], profiles: [{ name: "x", cmd: "jupyterhub-singleuser" as any }] }] }), 'hub.groups[0].profiles[0].cmd: "jupyterhub-singleuser" is not a command: give a non-empty list of non-empty strings, e.g. ["jupyterhub-singleuser"]'],
        ["bad domain", (a) => ({ ...a, domain: "https://af.example.edu" }), 'hub.domain: "https://af.example.edu" is not a valid DNS name (dot-separated lower-case labels of letters, digits and \'-\', at most 253 characters)'],
    ];
    test.each(bad)("refuses %s before registering anything", async (_what, change, message) => {
        expect(errorOf(() => new JupyterHub("hub", change(baseArgs())))).toBe(message);
        await settled();
        expect(mocks.resources).toHaveLength(0);
    });
});
