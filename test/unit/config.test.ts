import * as fc from "fast-check";
import * as pulumi from "@pulumi/pulumi";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { errorOf, settled } from "../helpers/pulumi";

// Property tests build many facilities: a plain echo mock (no signing) keeps them fast.
let registered = 0;
const registeredTypes: string[] = [];
pulumi.runtime.setMocks(
    {
        newResource: (args) => {
            registered++;
            registeredTypes.push(args.type);
            return { id: `${args.name}-id`, state: { ...args.inputs, certPem: "cert", privateKeyPem: "key", certRequestPem: "csr", result: "x" } };
        },
        call: (args) => args.inputs,
    },
    "hepaf",
    "prop",
    false,
);
import { AnalysisFacility } from "../../components";
import { rawStackConfig, toProgramConfig } from "../../infra/config";
import { readStackFile } from "../../infra/stack-file";
import { configKeyPath } from "../../infra/schema-errors";

/** Generated configs per property (>= 1000 in CI; HEPAF_PROPERTY_RUNS lowers it while iterating). */
const RUNS = Number(process.env.HEPAF_PROPERTY_RUNS ?? 1000);
/** How many of the valid configs are declared as whole facilities under mocks (seconds each). */
const DECLARED = Math.min(RUNS, 3);

const hub = { login: { type: "dummy" }, allowDummy: true };
const base = { domain: "af.example.org", hub, groups: [{ name: "cms" }] };

