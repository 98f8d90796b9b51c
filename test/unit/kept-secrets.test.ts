/** Secrets made in the cluster: the hub's keeper makes every secret of the facility; the program declares none (issue: nothing secret in a render). */
import * as pulumi from "@pulumi/pulumi";
import { errorOf, setupMocks } from "../helpers/pulumi";
import { CERT_MANAGER_FACILITY } from "../helpers/facility-args";
import { K8sObject, settledObjects } from "../helpers/k8s-schema";
import { pemBlocks } from "../helpers/pem";
import { grantsByNamespace } from "../helpers/rbac";

const mocks = setupMocks();
import { AnalysisFacility, AnalysisFacilityArgs, HEX_32, joinKeptSecrets, JupyterHub, keeperRules, KeeperSpec, planPool } from "../../components";

beforeEach(() => mocks.reset());

/** CMS on an external pool whose tokens are the site's, open data on the in-cluster pool and its gateway. */
function facility(extra: Partial<AnalysisFacilityArgs> = {}): AnalysisFacility {
    return new AnalysisFacility("af", {
        ...CERT_MANAGER_FACILITY,
        groups: [{ name: "cms", htcondor: { pool: "campus" } }, { name: "opendata", htcondor: { pool: "local" }, dask: { cluster: "gateway" } }],
        htcondor: {
            pools: {
                campus: { mode: "external", collector: "cm.example.org", schedd: { host: "ap.example.org" }, trustDomain: "example.org", tokens: { source: "site" } },
                local: { mode: "in-cluster" },
            },
        },
        ...extra,
    });
}

const objects = () => settledObjects(mocks);
const find = (objs: K8sObject[], kind: string, name: string, namespace?: string) =>
    objs.find((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace)) as any;
const keeperSpec = (objs: K8sObject[]): KeeperSpec => JSON.parse(find(objs, "ConfigMap", "af-hub-config", "af").data["keeper.json"]);

describe("joinKeptSecrets and keeperRules", () => {
    const secret = (namespace: string, name: string, data: Record<string, string>) => ({ namespace, name, labels: {}, data });

    test("joins the parts in order; refuses a Secret listed twice, a value defined twice differently, a key or a token naming no value", () => {
        const spec = joinKeptSecrets("af/af-hub", [
            { values: { a: HEX_32 }, secrets: [secret("af", "home", { k: "a" })] },
            { values: { a: HEX_32 }, secrets: [secret("af-cms", "copy", { t: "a" })] },
        ]);
        expect(spec.secrets.map((s) => s.name)).toEqual(["home", "copy"]);
        expect(errorOf(() => joinKeptSecrets("x", [{ values: { a: HEX_32 }, secrets: [secret("af", "s", { k: "a" }), secret("af", "s", { k: "a" })] }]))).toBe("kept secrets: Secret af/s is listed twice");
        expect(errorOf(() => joinKeptSecrets("x", [{ values: { a: HEX_32 }, secrets: [] }, { values: { a: { kind: "random", bytes: 64, encoding: "raw" } }, secrets: [] }]))).toBe('kept secrets: value "a" is defined twice, differently');
        expect(errorOf(() => joinKeptSecrets("x", [{ values: {}, secrets: [secret("af", "s", { k: "b" })] }]))).toBe('kept secrets: af/s key "k" names value "b", which no part defines');
        const token = { kind: "htcondor-token" as const, signingKey: "key", keyId: "POOL", issuer: "d", subject: "u@d", scopes: ["READ"], lifetimeDays: null };
        expect(errorOf(() => joinKeptSecrets("x", [{ values: { t: token }, secrets: [] }]))).toBe('kept secrets: token "t" is signed with "key", which no part defines');
    });

    test("the keeper may create Secrets in each namespace it writes, and read and patch only the ones it keeps there", () => {
        const spec = joinKeptSecrets("x", [{ values: { a: HEX_32 }, secrets: [secret("af", "b", { k: "a" }), secret("af", "a", { k: "a" }), secret("af-cms", "c", { k: "a" })] }]);
        expect(keeperRules(spec)).toEqual([
            { namespace: "af", rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["create"] }, { apiGroups: [""], resources: ["secrets"], resourceNames: ["a", "b"], verbs: ["get", "patch"] }] },
            { namespace: "af-cms", rules: [{ apiGroups: [""], resources: ["secrets"], verbs: ["create"] }, { apiGroups: [""], resources: ["secrets"], resourceNames: ["c"], verbs: ["get", "patch"] }] },
        ]);
    });
});

