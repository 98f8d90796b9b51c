/**
 * A group's own stack as the engine runs it: its config (`hepaf:facilityStack`, `hepaf:group`),
 * the facility stack's `groupParts` read by stack reference, and the group's parts declared
 * from them; what is missing is refused by key.
 */
import * as pulumi from "@pulumi/pulumi";
import { traefikCrdsFile } from "../helpers/k8s-schema";
import { errorOf, setupMocks, settled, valueOf } from "../helpers/pulumi";

const FACILITY_STACK = "organization/hepaf/example-large";
const stacks: Record<string, { outputs: Record<string, unknown>; secretOutputNames?: string[] }> = {};
const mocks = setupMocks({ stacks });
import { AnalysisFacility, GroupParts } from "../../components";
import { isGroupStack, rawStackConfig, toGroupStackConfig, toProgramConfig } from "../../infra/config";
import { checkStack } from "../../infra/plan";
import { declareGroupProgram, pickGroupParts } from "../../infra/program";
import { asPulumiConfig, readStackFile } from "../../infra/stack-file";

const raw = (name: string) => rawStackConfig(asPulumiConfig(readStackFile(name)));
const secrets = { hubClientSecret: "x".repeat(32), poolSigningKeys: { campus: Buffer.alloc(32, 3).toString("base64") } };

beforeEach(() => mocks.reset());

describe("the large example site's stacks", () => {
    test("the facility's stack turns groupStacks on; each group's stack names it and its group only", () => {
        expect(toProgramConfig({ ...raw("example-large"), ...secrets }).facility.groupStacks).toBe(true);
        for (const g of ["cms", "opendata"]) {
            expect(isGroupStack(raw(`example-large-${g}`))).toBe(true);
            expect(toGroupStackConfig(raw(`example-large-${g}`))).toEqual({ facilityStack: FACILITY_STACK, group: g });
        }
        // Its groups are the facility stack's groups.
        expect((raw("example-large").groups as { name: string }[]).map((g) => g.name)).toEqual(["cms", "opendata"]);
    });

    test("a group stack's config is refused by key: no group, a bad name, a facility key in it", () => {
        expect(errorOf(() => toGroupStackConfig({ facilityStack: FACILITY_STACK }))).toMatch(/hepaf:group/);
        expect(errorOf(() => toGroupStackConfig({ facilityStack: FACILITY_STACK, group: "CMS!" }))).toMatch(/hepaf:group must be a DNS label/);
        expect(errorOf(() => toGroupStackConfig({ facilityStack: "a b", group: "cms" }))).toMatch(/hepaf:facilityStack must be a stack name/);
        expect(errorOf(() => toGroupStackConfig({ facilityStack: FACILITY_STACK, group: "cms", domain: "af.example.edu" }))).toMatch(/domain/);
    });

    test("the plan refuses a group stack, saying which stack to plan", () => {
        expect(errorOf(() => checkStack({ stack: "example-large-cms" }))).toContain(
            `stack example-large-cms is group cms's own stack: it declares what stack ${FACILITY_STACK} exports (groupParts), which only the Pulumi engine reads; plan the facility's stack instead`,
        );
    });
});

describe("a group's own stack", () => {
    test("reads the facility stack's groupParts and declares the group's CA, session defaults and gateway in its namespace", async () => {
        const facility = new AnalysisFacility("casa", toProgramConfig({ ...raw("example-large"), ...secrets }, { traefikCrdsFile: traefikCrdsFile() }).facility);
        const parts = await valueOf(pulumi.output(facility.groupParts)) as Record<string, GroupParts>;
        stacks[FACILITY_STACK] = { outputs: { groupParts: parts }, secretOutputNames: ["groupParts"] };
        await settled(facility.rootCaCertPem);
        mocks.reset();

        const program = await declareGroupProgram(toGroupStackConfig(raw("example-large-cms")));
        await settled(program.parts.gatewayAddress);
        expect(await valueOf(program.parts.gatewayAddress)).toBe("gateway://af.example.edu:8786");
        const types = mocks.resources.map((r) => r.type);
        expect(types).toContain("pulumi:pulumi:StackReference");
        expect(types.filter((t) => t === "hepaf:dask-gateway:DaskGateway")).toHaveLength(1);
        expect(types.filter((t) => t === "hepaf:pki:CertificateAuthority")).toHaveLength(1);
        const objects = mocks.resources.filter((r) => r.type.startsWith("kubernetes:") && r.type !== "pulumi:providers:kubernetes").map((r) => r.inputs);
        expect(objects.filter((o) => o.kind !== "ClusterRoleBinding" && o.metadata.namespace !== "casa-cms")).toEqual([]);
        expect(objects.find((o) => o.kind === "Secret" && o.metadata.name === "hepaf-group-ca-keypair")).toBeDefined();
        // Named as the facility's own stack would name them.
        expect(mocks.resources.find((r) => r.type === "hepaf:dask-gateway:DaskGateway")!.name).toBe("casa-cms-gateway");
    });

    test("the program (infra/index.ts) run as the group's stack: its one output is the gateway's address", async () => {
        expect(stacks[FACILITY_STACK]).toBeDefined(); // the facility's outputs from the test above
        pulumi.runtime.setAllConfig(asPulumiConfig(readStackFile("example-large-opendata")));
        let program: Record<string, unknown> = {};
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        jest.isolateModules(() => (program = require("../../infra/index")));
        expect(Object.entries(program).filter(([, v]) => v !== undefined).map(([k]) => k)).toEqual(["gatewayAddress"]);
        expect(await valueOf(program.gatewayAddress as pulumi.Output<string>)).toBe("gateway://af.example.edu:8786");
        await settled();
        expect(mocks.resources.find((r) => r.type === "hepaf:dask-gateway:DaskGateway")!.name).toBe("casa-opendata-gateway");
    });

    test("a facility stack without groupParts, or without the group, is refused by key", () => {
        const config = { facilityStack: FACILITY_STACK, group: "atlas" };
        expect(errorOf(() => pickGroupParts(config, undefined))).toContain("hepaf:facilityStack: stack organization/hepaf/example-large exports no groupParts; set hepaf:groupStacks to true in it");
        expect(errorOf(() => pickGroupParts(config, { cms: {} as GroupParts }))).toContain('hepaf:group: "atlas" is not a group of stack organization/hepaf/example-large (its groups: "cms")');
    });
});
