/** The group namespace's LimitRange and the group's notebook profiles (found by a real API server refusing a notebook pod). */
import { errorOf, setupMocks, settled } from "../helpers/pulumi";
import { k8sObjects } from "../helpers/k8s-schema";

const mocks = setupMocks();
import { AnalysisFacility } from "../../components";

beforeEach(() => mocks.reset());

describe("group namespaces admit the group's notebooks", () => {
    const facility = (profiles: any[], gateway?: any) =>
        new AnalysisFacility("af", {
            domain: "af.example.org",
            hub: { login: { type: "dummy" }, allowDummy: true },
            groups: [{ name: "cms", profiles, gateway }],
            traefik: { crds: { source: "none" } },
        });

    test("the LimitRange's largest container is the largest notebook when that is bigger than any Dask pod", async () => {
        facility([{ name: "coffea", image: "example/coffea:1", cpuGuarantee: "1", cpuLimit: "2", memoryGuarantee: "2Gi", memoryLimit: "6Gi" }]);
        await settled();
        const lr = k8sObjects(mocks.resources).find((o) => o.kind === "LimitRange" && o.metadata.namespace === "af-cms") as any;
        // The default gateway worker and scheduler are 1 core; the notebook's limit is 2 cores and 6 GiB.
        expect(lr.spec.limits[0].max).toEqual({ cpu: "2", memory: "6144Mi" });
    });

    test("a profile with a guarantee and no limit is limited to its guarantee (the LimitRange default would undercut it)", async () => {
        const af = facility([{ name: "big", image: "example/coffea:1", cpuGuarantee: "3", memoryGuarantee: "12Gi" }]);
        await settled();
        const values = JSON.parse((k8sObjects(mocks.resources).find((o) => o.kind === "ConfigMap" && o.metadata.name === "af-hub-config")!.data as any)["values.json"]);
        const profile = values.groups.find((g: any) => g.name === "cms").profiles[0];
        expect(profile).toMatchObject({ cpuGuarantee: 3, cpuLimit: 3, memoryGuarantee: 12 * 2 ** 30, memoryLimit: 12 * 2 ** 30 });
        const lr = k8sObjects(mocks.resources).find((o) => o.kind === "LimitRange" && o.metadata.namespace === "af-cms") as any;
        expect(lr.spec.limits[0].max).toEqual({ cpu: "3", memory: "12288Mi" });
        expect(af.hubUrl).toBe("https://af.example.org");
    });

    test("a LimitRange set below a notebook profile is refused, naming the key", () => {
        expect(errorOf(() => facility([{ name: "coffea", image: "example/coffea:1", cpuLimit: "2" }], { limitRange: { maxCpu: 1 } }))).toBe(
            "groups[0].limitRange.maxCpu: 1 is below the group's largest notebook profile (2 cores)",
        );
        expect(mocks.resources).toHaveLength(0);
    });
});
