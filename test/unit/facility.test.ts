import { errorOf, setupMocks, settled, valueOf } from "../helpers/pulumi";
import { CrdValidator, k8sObjects, traefikCrds, validateAll } from "../helpers/k8s-schema";
import { opensslVerify } from "../helpers/openssl";

const mocks = setupMocks();
import { AnalysisFacility } from "../../components";

beforeEach(() => mocks.reset());

test("a facility of two groups: namespaces, CA tree, trust bundles and one front door", async () => {
    const af = new AnalysisFacility("af", {
        domain: "af.example.org",
        groups: [{ name: "cms" }, { name: "opendata" }],
        traefik: { crds: { source: "none" }, service: { loadBalancerIP: "203.0.113.10" } },
    });
    await settled(mocks);
    const objs = k8sObjects(mocks.resources);
    validateAll(objs, new CrdValidator(traefikCrds()));
    expect(objs.filter((o) => o.kind === "Namespace").map((o) => o.metadata.name).sort()).toEqual(["af", "af-cms", "af-opendata"]);
    expect(af.hubUrl).toBe("https://af.example.org");
    expect(af.daskEndpoint).toBe("af.example.org:8786");
    expect(af.traefik.watchNamespaces).toEqual(["af", "af-cms", "af-opendata"]);

    // Each group's trust bundle is its intermediate plus the root; a CMS leaf does not verify as OpenData's.
    const root = await valueOf(af.rootCaCertPem);
    const cmsLeaf = af.groups.cms.ca.issue("cms-user", { usages: ["client"] });
    const cmsPem = await valueOf(cmsLeaf.certPem);
    expect(opensslVerify(root, cmsPem, await valueOf(af.groups.cms.ca.certPem)).ok).toBe(true);
    expect(opensslVerify(await valueOf(af.groups.opendata.ca.certPem), cmsPem).ok).toBe(false);
    const bundles = objs.filter((o) => o.kind === "ConfigMap" && o.metadata.name === "hepaf-group-ca");
    expect(bundles.map((b) => b.metadata.namespace).sort()).toEqual(["af-cms", "af-opendata"]);
    // Each group CA's key pair is published only in that group's namespace.
    const keypairs = objs.filter((o) => o.kind === "Secret" && o.metadata.name === "hepaf-group-ca-keypair");
    expect(keypairs.map((k) => k.metadata.namespace).sort()).toEqual(["af-cms", "af-opendata"]);
    const cmsKeypair = keypairs.find((k) => k.metadata.namespace === "af-cms")!;
    expect((cmsKeypair.stringData as any)["tls.crt"]).toBe(await valueOf(af.groups.cms.ca.certPem));
    // The default HTTPS certificate covers the domain and its subdomains.
    expect(objs.some((o) => o.kind === "TLSStore")).toBe(true);
});

test("bad facility input names the argument and declares nothing", async () => {
    expect(errorOf(() => new AnalysisFacility("af", { domain: "af.example.org", groups: [] }))).toBe("groups: declare at least one group");
    expect(errorOf(() => new AnalysisFacility("af", { domain: "af.example.org", groups: [{ name: "cms" }, { name: "cms" }] }))).toBe(
        'groups: duplicate group name "cms"',
    );
    expect(errorOf(() => new AnalysisFacility("af", { domain: "af.example.org", groups: [{ name: "CMS" }] }))).toMatch(/^groups\[0\].name: "CMS" is not a valid DNS label/);
    expect(errorOf(() => new AnalysisFacility("af", { domain: "af_example", groups: [{ name: "cms" }] }))).toMatch(/^domain: "af_example" is not a valid DNS name/);
    await settled(mocks);
    expect(mocks.resources).toHaveLength(0);
});
