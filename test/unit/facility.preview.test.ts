/**
 * The facility's unit tests again, as a first preview: every provider output unknown
 * (MockOptions.preview), so code that reads outputs while declaring is caught. Then the dev
 * stack's program as a preview against the same program as an update: the same resources.
 */
import * as path from "path";
import { traefikCrdsFile } from "../helpers/k8s-schema";
import { Recorded, setupMocks, settled, unknownPaths } from "../helpers/pulumi";
import { facilityTests } from "./facility-cases";
import { rawStackConfig, toProgramConfig } from "../../infra/config";
import { declareProgram } from "../../infra/program";
import { readStackFile } from "../../infra/stack-file";

const mocks = setupMocks({ preview: true });
facilityTests(mocks, "preview");

const devConfig = () =>
    toProgramConfig(
        rawStackConfig(Object.fromEntries(Object.entries(readStackFile("dev")).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]))),
        { traefikCrdsFile: traefikCrdsFile() },
    );
const identities = (rs: Recorded[]) => rs.map((r) => `${r.type}::${r.name}`).sort();

describe("the dev stack's program", () => {
    let preview: Recorded[];
    beforeAll(async () => {
        mocks.reset();
        declareProgram(devConfig());
        await settled();
        preview = [...mocks.resources];
    });

    test("in a preview: the provider and every name known; unknown only in Secrets and trust bundles", () => {
        const provider = preview.find((r) => r.type === "pulumi:providers:kubernetes")!;
        expect(provider.inputs.renderYamlToDirectory).toBe(path.join(__dirname, "..", "..", "out", "dev"));
        const k8s = preview.filter((r) => r.type.startsWith("kubernetes:"));
        expect(k8s.length).toBeGreaterThan(100);
        const unknowns = k8s.flatMap((r) => unknownPaths(r.inputs).map((p) => `${r.inputs.kind} ${r.inputs.metadata?.namespace}/${r.inputs.metadata?.name} ${p}`));
        expect(unknowns.length).toBeGreaterThan(0);
        expect(unknowns.filter((u) => !/^Secret .* (stringData|data)\b/.test(u) && !/^ConfigMap .*\/hepaf-(root|group)-ca data\["ca.crt"\]$/.test(u))).toEqual([]);
    });

    test("declares the same resources in a preview as in an update (nothing waits for an output to be declared)", async () => {
        const update = setupMocks({ preview: false });
        declareProgram(devConfig());
        await settled(update);
        expect(identities(preview)).toEqual(identities(update.resources));
    });
});