describe("stack config", () => {
    test("raw config: every hepaf key, JSON values parsed, strings kept", () => {
        expect(
            rawStackConfig({ "hepaf:domain": "af.example.org", "hepaf:groups": '[{"name":"cms"}]', "other:key": "x", "hepaf:traefik": '{"daskPort":8786}' }),
        ).toEqual({ domain: "af.example.org", groups: [{ name: "cms" }], traefik: { daskPort: 8786 } });
    });

    test("the Dask access service: on by default, or as the stack says", () => {
        expect(toProgramConfig(base).facility.daskAccess).toBeUndefined();
        expect(toProgramConfig({ ...base, daskAccess: { enabled: false, certificateValidityDays: 3 } }).facility.daskAccess).toEqual({ enabled: false, certificateValidityDays: 3 });
    });

    test("defaults and the CRD file from the scripts", () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-cfg-")), "crds.yml");
        fs.writeFileSync(file, "");
        const cfg = toProgramConfig(base, { traefikCrdsFile: file });
        expect(cfg.name).toBe("af");
        expect(cfg.facility.traefik).toEqual({ crds: { source: "file", path: file } });
        expect(toProgramConfig({ ...base, traefik: { crds: "none" } }, { traefikCrdsFile: "/x" }).facility.traefik).toEqual({ crds: { source: "none" } });
        expect(toProgramConfig({ ...base, traefik: { providersThrottleMs: 0 } }).facility.traefik).toMatchObject({ providersThrottleMs: 0 });
        expect(toProgramConfig({ ...base, traefik: { acceptGraceSeconds: 15, drainSeconds: 60 } }).facility.traefik).toMatchObject({ acceptGraceSeconds: 15, drainSeconds: 60 });
        fs.rmSync(path.dirname(file), { recursive: true, force: true });
    });

    const label = "a DNS label: lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters, no '.'";
    const oauth = { type: "generic-oauth", issuer: "https://cilogon.org", clientId: "id" };
    const external = { mode: "external", collector: "cm.example.org", schedd: "ap.example.org", trustDomain: "example.org" };
    test.each([
        [{ ...base, groups: [{ name: "cms", gateway: { maxWorkers: 0 } }] }, "hepaf:groups[0].gateway.maxWorkers must be an integer >= 1, got 0"],
        [{ ...base, groups: [{ name: "cms" }, { name: "CMS" }] }, `hepaf:groups[1].name must be ${label}, got "CMS"`],
        [{ ...base, groups: [{ name: "cms.x" }] }, `hepaf:groups[0].name must be ${label}, got "cms.x"`],
        [{ ...base, domian: "x" }, 'hepaf:domian is not a known setting; did you mean "domain"?'],
        [{ ...base, hub: { ...hub, culler: { timeoutSecs: 60 } } }, 'hepaf:hub.culler.timeoutSecs is not a known setting; did you mean "timeoutSeconds"?'],
        [{ ...base, hub: { ...hub, httpTimeoutSeconds: 0 } }, "hepaf:hub.httpTimeoutSeconds must be an integer >= 1, got 0"],
        [{ ...base, hub: { login: { ...oauth, groupClaim: "isMemberOf" } }, hubClientSecret: "s" },
            'hepaf:hub.login.groupClaim is not a known setting of hepaf:hub.login with type "generic-oauth"; did you mean "groupsClaim"?'],
        [{ ...base, hub: { login: { type: "dummy", clientId: "id" }, allowDummy: true } }, 'hepaf:hub.login.clientId is not a known setting of hepaf:hub.login with type "dummy"'],
        [{ ...base, htcondor: { pools: { campus: { ...external, requireAccountingGrup: true } } }, poolSigningKeys: { campus: "k" } },
            'hepaf:htcondor.pools.campus.requireAccountingGrup is not a known setting of hepaf:htcondor.pools.campus with mode "external"; did you mean "requireAccountingGroup"?'],
        [{ ...base, htcondor: { pools: { campus: { mode: "in-cluster", collector: "cm.example.org" } } } },
            'hepaf:htcondor.pools.campus.collector is not a known setting of hepaf:htcondor.pools.campus with mode "in-cluster"'],
        [{ ...base, htcondor: { pools: { Campus: { mode: "in-cluster" } } } }, `hepaf:htcondor.pools.Campus: the name "Campus" must be ${label}`],
        [{ ...base, htcondor: { pools: { campus: { ...external, collector: undefined } } } }, "hepaf:htcondor.pools.campus.collector is required"],
        [{ ...base, ca: { subject: { country: "us" } } }, 'hepaf:ca.subject.country must be a two-letter country code in capitals (ISO 3166-1, e.g. "US"), got "us"'],
        [{ hub, groups: [{ name: "cms" }] }, "hepaf:domain is required"],
        [{ ...base, hub: undefined }, "hepaf:hub is required"],
        [{ ...base, hub: { login: { type: "github", clientId: "id" } } }, 'hepaf:hub.login.type is "github", so hepaf:hubClientSecret (secret) is required'],
        [{ ...base, hub: { login: { type: "github" } }, hubClientSecret: "s" }, "hepaf:hub.login.clientId is required"],
        [{ ...base, traefik: { service: { type: "Ingress" } } }, 'hepaf:traefik.service.type must be one of "LoadBalancer", "NodePort", "ClusterIP", got "Ingress"'],
        [{ ...base, traefik: { service: { type: "LoadBalancr" } } }, 'got "LoadBalancr"; did you mean "LoadBalancer"?'],
        [{ ...base, traefik: { daskPort: 99999 } }, "hepaf:traefik.daskPort must be a port: an integer from 1 to 65535, got 99999"],
        [{ ...base, traefik: { daskPort: "87x6" } }, 'hepaf:traefik.daskPort must be a port: an integer from 1 to 65535, got "87x6"'],
        [{ ...base, traefik: { providersThrottleMs: "2s" } }, 'hepaf:traefik.providersThrottleMs must be a whole number of milliseconds from 0 to 60000, got "2s"'],
        [{ ...base, traefik: { acceptGraceSeconds: "5s" } }, 'hepaf:traefik.acceptGraceSeconds must be a whole number of seconds from 0 to 600, got "5s"'],
        [{ ...base, traefik: { daskPort: 443 } }, 'hepaf:traefik.daskPort: entrypoints "websecure" and "dask" would both be exposed on port 443'],
        [{ ...base, traefik: { crds: "file" } }, 'hepaf:traefik.crds must be "url", "none", or {source: "file", path: <file>}'],
        [{ ...base, traefik: { crds: { source: "file" } } }, "hepaf:traefik.crds.path is required"],
        [{ ...base, traefik: { crds: { source: "file", path: "no/such/crds.yml" } } }, 'hepaf:traefik.crds.path: file "'],
        [{ ...base, traefik: { crds: { source: "fil", path: "x" } } }, 'hepaf:traefik.crds.source must be one of "url", "file", "none", got "fil"; did you mean "file"?'],
        [{ ...base, groups: [] }, "hepaf:groups must list at least 1 item"],
        [{ ...base, groups: [{ name: "cms" }, { name: "atlas" }, { name: "cms" }] }, 'hepaf:groups[2].name: group name "cms" is also the name of hepaf:groups[0]'],
        [{ ...base, groups: [{ name: "cms", profiles: [{ name: "a", image: "i" }, { name: "a", image: "j" }] }] },
            'hepaf:groups[0].profiles[1].name: profile name "a" is also the name of hepaf:groups[0].profiles[0]'],
        [{ ...base, hub: { ...hub, admins: ["ann", "bob", "ann"] } }, 'hepaf:hub.admins[2] repeats hepaf:hub.admins[0] ("ann")'],
        [{ ...base, groups: [{ name: "cms", htcondor: { pool: "campsu" } }], htcondor: { pools: { campus: { mode: "in-cluster" } } } },
            'hepaf:groups[0].htcondor.pool: "campsu" is not a pool in hepaf:htcondor.pools (declared: "campus"); did you mean "campus"?'],
        [{ ...base, ca: { import: true } }, "hepaf:ca.import is true, so hepaf:caCertPem and hepaf:caKeyPem (secret) are required"],
        [{ ...base, hub: { login: { type: "saml" } } }, 'hepaf:hub.login.type must be one of "generic-oauth", "github", "dummy", got "saml"'],
        [{ ...base, htcondor: { pools: { campus: external } } }, 'hepaf:poolSigningKeys.campus (secret) is required: pool "campus" mints its tokens'],
        [{ ...base, poolSigningKeys: { campus: "k" } }, 'hepaf:poolSigningKeys.campus: "campus" is not a pool that mints tokens (declared: none)'],
        [{ ...base, hub: { ...hub, storage: { capacity: "10 GB" } } }, 'hepaf:hub.storage.capacity must be a Kubernetes quantity such as "10Gi", got "10 GB"'],
        [{ ...base, groups: [{ name: "cms", dask: { cluster: "slurm" } }] }, 'hepaf:groups[0].dask.cluster must be one of "htcondor", "gateway", got "slurm"'],
        [{ ...base, groups: [{ name: "cms", dask: { adaptive: { maximun: 3 } } }] }, 'hepaf:groups[0].dask.adaptive.maximun is not a known setting; did you mean "maximum"?'],
        [{ ...base, groups: [{ name: "cms", dask: { adaptive: { maximum: 0 } } }] }, "hepaf:groups[0].dask.adaptive.maximum must be an integer >= 1, got 0"],
        [{ ...base, groups: [{ name: "cms", dask: { cluster: "htcondor" } }] }, 'hepaf:groups[0].dask.cluster: "htcondor" needs a pool: give the group htcondor.pool, or use "gateway"'],
        [{ ...base, groups: [{ name: "cms", dask: { adaptive: { minimum: 12 } } }] }, "hepaf:groups[0].dask.adaptive.minimum: 12 is above the worker limit (10 workers)"],
        [{ ...base, groups: [{ name: "cms", dask: { dedicatedWorker: { cores: 1 } } }] }, "hepaf:groups[0].dask.dedicatedWorker.cores: a dedicated worker joins a scheduler in the notebook"],
        [{ ...base, groups: [{ name: "cms", htcondor: { pool: "local", worker: { network: "bridged" } } }], htcondor: { pools: { local: { mode: "in-cluster" } } } },
            'hepaf:groups[0].htcondor.worker.network must be one of "bridge", "host", got "bridged"; did you mean "bridge"?'],
        [{ ...base, groups: [{ name: "cms", htcondor: { pool: "local", worker: { network: "host" } } }], htcondor: { pools: { local: { mode: "in-cluster" } } } },
            "hepaf:groups[0].htcondor.worker.network: applies to container-universe workers only"],
        [{ ...base, groups: [{ name: "cms", htcondor: { pool: "local", worker: { universe: "containr" } } }], htcondor: { pools: { local: { mode: "in-cluster" } } } },
            'hepaf:groups[0].htcondor.worker.universe must be one of "vanilla", "container", got "containr"; did you mean "container"?'],
        [{ ...base, groups: [{ name: "cms", htcondor: { pool: "local", worker: { universe: "docker" } } }], htcondor: { pools: { local: { mode: "in-cluster" } } } },
            'hepaf:groups[0].htcondor.worker.universe must be one of "vanilla", "container", got "docker"'],
        [{ ...base, groups: [{ name: "cms", htcondor: { pool: "local", worker: { universe: "vanilla", image: "example/coffea:1" } } }], htcondor: { pools: { local: { mode: "in-cluster" } } } },
            'hepaf:groups[0].htcondor.worker.image: applies to container-universe workers only: with universe "vanilla" the job runs on the batch node\'s own Python; leave image out, or use universe "container"'],
        [{ ...base, groups: [{ name: "cms", htcondor: { pool: "local", worker: { universe: "vanilla", network: "bridge" } } }], htcondor: { pools: { local: { mode: "in-cluster" } } } },
            'hepaf:groups[0].htcondor.worker.network: applies to container-universe workers only: give the worker universe "container" or an image'],
        [{ ...base, groups: [{ name: "cms", profiles: [{ name: "a", image: "i", cpu: 2, memoryGiB: 4 }], htcondor: { pool: "local" }, dask: { dedicatedWorker: { memoryGiB: 6 } } }],
            htcondor: { pools: { local: { mode: "in-cluster" } } } },
            "hepaf:groups[0].dask.dedicatedWorker.memoryGiB: 6 GiB exceed the notebook's memory guarantee (4 GiB, the smallest of the group's profiles)"],
        [{ ...base, groups: [{ name: "cms", htcondor: { pool: "local", worker: { deathTimeoutSeconds: 0 } } }], htcondor: { pools: { local: { mode: "in-cluster" } } } },
            "hepaf:groups[0].htcondor.worker.deathTimeoutSeconds must be an integer >= 1, got 0"],
        [{ ...base, daskAccess: { certificateValidityDays: 0 } }, "hepaf:daskAccess.certificateValidityDays must be a number of days: an integer from 1 to 397, got 0"],
        [{ ...base, daskAccess: { certificateValidityDays: 1000 } }, "hepaf:daskAccess.certificateValidityDays must be a number of days: an integer from 1 to 397, got 1000"],
        [{ ...base, daskAccess: { enable: false } }, 'hepaf:daskAccess.enable is not a known setting; did you mean "enabled"?'],
        [{ ...base, daskAccess: { enabled: "no" } }, 'hepaf:daskAccess.enabled must be true or false, got "no"'],
    ])("%o is refused naming the key", (raw, message) => {
        expect(errorOf(() => toProgramConfig(raw as any))).toContain(message);
    });

    test("the hub's spawn limits: the stack's keys are the hub's arguments", () => {
        const h = toProgramConfig({ ...base, hub: { ...hub, concurrentSpawnLimit: 10, startTimeoutSeconds: 900, httpTimeoutSeconds: 600 } }).facility.hub;
        expect(h).toMatchObject({ concurrentSpawnLimit: 10, startTimeoutSeconds: 900, httpTimeoutSeconds: 600 });
    });

    test("session Dask and batch worker keys become the components' arguments (GiB to MiB)", () => {
        const cfg = toProgramConfig({
            ...base,
            htcondor: { pools: { local: { mode: "in-cluster" } } },
            groups: [{
                name: "cms", htcondor: { pool: "local", worker: { cores: 2, memoryGiB: 3, diskGiB: 0.5, image: "example/coffea:1", network: "host", deathTimeoutSeconds: 20 } },
                dask: { adaptive: { minimum: 1, maximum: 4, maxCores: 6, idleSeconds: 30 }, dedicatedWorker: { cores: 1, memoryGiB: 1 } },
            }],
        });
        const g = cfg.facility.groups[0];
        expect(g.htcondor).toEqual({ pool: "local", worker: { cores: 2, memoryMiB: 3072, diskMiB: 512, image: "example/coffea:1", network: "host", deathTimeoutSeconds: 20 } });
        expect(g.dask).toEqual({ adaptive: { minimum: 1, maximum: 4, maxCores: 6, idleSeconds: 30 }, dedicatedWorker: { cores: 1, memoryGiB: 1 } });
        const universe = (worker: object) => toProgramConfig({ ...base, htcondor: { pools: { local: { mode: "in-cluster" } } }, groups: [{ name: "cms", htcondor: { pool: "local", worker } }] })
            .facility.groups[0].htcondor!.worker!.universe;
        expect(universe({ universe: "container", network: "bridge" })).toBe("container");
        expect(universe({ universe: "vanilla" })).toBe("vanilla");
        expect(universe({ cores: 1 })).toBeUndefined();
    });

    test("every problem is listed, one line each", () => {
        const message = errorOf(() => toProgramConfig({ ...base, domian: "x", traefik: { daskPort: 0, webPort: 70000 } } as any));
        expect(message.split("\n")).toEqual([
            "invalid stack config:",
            '  hepaf:domian is not a known setting; did you mean "domain"?',
            "  hepaf:traefik.daskPort must be a port: an integer from 1 to 65535, got 0",
            "  hepaf:traefik.webPort must be a port: an integer from 1 to 65535, got 70000",
        ]);
    });

    test("a CRD file named in stack config is relative to the project directory", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-proj-"));
        fs.writeFileSync(path.join(dir, "crds.yml"), "");
        try {
            const cfg = toProgramConfig({ ...base, traefik: { crds: { source: "file", path: "crds.yml" } } }, { projectDir: dir, traefikCrdsFile: "/elsewhere" });
            expect(cfg.facility.traefik).toEqual({ crds: { source: "file", path: path.join(dir, "crds.yml") } });
            expect(toProgramConfig({ ...base, traefik: { crds: { source: "url", url: "https://example.org/crds.yml" } } }).facility.traefik).toEqual({
                crds: { source: "url", url: "https://example.org/crds.yml" },
            });
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    test("keys of another namespace are left to it; a near miss of hepaf is refused", () => {
        expect(rawStackConfig({ "kubernetes:context": "kind", "hepaf:domain": "a.b" })).toEqual({ domain: "a.b" });
        expect(errorOf(() => rawStackConfig({ "hepfa:domain": "a.b" }))).toContain('hepfa:domain is not a setting of this project; did you mean "hepaf:domain"?');
        expect(errorOf(() => rawStackConfig({ domain: "a.b" }))).toContain('domain needs its namespace: write "hepaf:domain"');
    });

    test("secret values never appear in an error", () => {
        // A fake key (not a key at all): only its shape matters here.
        const key = ["-----BEGIN EC", "PRIVATE KEY-----\nc3VwZXItc2VjcmV0\n-----END EC", "PRIVATE KEY-----"].join(" ");
        for (const raw of [{ ...base, caKeyPem: key, ca: { import: true } }, { ...base, caKeyPem: 42, hubClientSecret: ["c3VwZXItc2VjcmV0"] }]) {
            const message = errorOf(() => toProgramConfig(raw as any));
            expect(message).toMatch(/^invalid stack config/);
            expect(message).not.toMatch(/BEGIN|c3VwZXItc2VjcmV0|\b42\b/);
        }
    });
});

// --- Property tests ---------------------------------------------------------------------

const label = fc.stringMatching(/^[a-z][a-z0-9]{0,9}$/);
const domain = fc.tuple(label, label, fc.constantFrom("org", "edu", "ch")).map(([a, b, c]) => `${a}.${b}.${c}`);
const groupArb = fc.record(
    {
        name: label,
        gateway: fc.record({ maxWorkers: fc.integer({ min: 1, max: 500 }), idleTimeoutMinutes: fc.integer({ min: 0, max: 600 }) }, { requiredKeys: [] }),
        // A quota must hold one scheduler and one worker (the gateway refuses less).
        quota: fc.record({ cpu: fc.integer({ min: 4, max: 2000 }), memoryGiB: fc.integer({ min: 16, max: 8000 }) }, { requiredKeys: [] }),
    },
    { requiredKeys: ["name"] },
);
const validConfig = fc.record(
    {
        name: label,
        domain,
        groups: fc.uniqueArray(groupArb, { minLength: 1, maxLength: 4, selector: (g) => g.name }),
        traefik: fc.record(
            {
                daskPort: fc.integer({ min: 1025, max: 65535 }).filter((p) => p !== 8000 && p !== 8443 && p !== 9000 && p !== 9100),
                replicas: fc.integer({ min: 1, max: 5 }),
                service: fc.record({ type: fc.constantFrom("LoadBalancer", "NodePort", "ClusterIP") }),
            },
            { requiredKeys: [] },
        ),
    },
    { requiredKeys: ["domain", "groups"] },
).map((c) => ({ ...c, hub: { login: { type: "dummy" }, allowDummy: true } }));

/** A way to break a valid config, and the key its error must name. */
const mutations: fc.Arbitrary<[string, (c: any) => void]> = fc.oneof(
    fc.constant<[string, (c: any) => void]>(["hepaf:domain", (c) => (c.domain = "Not A Domain")]),
    fc.constant<[string, (c: any) => void]>(["hepaf:groups[0].name", (c) => (c.groups[0].name = "Bad_Name")]),
    fc.constant<[string, (c: any) => void]>(["hepaf:groups[0].gateway.maxWorkers", (c) => (c.groups[0].gateway = { maxWorkers: -1 })]),
    fc.constant<[string, (c: any) => void]>(["hepaf:traefik.daskPort", (c) => (c.traefik = { daskPort: 70000 })]),
    fc.constant<[string, (c: any) => void]>(["hepaf:traefik.service.type", (c) => (c.traefik = { service: { type: "Gateway" } })]),
    fc.constant<[string, (c: any) => void]>(["hepaf:groups", (c) => (c.groups = [])]),
    fc.constant<[string, (c: any) => void]>(["hepaf:extra", (c) => (c.extra = true)]),
    fc.constant<[string, (c: any) => void]>(["hepaf:groups[0].quota.cpu", (c) => (c.groups[0].quota = { cpu: "lots" })]),
    fc.constant<[string, (c: any) => void]>(["hepaf:groups[0].quota.memoryGiB", (c) => (c.groups[0].quota = { memoryGiB: 1 })]),
    fc.constant<[string, (c: any) => void]>(["hepaf:groups[1].name: group name", (c) => (c.groups = [c.groups[0], { ...c.groups[0] }])]),
    fc.constant<[string, (c: any) => void]>(["hepaf:daskAccess.certificateValidityDays", (c) => (c.daskAccess = { certificateValidityDays: 398 })]),
);

test("property: valid stack configs pass every check; broken ones are refused naming the key (>= 1000 each)", async () => {
    // Checking a config plans the whole facility (every component's checks, nothing declared):
    // about a millisecond each. Declaring one under mocks takes seconds, so a sample is declared.
    let planned = 0;
    let refused = 0;
    const sample: ReturnType<typeof toProgramConfig>[] = [];
    fc.assert(
        fc.property(validConfig, (raw) => {
            const cfg = toProgramConfig(raw, { traefikCrdsFile: undefined });
            if (sample.length < DECLARED) sample.push(cfg);
            planned++;
        }),
        { numRuns: RUNS },
    );
    const before = registered;
    for (const cfg of sample) {
        new AnalysisFacility(cfg.name, { ...cfg.facility, traefik: { ...cfg.facility.traefik, crds: { source: "none" } } });
    }
    fc.assert(
        fc.property(validConfig, mutations, (raw, [key, mutate]) => {
            const broken = structuredClone(raw);
            mutate(broken);
            expect(errorOf(() => toProgramConfig(broken))).toContain(key);
            refused++;
        }),
        { numRuns: RUNS },
    );
    expect(planned).toBe(RUNS);
    expect(refused).toBe(RUNS);
    await settled();
    // Each declared facility registered its component and dozens of resources (the smallest has about 80).
    expect(registeredTypes.filter((t) => t === "hepaf:facility:AnalysisFacility")).toHaveLength(DECLARED);
    expect(registered - before).toBeGreaterThan(DECLARED * 50);
});

test("component arguments are reported under their stack config keys", () => {
    const { stackKeyOfArgument } = require("../../infra/config") as typeof import("../../infra/config");
    expect(stackKeyOfArgument("af-edge.service.loadBalancerIP", "af", ["campus"])).toBe("hepaf:traefik.service.loadBalancerIP");
    expect(stackKeyOfArgument("af-campus.trustDomain", "af", ["campus"])).toBe("hepaf:htcondor.pools.campus.trustDomain");
    // A pool's groups[k] is the k-th stack group that uses the pool.
    expect(stackKeyOfArgument("af-campus.groups[1].accountingGroup", "af", ["campus"], { campus: [0, 2] })).toBe("hepaf:groups[2].htcondor.accountingGroup");
    expect(stackKeyOfArgument("af.groups[1].profiles[0].name", "af", [])).toBe("hepaf:groups[1].profiles[0].name");
    expect(stackKeyOfArgument("af.login.issuer", "af", [])).toBe("hepaf:hub.login.issuer");
    expect(stackKeyOfArgument("groups[0].quota.memoryGiB", "af", [])).toBe("hepaf:groups[0].quota.memoryGiB");
    expect(stackKeyOfArgument("facility name", "af", [])).toBe("facility name");
});

test("config key paths", () => {
    expect(configKeyPath("/groups/1/gateway/maxWorkers")).toBe("groups[1].gateway.maxWorkers");
    expect(configKeyPath("")).toBe("");
});

describe("the committed stacks", () => {
    const stack = (name: string) => rawStackConfig(Object.fromEntries(Object.entries(readStackFile(name)).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])));
    test("dev: render mode, two groups, one on an external and one on an in-cluster pool, dummy login allowed", () => {
        const cfg = toProgramConfig(stack("dev"));
        expect(cfg.renderDir).toBe("out/dev");
        expect(cfg.facility.groups.map((g) => [g.name, g.htcondor?.pool])).toEqual([["cms", "campus"], ["opendata", "local"]]);
        expect(cfg.facility.hub.allowDummy).toBe(true);
        expect(Object.values(cfg.facility.htcondor!.pools).map((p) => p.mode).sort()).toEqual(["external", "in-cluster"]);
        // CMS's batch workers: the container universe in the facility's worker image (no image named), on the node's network; open data's: none given.
        expect(cfg.facility.groups[0].htcondor!.worker).toEqual({ universe: "container", network: "host" });
        expect(cfg.facility.groups[0].htcondor!.worker!.image).toBeUndefined();
        expect(cfg.facility.groups[1].htcondor!.worker).toBeUndefined();
        // The signing key is committed only encrypted.
        expect(fs.readFileSync(path.join(__dirname, "..", "..", "stacks", "Pulumi.dev.yaml"), "utf8")).toMatch(/secure: v1:/);
    });
    test("example-university: CILogon, an external pool, a fixed IP, and no secret in the stack", () => {
        const cfg = toProgramConfig(stack("example-university"));
        expect(cfg.facility.hub.login.type).toBe("generic-oauth");
        expect(cfg.facility.traefik!.service!.loadBalancerIP).toBe("203.0.113.10");
        expect(cfg.facility.htcondor!.pools.campus).toMatchObject({ mode: "external", tokens: { source: "site" } });
        expect(cfg.facility.https).toEqual({ mode: "acme", acme: { server: "https://acme-v02.api.letsencrypt.org/directory", email: "af-admins@example.edu" } });
        expect(cfg.facility.pki).toEqual({ mode: "cert-manager" });
        expect(cfg.facility.hub.secrets).toEqual({ siteSecret: "casa-hub-site" });
        // A program secret given anyway is refused, naming the key and where the value belongs.
        expect(errorOf(() => toProgramConfig({ ...stack("example-university"), hubClientSecret: "x" }))).toContain("hepaf:hubClientSecret is set, but the hub's secrets are made in the cluster");
        const minting = { ...stack("example-university"), poolSigningKeys: { campus: "a2V5" } } as any;
        minting.htcondor = { pools: { campus: { ...minting.htcondor.pools.campus, tokens: "mint" } } };
        expect(errorOf(() => toProgramConfig(minting))).toContain('hepaf:htcondor.pools.campus.tokens: "mint" puts the group tokens (or the key they are minted with) in the program; with pki.mode "cert-manager" use "site"');
        const noSite = { ...stack("example-university") } as any;
        const { secrets: _secrets, ...hubWithout } = noSite.hub;
        noSite.hub = hubWithout;
        expect(errorOf(() => toProgramConfig(noSite))).toContain('hepaf:hub.secrets.siteSecret: is required with secrets.madeBy "cluster" and login "generic-oauth"');
    });
});

describe("did you mean", () => {
    const { editDistance, nearest } = require("../../infra/suggest") as typeof import("../../infra/suggest");
    test("edit distance counts insertions, deletions, substitutions and swapped neighbours", () => {
        expect(editDistance("groupClaim", "groupsClaim")).toBe(1);
        expect(editDistance("hepfa", "hepaf")).toBe(1);
        expect(editDistance("kitten", "sitting")).toBe(3);
        expect(editDistance("", "abc")).toBe(3);
    });
    test("only a near miss is suggested, and never one of two equally near", () => {
        expect(nearest("requireAccountingGrup", ["requireAccountingGroup", "tokens"])).toBe("requireAccountingGroup");
        expect(nearest("DaskPort", ["daskPort", "webPort"])).toBe("daskPort");
        expect(nearest("zzz", ["daskPort", "webPort"])).toBeUndefined();
        expect(nearest("ab", ["ac", "ad"])).toBeUndefined();
    });
});
