import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { errorOf, setupMocks, settled, valueOf } from "../helpers/pulumi";
import { CrdValidator, k8sObjects, traefikCrds, validateAll } from "../helpers/k8s-schema";
import { opensslVerify } from "../helpers/openssl";

const mocks = setupMocks();
import { AnalysisFacility, daskClusterCrdDocument } from "../../components";
import { groupNamespacesGuarded, limitsAndNonRoot, onlyTraefikLoadBalancer, secretsInConfigMap, daskRoutesPassthrough } from "../../policy/rules";

beforeEach(() => mocks.reset());

test("a facility of two groups: namespaces, CA tree, trust bundles and one front door", async () => {
    const af = new AnalysisFacility("af", {
        domain: "af.example.org",
        hub: { login: { type: "dummy" }, allowDummy: true, admins: ["admin"] },
        htcondor: {
            pools: {
                campus: {
                    mode: "external",
                    collector: "cm.example.edu",
                    schedd: { host: "ap.example.edu" },
                    trustDomain: "example.edu",
                    tokens: { source: "mint", signingKey: pulumi.secret(crypto.randomBytes(64).toString("base64")) },
                },
                local: { mode: "in-cluster", execute: { replicas: 1 } },
            },
        },
        groups: [
            { name: "cms", members: { claimValues: ["CMS"] }, gateway: { limits: { maxWorkers: 50 } }, htcondor: { pool: "campus", accountingGroup: "group_cms" } },
            { name: "opendata", htcondor: { pool: "local" } },
        ],
        traefik: { crds: { source: "none" }, service: { loadBalancerIP: "203.0.113.10" } },
    });
    await settled();
    const objs = k8sObjects(mocks.resources);
    validateAll(objs, new CrdValidator([...traefikCrds(), daskClusterCrdDocument()]));
    expect(objs.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name).sort()).toEqual(["af", "af-cms", "af-opendata"]);
    expect(af.hubUrl).toBe("https://af.example.org");
    expect(af.daskEndpoint).toBe("af.example.org:8786");
    expect(af.traefik.watchNamespaces).toEqual(["af", "af-cms", "af-opendata"]);

    // Each group's CA is its own trust anchor (path length 0): a CMS leaf verifies against it
    // alone, and neither against OpenData's CA nor against the facility root, even with its chain.
    const root = await valueOf(af.rootCaCertPem);
    const cmsCa = await valueOf(af.groups.cms.ca.certPem);
    const cmsLeaf = af.groups.cms.ca.issue("cms-user", { usages: ["client"] });
    const cmsPem = await valueOf(cmsLeaf.certPem);
    expect(opensslVerify(cmsCa, cmsPem, undefined, "sslclient").ok).toBe(true);
    expect(opensslVerify(await valueOf(af.groups.opendata.ca.certPem), cmsPem, cmsCa).ok).toBe(false);
    expect(opensslVerify(root, cmsPem, cmsCa).ok).toBe(false);
    expect(await valueOf(af.groups.cms.ca.chainPem)).toBe(cmsCa);
    const bundles = objs.filter((o) => o.kind === "ConfigMap" && o.metadata.name === "hepaf-group-ca");
    expect(bundles.map((b) => b.metadata.namespace).sort()).toEqual(["af-cms", "af-opendata"]);
    // Each group CA's key pair is published only in that group's namespace.
    const keypairs = objs.filter((o) => o.kind === "Secret" && o.metadata.name === "hepaf-group-ca-keypair");
    expect(keypairs.map((k) => k.metadata.namespace).sort()).toEqual(["af-cms", "af-opendata"]);
    const cmsKeypair = keypairs.find((k) => k.metadata.namespace === "af-cms")!;
    expect((cmsKeypair.stringData as any)["tls.crt"]).toBe(await valueOf(af.groups.cms.ca.certPem));
    // The default HTTPS certificate covers the domain and its subdomains.
    expect(objs.some((o) => o.kind === "TLSStore")).toBe(true);

    // Hub and gateways are wired by typed outputs: one hub service per group, each group's users get its addresses.
    expect(af.hub.serviceRef("dask-gateway-cms").group).toBe("cms");
    expect(await valueOf(af.gatewayAddresses.cms)).toBe("gateway://af.example.org:8786");
    expect(await valueOf(af.groups.opendata.gateway.clientEnv)).toEqual({
        DASK_GATEWAY__ADDRESS: "https://af.example.org/services/dask-gateway-opendata",
        DASK_GATEWAY__PUBLIC_ADDRESS: "https://af.example.org/services/dask-gateway-opendata",
        DASK_GATEWAY__PROXY_ADDRESS: "gateway://af.example.org:8786",
        DASK_GATEWAY__AUTH__TYPE: "jupyterhub",
    });
    // HTCondor: each group's servers get its pool's client config; the hub runs the session hooks.
    const hubValues = JSON.parse((objs.find((o) => o.kind === "ConfigMap" && o.metadata.name === "af-hub-config")!.data as any)["values.json"]);
    const cmsValues = hubValues.groups.find((g: any) => g.name === "cms");
    expect(cmsValues.pod.env.CONDOR_CONFIG).toMatch(/condor_config$/);
    expect(cmsValues.pod.initContainers.map((c: any) => c.name)).toEqual(["htcondor-tokens"]);
    expect(Object.keys(hubValues.daskSessions.groups).sort()).toEqual(["cms", "opendata"]);
    expect(hubValues.daskSessions.contactAddressTemplate).toContain("dask.af.example.org:8786");
    const condorConfigs = objs.filter((o) => o.kind === "ConfigMap" && (o.data as any)?.condor_config);
    expect(condorConfigs.map((c) => c.metadata.namespace).sort()).toEqual(["af-cms", "af-opendata"]);
    expect((condorConfigs.find((c) => c.metadata.namespace === "af-cms")!.data as any).condor_config).toMatch(/CONDOR_HOST = cm.example.edu/);
    expect(objs.filter((o) => o.kind === "Deployment" && o.metadata.namespace === "af").map((d) => d.metadata.name).sort()).toEqual(
        expect.arrayContaining(["af-edge", "af-hub", "af-proxy"]),
    );
    // The hub gives each group's servers its gateway's addresses and the dask-labextension factory (in the hub Secret).
    const hubSecrets = JSON.parse((objs.find((o) => o.kind === "Secret" && o.metadata.name === "af-hub-secret")!.stringData as any)["secrets.json"]);
    expect(hubSecrets.groupEnv.cms).toMatchObject({
        DASK_GATEWAY__ADDRESS: "https://af.example.org/services/dask-gateway-cms",
        DASK_GATEWAY__PROXY_ADDRESS: "gateway://af.example.org:8786",
        DASK_GATEWAY__AUTH__TYPE: "jupyterhub",
        DASK_LABEXTENSION__FACTORY__MODULE: "dask_gateway",
        DASK_LABEXTENSION__FACTORY__CLASS: "GatewayCluster",
    });
    // Exactly one Namespace object per namespace (no component declares one twice).
    const nsNames = objs.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name);
    expect(new Set(nsNames).size).toBe(nsNames.length);

    // The policy pack's invariants hold for everything the facility declares.
    const asPolicy = mocks.resources.filter((r) => r.type.startsWith("kubernetes:")).map((r) => ({ type: r.type, props: r.inputs }));
    expect(asPolicy.flatMap((r) => [...secretsInConfigMap(r), ...limitsAndNonRoot(r), ...onlyTraefikLoadBalancer(r), ...daskRoutesPassthrough(r, "dask")])).toEqual([]);
    expect(groupNamespacesGuarded(asPolicy)).toEqual([]);
});

