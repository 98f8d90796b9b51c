/**
 * The package's provider under Pulumi mocks: inputs as the engine delivers them to `construct`
 * (values wrapped in Outputs for their dependencies, secrets, unknowns at preview) build the
 * same objects the TypeScript API builds from plain args, and what cannot be plain is refused
 * naming the property.
 */
import * as pulumi from "@pulumi/pulumi";
import { engineOutput, isSecretValue, setupMocks, unwrapSecrets } from "../helpers/pulumi";
import { settledObjects } from "../helpers/k8s-schema";
import { CERT_MANAGER_FACILITY } from "../helpers/facility-args";
import { maskPems } from "../helpers/pem";

const mocks = setupMocks();
import { AnalysisFacility, AnalysisFacilityArgs } from "../../components";
import { componentArgs, HepafProvider, readSchema } from "../../provider/provider";

const TYPE = AnalysisFacility.__pulumiType;
const ARGS: AnalysisFacilityArgs = {
    domain: "af.example.org",
    hub: { login: { type: "generic-oauth", issuer: "https://login.example.org", clientId: "af-hub", clientSecret: "s3cret-value", groupsClaim: "groups" } },
    groups: [{ name: "cms", members: { claimValues: ["CMS"] } }, { name: "opendata" }],
    traefik: { crds: { source: "none" } },
};


/** The engine's inputs for ARGS: the domain through another resource, the client secret a secret. */
function engineInputs(over: Record<string, unknown> = {}): pulumi.Inputs {
    return {
        ...ARGS,
        domain: engineOutput(ARGS.domain),
        hub: { login: { ...ARGS.hub.login, clientSecret: engineOutput("s3cret-value", { secret: true }) } },
        ...over,
    };
}

/** The rendered objects, each key or certificate (new at every render: the tls double makes real ones) as its kind alone. */
const objects = async () => JSON.parse(maskPems(JSON.stringify(unwrapSecrets(await settledObjects(mocks)))));

test("construct builds the same objects as the TypeScript API from the engine's inputs", async () => {
    // cert-manager mode: the program makes no key and no random value, so two renders are equal.
    const args: AnalysisFacilityArgs = { ...CERT_MANAGER_FACILITY, groups: [{ name: "cms", members: { claimValues: ["CMS"] }, quota: { cpu: 100, memoryGiB: 400 } }, { name: "opendata" }] };
    mocks.reset();
    new AnalysisFacility("af", args);
    const direct = await objects();
    mocks.reset();
    const res = await new HepafProvider().construct("af", TYPE, { ...args, domain: engineOutput(args.domain), groups: [{ ...args.groups[0], quota: { cpu: 100, memoryGib: 400 } }, engineOutput(args.groups[1])] }, {});
    const viaProvider = await objects();
    expect(viaProvider.length).toBeGreaterThan(50);
    expect(viaProvider).toEqual(direct);
    // The quota's memoryGib (its name on the wire) reached the component as memoryGiB.
    const quota = viaProvider.find((o: any) => o.kind === "ResourceQuota" && o.metadata.namespace === "af-cms");
    expect(quota.spec.hard).toMatchObject({ "requests.cpu": "100", "requests.memory": "409600Mi" });
    expect(Object.keys(res.state).sort()).toEqual(["daskAccessUrl", "daskEndpoint", "gatewayAddresses", "hubUrl"]);
    expect(res.state.hubUrl).toBe("https://af.example.org");
});

test("a secret where the schema takes an input reaches the component as a secret", async () => {
    mocks.reset();
    await new HepafProvider().construct("af", TYPE, engineInputs(), {});
    await objects();
    const hubSecret = mocks.resources.find((r) => r.type === "kubernetes:core/v1:Secret" && r.name.endsWith("af-hub-secret"))!;
    expect(JSON.stringify(hubSecret.inputs)).toContain("s3cret-value");
    expect(isSecretValue(hubSecret.rawInputs.stringData)).toBe(true);
    // What the component was given: the engine's secret Output itself.
    const args = await componentArgs(readSchema(), TYPE, engineInputs());
    const given = (args.hub as any).login.clientSecret;
    expect(pulumi.Output.isInstance(given) && (await (given as any).isSecret)).toBe(true);
});

test("a plain property unknown at preview, or a secret where the schema wants a plain value, is refused naming it", async () => {
    const schema = readSchema();
    await expect(componentArgs(schema, TYPE, engineInputs({ domain: engineOutput("x", { known: false }) }))).rejects.toThrow(/^domain: must be known when the program runs/);
    await expect(componentArgs(schema, TYPE, engineInputs({ groups: [{ name: "cms" }, { name: engineOutput("atlas", { known: false }) }] }))).rejects.toThrow(/^groups\[1\]\.name: must be known/);
    await expect(componentArgs(schema, TYPE, engineInputs({ domain: engineOutput("af.example.org", { secret: true }) }))).rejects.toThrow(/^domain: cannot be a secret/);
    // An input property may stay unknown: the component takes it as an Output.
    const args = await componentArgs(schema, TYPE, engineInputs({ hub: { login: { ...ARGS.hub.login, clientSecret: engineOutput("s", { known: false }) } } }));
    expect(pulumi.Output.isInstance((args.hub as any).login.clientSecret)).toBe(true);
    await expect(new HepafProvider().construct("af", "hepaf:index:Nothing", {}, {})).rejects.toThrow(
        /no component hepaf:index:Nothing \(the package has hepaf:pki:CertificateAuthority, hepaf:traefik:Traefik, hepaf:jupyterhub:JupyterHub, hepaf:dask-gateway:DaskGateway, hepaf:htcondor:HTCondorPool, hepaf:facility:AnalysisFacility\)/,
    );
});

test("the component's own checks still name the argument, through the provider", async () => {
    mocks.reset();
    await expect(new HepafProvider().construct("af", TYPE, engineInputs({ groups: [{ name: "cms", htcondor: { pool: "nowhere" } }] }), {})).rejects.toThrow(
        /groups\[0\]\.htcondor\.pool: "nowhere" is not a pool in htcondor\.pools/,
    );
});
