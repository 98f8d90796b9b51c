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
import { configKeyPath } from "../../infra/schema";

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

    test("defaults and the CRD file from the scripts", () => {
        const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-cfg-")), "crds.yml");
        fs.writeFileSync(file, "");
        const cfg = toProgramConfig(base, { traefikCrdsFile: file });
        expect(cfg.name).toBe("af");
        expect(cfg.facility.traefik).toEqual({ crds: { source: "file", path: file } });
        expect(toProgramConfig({ ...base, traefik: { crds: "none" } }, { traefikCrdsFile: "/x" }).facility.traefik).toEqual({ crds: { source: "none" } });
        fs.rmSync(path.dirname(file), { recursive: true, force: true });
    });

    test.each([
        [{ ...base, groups: [{ name: "cms", gateway: { maxWorkers: 0 } }] }, "hepaf:groups[0].gateway.maxWorkers must be >= 1"],
        [{ ...base, groups: [{ name: "cms" }, { name: "CMS" }] }, "hepaf:groups[1].name must be a DNS name or label"],
        [{ ...base, domian: "x" }, "hepaf:domian is not a known setting"],
        [{ hub, groups: [{ name: "cms" }] }, "hepaf:domain is required"],
        [{ ...base, hub: undefined }, "hepaf:hub is required"],
        [{ ...base, hub: { login: { type: "github" } } }, 'hepaf:hub.login.type is "github", so hepaf:hubClientSecret (secret) is required'],
        [{ ...base, traefik: { service: { type: "Ingress" } } }, 'hepaf:traefik.service.type must be one of "LoadBalancer", "NodePort", "ClusterIP"'],
        [{ ...base, traefik: { daskPort: 99999 } }, "hepaf:traefik.daskPort must be <= 65535"],
        [{ ...base, groups: [] }, "hepaf:groups must NOT have fewer than 1 items"],
        [{ ...base, ca: { import: true } }, "hepaf:ca.import is true, so hepaf:caCertPem and hepaf:caKeyPem (secret) are required"],
        [{ ...base, hub: { login: { type: "saml" } } }, 'hepaf:hub.login.type must be one of "generic-oauth", "github", "dummy"'],
    ])("%o is refused naming the key", (raw, message) => {
        expect(errorOf(() => toProgramConfig(raw as any))).toContain(message);
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
    fc.constant<[string, (c: any) => void]>(["hepaf:groups: duplicate group name", (c) => (c.groups = [c.groups[0], { ...c.groups[0] }])]),
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
        // The signing key is committed only encrypted.
        expect(fs.readFileSync(path.join(__dirname, "..", "..", "stacks", "Pulumi.dev.yaml"), "utf8")).toMatch(/secure: v1:/);
    });
    test("example-university: CILogon, an external pool, a fixed IP (with its secrets set)", () => {
        const raw = { ...stack("example-university"), hubClientSecret: "x".repeat(32), poolSigningKeys: { campus: "a2V5".repeat(20) } };
        const cfg = toProgramConfig(raw);
        expect(cfg.facility.hub.login.type).toBe("generic-oauth");
        expect(cfg.facility.traefik!.service!.loadBalancerIP).toBe("203.0.113.10");
        expect(cfg.facility.htcondor!.pools.campus.mode).toBe("external");
        // Without its secrets the stack is refused, naming the secret key.
        expect(errorOf(() => toProgramConfig(stack("example-university")))).toContain("hepaf:hubClientSecret (secret) is required");
        expect(errorOf(() => toProgramConfig({ ...stack("example-university"), hubClientSecret: "x" }))).toContain("hepaf:poolSigningKeys.campus (secret) is required");
    });
});
