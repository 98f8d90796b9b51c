/**
 * The facility's unit tests, defined once and run twice: as an update (facility.test.ts:
 * every output known, certificates really signed by the tls double) and as a first preview
 * (facility.preview.test.ts: every provider output unknown, see MockOptions.preview). Tests
 * that read values only providers can give (certificates, generated secrets) belong to the
 * update; the preview checks instead that such values are all that is unknown.
 */
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { errorOf, knownPart, Recorder, settled, unknownPaths, valueOf } from "../helpers/pulumi";
import { CrdValidator, k8sObjects, traefikCrds, validateAll } from "../helpers/k8s-schema";
import { grantedRules } from "../helpers/rbac";
import { opensslIssue, opensslText, opensslVerify } from "../helpers/openssl";
import { AnalysisFacility, daskClusterCrdDocument } from "../../components";
import { DASK_VERSIONS } from "../../components/images";
import { groupNamespacesGuarded, limitsAndNonRoot, onlyTraefikLoadBalancer, secretsInConfigMap, daskRoutesPassthrough } from "../../policy/rules";

/** Two groups, an external and an in-cluster pool, a fixed IP. */
export function twoGroupFacility(): AnalysisFacility {
    return new AnalysisFacility("af", {
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
            { name: "opendata", htcondor: { pool: "local" }, dask: { cluster: "gateway", adaptive: { maximum: 8 } } },
        ],
        traefik: { crds: { source: "none" }, service: { loadBalancerIP: "203.0.113.10" } },
    });
}