describe("AnalysisFacility with pki.mode cert-manager: secrets made in the cluster", () => {
    test("the program declares no Secret, no random value and no key: a render holds nothing secret", async () => {
        facility();
        const objs = await objects();
        expect(objs.filter((o) => o.kind === "Secret").map((o) => `${o.metadata.namespace}/${o.metadata.name}`)).toEqual([]);
        expect(mocks.resources.filter((r) => r.type.startsWith("random:") || r.type.startsWith("tls:") || r.type.startsWith("command:")).map((r) => r.name)).toEqual([]);
        expect(pemBlocks(objs)).toEqual([]);
    });

    test("the scan finds what the program makes in generated mode: every random value it declares is in the render", async () => {
        facility({ pki: { mode: "generated" }, htcondor: { pools: { campus: { mode: "external", collector: "cm.example.org", schedd: { host: "ap.example.org" }, trustDomain: "example.org", tokens: { source: "site" } }, local: { mode: "in-cluster" } } } });
        const objs = await objects();
        const rendered = JSON.stringify(objs);
        const randoms = mocks.resources.filter((r) => r.type === "random:index/randomBytes:RandomBytes" || r.type === "random:index/randomPassword:RandomPassword");
        expect(randoms.length).toBeGreaterThan(5);
        for (const r of randoms) {
            const v = r.state.hex ?? r.state.result;
            const b64 = r.state.base64;
            expect(rendered.includes(v) || (b64 !== undefined && rendered.includes(b64))).toBe(true);
        }
    });

    test("the hub's keeper: an init container of the hub's image, its spec (names only) in the hub's ConfigMap, its Secret first, then every part's", async () => {
        facility();
        const objs = await objects();
        const hub = find(objs, "Deployment", "af-hub", "af").spec.template.spec;
        expect(hub.initContainers).toHaveLength(1);
        expect(hub.initContainers[0]).toMatchObject({ name: "keeper", image: hub.containers[0].image, command: ["python3", "/usr/local/etc/jupyterhub/hepaf_keeper.py"] });
        expect(hub.initContainers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false });
        expect(find(objs, "ConfigMap", "af-hub-config", "af").data["hepaf_keeper.py"]).toContain("def keep(api, spec):");
        const spec = keeperSpec(objs);
        expect(spec.madeBy).toBe("af/af-hub");
        expect(spec.secrets.map((s) => `${s.namespace}/${s.name}`)).toEqual([
            "af/af-hub-secret",
            "af-cms/dask-gateway-hub",
            "af-opendata/dask-gateway-hub",
            "af/af-dask-access",
            "af-monitoring/hepaf-hub-metrics-token",
            "af/af-local-signing-key",
            "af/af-local-submit-token",
            "af/af-local-execute-token",
            "af-opendata/htcondor-af-local-token",
        ]);
        expect(spec.secrets[0].data).toEqual({
            "hub.cookie-secret": "af.cookie-secret",
            "hub.crypt-key": "af.crypt-key",
            "proxy.token": "af.proxy-token",
            "service.dask-gateway-cms.token": "hub.service.dask-gateway-cms.token",
            "service.dask-gateway-opendata.token": "hub.service.dask-gateway-opendata.token",
            "service.dask.token": "hub.service.dask.token",
            "service.hepaf-metrics.token": "hub.service.hepaf-metrics.token",
        });
        // A service's copy holds the hub's token for it; the access service has a cookie secret of its own.
        expect(spec.secrets[1].data).toEqual({ "jupyterhub-api-token": "hub.service.dask-gateway-cms.token" });
        expect(spec.secrets[3].data).toEqual({ "hub-api-token": "hub.service.dask.token", "cookie-secret": "af.af-dask-access.cookie-secret" });
        expect(spec.values["af-local.group.opendata.token"]).toEqual({
            kind: "htcondor-token", signingKey: "af-local.signing-key", keyId: "POOL", issuer: "af-local-cm.af.svc.cluster.local", subject: "opendata@af-local-cm.af.svc.cluster.local", scopes: ["READ", "WRITE"], lifetimeDays: null,
        });
        expect(spec.values["af-local.signing-key"]).toEqual({ kind: "random", bytes: 64, encoding: "raw" });
        expect(JSON.stringify(spec)).not.toMatch(/[0-9a-f]{64}/);
    });

    test("the hub reads its secrets from its environment: the keeper's Secret, no secrets file; values.json says where", async () => {
        facility();
        const objs = await objects();
        const hub = find(objs, "Deployment", "af-hub", "af").spec.template.spec;
        const env = Object.fromEntries(hub.containers[0].env.map((e: any) => [e.name, e.valueFrom?.secretKeyRef ?? e.value]));
        expect(env.HEPAF_SERVICE_TOKEN_DASK_GATEWAY_CMS).toEqual({ name: "af-hub-secret", key: "service.dask-gateway-cms.token" });
        expect(env.JPY_COOKIE_SECRET).toEqual({ name: "af-hub-secret", key: "hub.cookie-secret" });
        expect(env.HEPAF_HUB_SECRETS).toBeUndefined();
        expect(hub.volumes.map((v: any) => v.name)).not.toContain("secret");
        const values = JSON.parse(find(objs, "ConfigMap", "af-hub-config", "af").data["values.json"]);
        expect(values.secrets).toMatchObject({ from: "environment", clientId: null, serviceTokenEnv: { dask: "HEPAF_SERVICE_TOKEN_DASK", "dask-gateway-cms": "HEPAF_SERVICE_TOKEN_DASK_GATEWAY_CMS" } });
        expect(values.secrets.groupEnv.cms.DASK_GATEWAY__ADDRESS).toBe("https://af.example.org/services/dask-gateway-cms");
        // The parts wait for the Secrets the keeper makes under the same names.
        const gateways = objs.filter((o: any) => o.kind === "Deployment" && o.metadata.namespace === "af-cms" && JSON.stringify(o).includes("JUPYTERHUB_API_TOKEN"));
        expect(gateways).toHaveLength(1);
        expect((gateways[0] as any).spec.template.spec.containers[0].env).toContainEqual({ name: "JUPYTERHUB_API_TOKEN", valueFrom: { secretKeyRef: { name: "dask-gateway-hub", key: "jupyterhub-api-token" } } });
    });

    test("the keeper's grants: create Secrets, read and patch only its own, in each namespace it writes", async () => {
        facility();
        const objs = await objects();
        const grants = grantsByNamespace(objs, "af-hub-keeper");
        expect(Object.keys(grants).sort()).toEqual(["af", "af-cms", "af-monitoring", "af-opendata"]);
        expect(grants["af-opendata"]).toEqual([
            { apiGroups: [""], resources: ["secrets"], verbs: ["create"] },
            { apiGroups: [""], resources: ["secrets"], resourceNames: ["dask-gateway-hub", "htcondor-af-local-token"], verbs: ["get", "patch"] },
        ]);
        expect(grants.af[1].resourceNames).toEqual(["af-dask-access", "af-hub-secret", "af-local-execute-token", "af-local-signing-key", "af-local-submit-token"]);
    });

    test("what would put a secret in the program is refused, naming the key and where the value belongs", () => {
        const oauth = { type: "generic-oauth" as const, issuer: "https://idp.example.org", clientId: "id" };
        expect(errorOf(() => facility({ hub: { login: { type: "dummy", password: "pw" }, allowDummy: true } }))).toBe(
            'af.login.password: the program holds no secret with secrets.madeBy "cluster"; put it in the site\'s Secret (secrets.siteSecret, key "dummy-password")',
        );
        expect(errorOf(() => facility({ hub: { login: { ...oauth, clientSecret: "s" } } }))).toContain('af.login.clientSecret: the program holds no secret with secrets.madeBy "cluster"');
        expect(errorOf(() => facility({ hub: { login: oauth } }))).toContain('af.secrets.siteSecret: is required with secrets.madeBy "cluster" and login "generic-oauth"');
        expect(errorOf(() => facility({ hub: { login: { ...oauth, clientId: pulumi.secret("id") }, secrets: { siteSecret: "af-site" } } }))).toContain("af.login.clientId: must be a plain string");
        expect(errorOf(() => facility({ hub: { login: { type: "dummy" }, allowDummy: true, databaseUrl: "postgresql://u:p@db/hub" } }))).toContain('af.databaseUrl: the program holds no secret with secrets.madeBy "cluster"; put it in the site\'s Secret (secrets.siteSecret, key "database-url") and set secrets.siteDatabase: true');
        expect(errorOf(() => facility({ hub: { login: { type: "dummy" }, allowDummy: true, secrets: { siteDatabase: true } } }))).toContain("af.secrets.siteDatabase: needs secrets.siteSecret");
        expect(errorOf(() => facility({ hub: { login: { type: "dummy" }, allowDummy: true, secrets: { madeBy: "program" } } }))).toContain('hub.secrets.madeBy: "program" cannot be used with pki.mode "cert-manager"');
        expect(errorOf(() => facility({ htcondor: { pools: { campus: { mode: "external", collector: "cm.example.org", schedd: { host: "ap.example.org" }, trustDomain: "example.org", tokens: { source: "mint", signingKey: "a2V5" } }, local: { mode: "in-cluster" } } } }))).toContain(
            'htcondor.pools.campus.tokens.source: "mint" puts the group tokens (or the key they are minted with) in the program; with pki.mode "cert-manager" use "site"',
        );
        expect(mocks.resources.filter((r) => r.type.startsWith("kubernetes:"))).toEqual([]);
        expect(errorOf(() => planPool("p", { mode: "in-cluster", namespace: "af", facility: "af", groups: [{ name: "cms" }], secretsMadeBy: "cluster", issuedAt: 5 }))).toBe(
            'p.issuedAt: cannot be set with secretsMadeBy "cluster": the keeper writes the time it mints the tokens',
        );
    });

    test("with OAuth the client secret comes from the site's Secret, the client id from the ConfigMap", async () => {
        new JupyterHub("hub", {
            facility: "af",
            domain: "af.example.org",
            traefik: { namespace: "af", entrypoints: { websecure: "websecure" }, routeLabels: {} },
            login: { type: "github", clientId: "gh-id" } as any,
            groups: [{ name: "cms", profiles: [{ name: "p" }] }],
            secrets: { madeBy: "cluster", siteSecret: "af-site" },
        });
        const objs = await objects();
        const env = find(objs, "Deployment", "hub-hub", "af").spec.template.spec.containers[0].env;
        expect(env).toContainEqual({ name: "HEPAF_HUB_CLIENT_SECRET", valueFrom: { secretKeyRef: { name: "af-site", key: "client-secret", optional: false } } });
        expect(env).toContainEqual({ name: "HEPAF_HUB_DUMMY_PASSWORD", valueFrom: { secretKeyRef: { name: "af-site", key: "dummy-password", optional: true } } });
        expect(JSON.parse(find(objs, "ConfigMap", "hub-hub-config", "af").data["values.json"]).secrets.clientId).toBe("gh-id");
        expect(objs.filter((o) => o.kind === "Secret")).toEqual([]);
        expect(env.map((e: any) => e.name)).not.toContain("HEPAF_HUB_DATABASE_URL");
        expect(find(objs, "PersistentVolumeClaim", "hub-hub-db", "af")).toBeDefined();
    });

    test("an external database's URL is the site Secret's too: no sqlite volume, the URL in the hub's environment", async () => {
        facility({ hub: { login: { type: "dummy" }, allowDummy: true, secrets: { siteSecret: "af-site", siteDatabase: true } } });
        const objs = await objects();
        const hub = find(objs, "Deployment", "af-hub", "af").spec.template.spec;
        expect(hub.containers[0].env).toContainEqual({ name: "HEPAF_HUB_DATABASE_URL", valueFrom: { secretKeyRef: { name: "af-site", key: "database-url", optional: false } } });
        expect(find(objs, "PersistentVolumeClaim", "af-hub-db", "af")).toBeUndefined();
        const values = JSON.parse(find(objs, "ConfigMap", "af-hub-config", "af").data["values.json"]);
        expect(values.hub.database).toEqual({ type: "url" });
        expect(values.secrets.databaseUrlEnv).toBe("HEPAF_HUB_DATABASE_URL");
    });
});
