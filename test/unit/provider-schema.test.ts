/** The committed package schema: what the components' types make now, and readable from Python. */
import * as fs from "fs";
import * as path from "path";
import { buildSchema } from "../../provider/schema-gen";
import { SCHEMA_PATH } from "../../provider/provider";
import { tsName, wireName } from "../../provider/names";

const root = path.join(__dirname, "..", "..");
const committed = fs.readFileSync(SCHEMA_PATH, "utf8");
const schema = JSON.parse(committed);

test("provider/schema.json is what the components' types make (npm run schema writes it)", () => {
    const version = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version;
    const made = `${JSON.stringify(buildSchema(path.join(root, "components", "index.ts"), undefined, version), null, 2)}\n`;
    expect(made === committed).toBe(true);
});

test("every type and property reads well: described, no Args in type names, enums named, no [object Object]", () => {
    expect(committed).not.toContain("[object Object]");
    expect(committed).not.toMatch(/\{@link/);
    // Each component's token is the type its class registers: a module per concern.
    expect(Object.keys(schema.resources)).toEqual([
        "hepaf:dask-gateway:DaskGateway",
        "hepaf:facility:AnalysisFacility",
        "hepaf:htcondor:HTCondorPool",
        "hepaf:jupyterhub:JupyterHub",
        "hepaf:pki:CertificateAuthority",
        "hepaf:traefik:Traefik",
    ]);
    const res = schema.resources["hepaf:facility:AnalysisFacility"];
    expect(res.requiredInputs.sort()).toEqual(["domain", "groups", "hub"]);
    const undescribed: string[] = [];
    for (const [token, t] of Object.entries<any>(schema.types)) {
        expect(token).toMatch(/^hepaf:index:[A-Z][A-Za-z0-9]*$/);
        expect(token).not.toMatch(/Args$/);
        if (t.enum) for (const e of t.enum) expect(e.name).toMatch(/^[A-Z][A-Za-z0-9]*$/);
        if (!t.description) undescribed.push(token);
        // A literal property (a union's discriminator, `mode: "external"`) says itself.
        for (const [k, p] of Object.entries<any>(t.properties ?? {})) if (!p.description && p.const === undefined) undescribed.push(`${token}.${k}`);
    }
    for (const [token, r] of Object.entries<any>(schema.resources)) {
        expect(r.isComponent).toBe(true);
        if (!r.description) undescribed.push(token);
        for (const [k, p] of Object.entries<any>({ ...r.inputProperties, ...r.properties })) if (!p.description) undescribed.push(`${token}.${k}`);
    }
    expect(undescribed).toEqual([]);
    // Choices are enums, a union of pools is told apart by its mode, secrets stay inputs.
    expect(schema.types["hepaf:index:PkiMode"].enum.map((e: any) => e.value)).toEqual(["generated", "cert-manager"]);
    const pools = schema.types["hepaf:index:FacilityHtcondor"].properties.pools.additionalProperties;
    expect(pools.discriminator.propertyName).toBe("mode");
    expect(Object.keys(pools.discriminator.mapping).sort()).toEqual(["external", "in-cluster"]);
    const login = schema.types["hepaf:index:GenericOAuthLogin"].properties;
    expect(login.clientSecret.plain).toBeUndefined();
    expect(login.issuer.plain).toBe(true);
    // HTCondorPool's args, a union, are one object: its mode an enum, each member's own properties said to be its.
    const pool = schema.resources["hepaf:htcondor:HTCondorPool"];
    expect(pool.inputProperties.mode).toMatchObject({ $ref: "#/types/hepaf:index:HTCondorPoolMode", plain: true });
    expect(schema.types["hepaf:index:HTCondorPoolMode"].enum.map((e: any) => [e.value, e.description])).toEqual([
        ["external", "A pool run elsewhere; the facility only submits to it."],
        ["in-cluster", "A small pool deployed in the cluster: central manager, access point and execute nodes."],
    ]);
    expect(pool.requiredInputs.sort()).toEqual(["facility", "groups", "mode"]);
    expect(pool.inputProperties.collector.description).toMatch(/^Only with `mode: "external"`\. Central manager/);
    expect(pool.inputProperties.namespace.description).toMatch(/^Only with `mode: "in-cluster"`\. /);
    expect(pool.inputProperties.trustDomain.description).toMatch(/^With `mode: "external"`: .* With `mode: "in-cluster"`: /);
});

test("binary units are one word on the wire (memory_gib in Python), and map back", () => {
    expect(committed).not.toMatch(/"[a-zA-Z]*(GiB|MiB)"\s*:/);
    expect(schema.types["hepaf:index:Quota"].properties.memoryGib).toBeDefined();
    for (const n of ["memoryGiB", "memoryLimitGiB", "diskMiB", "loadBalancerIP", "rootCaCertPem"]) expect(tsName(wireName(n))).toBe(n);
    expect(wireName("memoryLimitGiB")).toBe("memoryLimitGib");
    expect(wireName("loadBalancerIP")).toBe("loadBalancerIP");
});