test("bad facility input names the argument and declares nothing", async () => {
    const hub = { login: { type: "dummy" as const }, allowDummy: true };
    expect(errorOf(() => new AnalysisFacility("af", { domain: "af.example.org", hub, groups: [] }))).toBe("groups: declare at least one group");
    expect(errorOf(() => new AnalysisFacility("af", { domain: "af.example.org", hub, groups: [{ name: "cms" }, { name: "cms" }] }))).toBe(
        'groups: duplicate group name "cms"',
    );
    expect(errorOf(() => new AnalysisFacility("af", { domain: "af.example.org", hub, groups: [{ name: "CMS" }] }))).toMatch(/^groups\[0\].name: "CMS" is not a valid DNS label/);
    expect(errorOf(() => new AnalysisFacility("af", { domain: "af_example", hub, groups: [{ name: "cms" }] }))).toMatch(/^domain: "af_example" is not a valid DNS name/);
    expect(
        errorOf(() => new AnalysisFacility("af", { domain: "af.example.org", hub, groups: [{ name: "cms", htcondor: { pool: "nowhere" } }] })),
    ).toBe('groups[0].htcondor.pool: "nowhere" is not a pool in htcondor.pools (declared: none)');
    // A bad value deep in a part (the hub's login, a gateway limit) also fails before anything.
    expect(errorOf(() => new AnalysisFacility("af", { domain: "af.example.org", hub: { login: { type: "dummy" } }, groups: [{ name: "cms" }] }))).toMatch(/allowDummy/);
    expect(
        errorOf(() => new AnalysisFacility("af", { domain: "af.example.org", hub, groups: [{ name: "cms", gateway: { limits: { maxWorkers: 0 } } }] })),
    ).toMatch(/maxWorkers/);
    await settled();
    expect(mocks.resources).toHaveLength(0);
});