/** Declares the facility's tests for `mode`; `mocks` must have been set up in that mode. */
export function facilityTests(mocks: Recorder, mode: "update" | "preview"): void {
    describe(`a facility of two groups (${mode})`, () => {
        let af: AnalysisFacility;
        beforeAll(async () => {
            mocks.reset();
            af = twoGroupFacility();
            await settled();
        });
        const objs = () => k8sObjects(mocks.resources);

        test("namespaces, trust bundles and one front door, wired by typed outputs; every object valid", async () => {
            // In a preview only what is known can be checked; the unknowns are checked below.
            validateAll(objs().map(knownPart), new CrdValidator([...traefikCrds(), daskClusterCrdDocument()]));
            expect(objs().filter((o) => o.kind === "Namespace").map((o) => o.metadata.name).sort()).toEqual(["af", "af-cms", "af-opendata"]);
            // Exactly one Namespace object per namespace (no component declares one twice).
            const nsNames = objs().filter((o) => o.kind === "Namespace").map((o) => o.metadata.name);
            expect(new Set(nsNames).size).toBe(nsNames.length);
            expect(af.hubUrl).toBe("https://af.example.org");
            expect(af.daskEndpoint).toBe("af.example.org:8786");
            expect(af.daskAccessUrl).toBe("https://af.example.org/services/dask/");
            expect(af.traefik.watchNamespaces).toEqual(["af", "af-cms", "af-opendata"]);

            const bundles = objs().filter((o) => o.kind === "ConfigMap" && o.metadata.name === "hepaf-group-ca");
            expect(bundles.map((b) => b.metadata.namespace).sort()).toEqual(["af-cms", "af-opendata"]);
            // Each group CA's key pair is published only in that group's namespace.
            const keypairs = objs().filter((o) => o.kind === "Secret" && o.metadata.name === "hepaf-group-ca-keypair");
            expect(keypairs.map((k) => k.metadata.namespace).sort()).toEqual(["af-cms", "af-opendata"]);
            // The default HTTPS certificate covers the domain and its subdomains.
            expect(objs().some((o) => o.kind === "TLSStore")).toBe(true);

            // Hub and gateways are wired by typed outputs: one hub service per group, each group's users get its addresses.
            expect(af.hub.serviceRef("dask-gateway-cms").group).toBe("cms");
            expect(await valueOf(af.gatewayAddresses.cms)).toBe("gateway://af.example.org:8786");
            expect(await valueOf(af.groups.opendata.gateway.clientEnv)).toEqual({
                DASK_GATEWAY__ADDRESS: "https://af.example.org/services/dask-gateway-opendata",
                // Browser links (cluster dashboards) go through the access service's sign-in.
                DASK_GATEWAY__PUBLIC_ADDRESS: "https://af.example.org/services/dask/gateways/opendata",
                DASK_GATEWAY__PROXY_ADDRESS: "gateway://af.example.org:8786",
                DASK_GATEWAY__AUTH__TYPE: "jupyterhub",
            });
            // HTCondor: each group's servers get its pool's client config; the hub runs the session hooks.
            const hubValues = JSON.parse((objs().find((o) => o.kind === "ConfigMap" && o.metadata.name === "af-hub-config")!.data as any)["values.json"]);
            const cmsValues = hubValues.groups.find((g: any) => g.name === "cms");
            expect(cmsValues.pod.env.CONDOR_CONFIG).toMatch(/condor_config$/);
            expect(cmsValues.pod.initContainers.map((c: any) => c.name)).toEqual(["htcondor-tokens"]);
            // The token copies belong to the user the hub runs notebooks as.
            expect(cmsValues.pod.initContainers[0].securityContext.runAsUser).toBe(hubValues.spawner.uid);
            expect(Object.keys(hubValues.daskSessions.groups).sort()).toEqual(["cms", "opendata"]);
            expect(hubValues.daskSessions.contactAddressTemplate).toContain("dask.af.example.org:8786");
            const condorConfigs = objs().filter((o) => o.kind === "ConfigMap" && (o.data as any)?.condor_config);
            expect(condorConfigs.map((c) => c.metadata.namespace).sort()).toEqual(["af-cms", "af-opendata"]);
            expect((condorConfigs.find((c) => c.metadata.namespace === "af-cms")!.data as any).condor_config).toMatch(/CONDOR_HOST = cm.example.edu/);
            expect(objs().filter((o) => o.kind === "Deployment" && o.metadata.namespace === "af").map((d) => d.metadata.name).sort()).toEqual(
                expect.arrayContaining(["af-edge", "af-hub", "af-proxy"]),
            );
        });

        test("each group's notebooks get hepaf_dask and settings of the group's kind: HTCondor with a dedicated worker, gateway without", () => {
            const hubValues = JSON.parse((objs().find((o) => o.kind === "ConfigMap" && o.metadata.name === "af-hub-config")!.data as any)["values.json"]);
            const notebookCms = objs().filter((o) => o.kind === "ConfigMap" && o.metadata.name === "hepaf-notebook-dask");
            expect(notebookCms.map((c) => c.metadata.namespace).sort()).toEqual(["af-cms", "af-opendata"]);
            const settings = (ns: string) => JSON.parse((notebookCms.find((c) => c.metadata.namespace === ns)!.data as any)["hepaf_dask.json"]);
            // CMS: its gateway's maxWorkers (50) is the per-user limit; the profile states no guarantee, so the dedicated worker gets 2 GiB.
            expect(settings("af-cms")).toEqual({
                group: "cms", kind: "htcondor",
                adaptive: { minimum: 0, maximum: 50, limit: "50 workers", idleSeconds: 60, intervalSeconds: 1, waitCount: 61 },
                dedicatedWorker: { nthreads: 1, memoryLimit: 2 * 2 ** 30 },
                dask: DASK_VERSIONS,
            });
            expect(settings("af-opendata")).toMatchObject({ group: "opendata", kind: "gateway", adaptive: { maximum: 8 }, dedicatedWorker: null, dask: DASK_VERSIONS });
            for (const c of notebookCms) expect((c.data as any)["hepaf_dask.py"]).toMatch(/^"""The group's Dask in a notebook session/);
            // The open-data gateway, which had no limit of its own, gets the group's.
            const odGateway = JSON.parse((objs().find((o) => o.kind === "ConfigMap" && o.metadata.name === "dask-gateway-config" && o.metadata.namespace === "af-opendata")!.data as any)["values.json"]);
            expect(odGateway.cluster.maxWorkers).toBe(8);
            // Every group's pods mount the module on PYTHONPATH; the HTCondor group's also keep the pool's parts.
            for (const name of ["cms", "opendata"]) {
                const pod = hubValues.groups.find((g: any) => g.name === name).pod;
                expect(pod.env.PYTHONPATH).toBe("/etc/hepaf/python");
                expect(pod.volumes).toContainEqual({ name: "hepaf-python", configMap: { name: "hepaf-notebook-dask", items: [{ key: "hepaf_dask.py", path: "hepaf_dask.py" }, { key: "hepaf_dask.json", path: "hepaf_dask.json" }] } });
                expect(pod.volumeMounts).toContainEqual({ name: "hepaf-python", mountPath: "/etc/hepaf/python", readOnly: true });
            }
            const cmsPod = hubValues.groups.find((g: any) => g.name === "cms").pod;
            expect(cmsPod.volumes.map((v: any) => v.name)).toEqual(["htcondor-config", "dask-config", "htcondor-job", "htcondor-tokens-source", "htcondor-tokens", "hepaf-python"]);
            expect(cmsPod.env.CONDOR_CONFIG).toMatch(/condor_config$/);
        });

        test("the Dask access service: a hub service of every group, its sign-in in front of session and gateway dashboards", () => {
            const hubValues = JSON.parse((objs().find((o) => o.kind === "ConfigMap" && o.metadata.name === "af-hub-config")!.data as any)["values.json"]);
            expect(hubValues.services.find((s: any) => s.name === "dask")).toEqual({
                name: "dask", url: "http://af-dask-access.af.svc.cluster.local:8080", groups: ["cms", "opendata"], display: true, skipConfirm: true, scopes: [],
            });
            // The hub routes each session's dashboard behind the sign-in (and may make those HTTP routes).
            expect(hubValues.daskSessions.dashboards).toEqual({
                host: "af.example.org", pathPrefix: "/services/dask/sessions", entrypoint: "websecure",
                middlewares: ["hepaf-dask-sign-in", "hepaf-dask-drop-credentials", "hepaf-dask-session-prefix"],
                linkTemplate: "https://af.example.org/services/dask/sessions/{user}/status",
            });
            const hubRole = { rules: grantedRules(objs(), "af-hub-spawner", "af-cms") };
            expect(hubRole.rules).toContainEqual({ apiGroups: ["traefik.io"], resources: ["ingressroutetcps", "ingressroutes"], verbs: ["create", "delete", "get"] });
            // Each gateway's controller puts its cluster dashboards under the service's prefix, behind the same sign-in.
            for (const g of ["cms", "opendata"]) {
                const gw = JSON.parse((objs().find((o) => o.kind === "ConfigMap" && o.metadata.name === "dask-gateway-config" && o.metadata.namespace === `af-${g}`)!.data as any)["values.json"]);
                expect(gw.controller.proxyPrefix).toBe(`/services/dask/gateways/${g}`);
                expect(gw.controller.webMiddlewares.map((m: any) => m.name)).toEqual(["hepaf-dask-sign-in", "hepaf-dask-drop-credentials", "dask-gateway-clusters-prefix"]);
                expect(objs().filter((o) => o.kind === "Middleware" && o.metadata.namespace === `af-${g}`).map((o) => o.metadata.name).sort()).toEqual(
                    ["dask-gateway-api-prefix", "dask-gateway-clusters-prefix", "hepaf-dask-drop-credentials", "hepaf-dask-session-prefix", "hepaf-dask-sign-in"],
                );
            }
            // Both groups run their own schedulers: bundles carry certificates of both CAs.
            const values = JSON.parse((objs().find((o) => o.kind === "ConfigMap" && o.metadata.name === "af-dask-access")!.data as any)["values.json"]);
            expect(Object.entries(values.groups).map(([g, v]: [string, any]) => [g, v.sessions, v.gateway.address])).toEqual([
                ["cms", true, "https://af.example.org/services/dask-gateway-cms"],
                ["opendata", true, "https://af.example.org/services/dask-gateway-opendata"],
            ]);
        });

        test("every workload names the ConfigMaps, Secrets and accounts it uses by their fixed names (known strings)", () => {
            const declared = new Set(objs().map((o) => `${o.kind}/${o.metadata?.namespace}/${o.metadata?.name}`));
            const deployments = objs().filter((o) => o.kind === "Deployment");
            expect(deployments.length).toBeGreaterThanOrEqual(8);
            for (const d of deployments) {
                const pod = (d.spec as any).template.spec;
                const ns = d.metadata.namespace;
                const refs = [
                    ...(pod.volumes ?? []).flatMap((v: any) => [
                        ...(v.configMap ? [`ConfigMap/${ns}/${v.configMap.name}`] : []),
                        ...(v.secret ? [`Secret/${ns}/${v.secret.secretName}`] : []),
                    ]),
                    ...pod.containers.flatMap((c: any) => (c.env ?? []).flatMap((e: any) => (e.valueFrom?.secretKeyRef ? [`Secret/${ns}/${e.valueFrom.secretKeyRef.name}`] : []))),
                    ...(pod.serviceAccountName ? [`ServiceAccount/${ns}/${pod.serviceAccountName}`] : []),
                ];
                // A name taken from another resource's output would be unknown here in a preview.
                expect(unknownPaths(pod)).toEqual([]);
                for (const ref of refs) expect({ deployment: d.metadata.name, ref, declared: declared.has(ref) }).toEqual({ deployment: d.metadata.name, ref, declared: true });
            }
        });

        test("the policy pack's invariants hold for everything the facility declares", () => {
            const asPolicy = mocks.resources.filter((r) => r.type.startsWith("kubernetes:")).map((r) => ({ type: r.type, props: r.inputs }));
            expect(asPolicy.flatMap((r) => [...secretsInConfigMap(r), ...limitsAndNonRoot(r), ...onlyTraefikLoadBalancer(r), ...daskRoutesPassthrough(r, "dask")])).toEqual([]);
            expect(groupNamespacesGuarded(asPolicy)).toEqual([]);
        });

        if (mode === "update") {
            test("each group's CA is its own trust anchor, as the tls provider writes it", async () => {
                // A CMS leaf verifies against the CMS CA alone, and neither against OpenData's CA
                // nor against the facility root, even with its chain.
                const root = await valueOf(af.rootCaCertPem!);
                const cmsCa = await valueOf(af.groups.cms.ca!.certPem);
                const cmsLeaf = af.groups.cms.ca!.issue("cms-user", { usages: ["client"] });
                const cmsPem = await valueOf(cmsLeaf.certPem);
                expect(opensslVerify(cmsCa, cmsPem, undefined, "sslclient").ok).toBe(true);
                expect(opensslVerify(await valueOf(af.groups.opendata.ca!.certPem), cmsPem, cmsCa).ok).toBe(false);
                expect(opensslVerify(root, cmsPem, cmsCa).ok).toBe(false);
                expect(await valueOf(af.groups.cms.ca!.chainPem)).toBe(cmsCa);
                // What the tls provider writes for it: CA:TRUE without a path length (it cannot write
                // pathlen:0); asked for with 0, the input stacks made earlier hold, so nothing is replaced.
                const cmsCaText = opensslText(cmsCa);
                expect(cmsCaText).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE\n/);
                expect(cmsCaText).not.toMatch(/pathlen/);
                expect(mocks.named("af-cms-ca-cert").inputs.maxPathLength).toBe(0);
                // So only the holder of the group's key can extend the group's trust: a CA signed with it
                // verifies (as a leaf signed with it directly would); a user's leaf is CA:FALSE and what it
                // signs is refused.
                const cmsCaKey = await valueOf(af.groups.cms.ca!.privateKeyPem);
                const sub = opensslIssue({ certPem: cmsCa, keyPem: cmsCaKey }, "sub-ca", { ca: true });
                expect(opensslVerify(cmsCa, opensslIssue(sub, "via-sub").certPem, sub.certPem, "sslclient").ok).toBe(true);
                const forged = opensslIssue({ certPem: cmsPem, keyPem: await valueOf(cmsLeaf.privateKeyPem) }, "mallory");
                const refused = opensslVerify(cmsCa, forged.certPem, cmsPem, "sslclient");
                expect(refused.ok).toBe(false);
                expect(refused.output).toMatch(/invalid CA certificate/);
                // The key pair published in the group's namespace is that CA's.
                const cmsKeypair = objs().find((o) => o.kind === "Secret" && o.metadata.name === "hepaf-group-ca-keypair" && o.metadata.namespace === "af-cms")!;
                expect((cmsKeypair.stringData as any)["tls.crt"]).toBe(cmsCa);
            });

            test("the hub's Secret gives each group's servers its gateway's addresses and the dask-labextension factory of its kind", () => {
                const hubSecrets = JSON.parse((objs().find((o) => o.kind === "Secret" && o.metadata.name === "af-hub-secret")!.stringData as any)["secrets.json"]);
                expect(hubSecrets.groupEnv.cms).toMatchObject({
                    DASK_GATEWAY__ADDRESS: "https://af.example.org/services/dask-gateway-cms",
                    DASK_GATEWAY__PROXY_ADDRESS: "gateway://af.example.org:8786",
                    DASK_GATEWAY__AUTH__TYPE: "jupyterhub",
                    DASK_LABEXTENSION__FACTORY__MODULE: "hepaf_dask",
                    DASK_LABEXTENSION__FACTORY__CLASS: "HTCondorSessionCluster",
                    DASK_LABEXTENSION__FACTORY__KWARGS__ADAPT: "True",
                });
                expect(hubSecrets.groupEnv.opendata).toMatchObject({
                    DASK_LABEXTENSION__FACTORY__MODULE: "hepaf_dask",
                    DASK_LABEXTENSION__FACTORY__CLASS: "GatewaySessionCluster",
                    DASK_LABEXTENSION__FACTORY__KWARGS__ADAPT: "True",
                });
            });
        } else {
            test("unknown only where a provider fills in the value: certificates, keys, generated secrets", () => {
                const unknowns = objs().flatMap((o) => unknownPaths(o).map((p) => ({ kind: o.kind, name: `${o.metadata?.namespace}/${o.metadata?.name}`, path: p })));
                // It is a preview: certificate material is not there yet.
                expect(unknowns.length).toBeGreaterThan(0);
                const allowed = (u: { kind: string; path: string }) =>
                    (u.kind === "Secret" && /^(stringData|data)\b/.test(u.path)) || (u.kind === "ConfigMap" && u.path === 'data["ca.crt"]');
                expect(unknowns.filter((u) => !allowed(u))).toEqual([]);
                // Trust bundles wait for their certificates; everything else in a ConfigMap is known.
                expect(unknowns.filter((u) => u.kind === "ConfigMap").map((u) => u.name).sort()).toEqual(["af-cms/hepaf-group-ca", "af-opendata/hepaf-group-ca", "af/hepaf-root-ca"]);
            });
        }
    });

    test(`the Dask access service turned off: no service, no session dashboards, gateway dashboards as dask-gateway has them (${mode})`, async () => {
        mocks.reset();
        new AnalysisFacility("af", {
            domain: "af.example.org",
            hub: { login: { type: "dummy" }, allowDummy: true },
            htcondor: { pools: { local: { mode: "in-cluster" } } },
            groups: [{ name: "cms", htcondor: { pool: "local" } }],
            traefik: { crds: { source: "none" } },
            daskAccess: { enabled: false },
        });
        await settled();
        const all = k8sObjects(mocks.resources);
        expect(all.filter((o) => /dask-access|hepaf-dask-/.test(o.metadata.name))).toEqual([]);
        const hubValues = JSON.parse((all.find((o) => o.kind === "ConfigMap" && o.metadata.name === "af-hub-config")!.data as any)["values.json"]);
        expect(hubValues.services.map((s: any) => s.name)).toEqual(["dask-gateway-cms"]);
        expect(hubValues.daskSessions.dashboards).toBeNull();
        const gw = JSON.parse((all.find((o) => o.kind === "ConfigMap" && o.metadata.name === "dask-gateway-config")!.data as any)["values.json"]);
        expect(gw.controller.proxyPrefix).toBe("/services/dask-gateway-cms");
        expect(gw.controller.webMiddlewares).toEqual([{ name: "dask-gateway-clusters-prefix", namespace: "af-cms" }]);
        mocks.reset();
        expect(errorOf(() => new AnalysisFacility("af", { domain: "af.example.org", hub: { login: { type: "dummy" }, allowDummy: true }, groups: [{ name: "cms" }], daskAccess: { certificateValidityDays: 0 } }))).toBe(
            "daskAccess.certificateValidityDays: 0 must be an integer >= 1",
        );
    });

    test(`bad facility input names the argument and declares nothing (${mode})`, async () => {
        mocks.reset();
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
        // Session Dask: each problem names the argument.
        const one = (g: object) => errorOf(() => new AnalysisFacility("af", { domain: "af.example.org", hub, groups: [{ name: "cms", ...g }] }));
        expect(one({ dask: { cluster: "htcondor" } })).toBe('groups[0].dask.cluster: "htcondor" needs a pool: give the group htcondor.pool, or use "gateway"');
        expect(one({ dask: { cluster: "slurm" } })).toMatch(/^groups\[0\]\.dask\.cluster: .*"htcondor", "gateway"/);
        expect(one({ dask: { adaptive: { minimum: 5, maximum: 3 } } })).toBe("groups[0].dask.adaptive.minimum: 5 is above the worker limit (3 workers)");
        expect(one({ dask: { adaptive: { maximum: 30 } }, gateway: { limits: { maxWorkers: 20 } } })).toBe(
            "groups[0].dask.adaptive.maximum: 30 is above the group's gateway limit (gateway maxWorkers 20), which its gateway sessions cannot pass",
        );
        expect(one({ dask: { dedicatedWorker: { cores: 1 } } })).toMatch(/^groups\[0\]\.dask\.dedicatedWorker\.cores: a dedicated worker joins a scheduler in the notebook, which only HTCondor sessions have/);
        await settled();
        expect(mocks.resources).toHaveLength(0);
    });
}
