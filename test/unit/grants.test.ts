import { planGrants } from "../../components/common";

const read = [{ apiGroups: [""], resources: ["pods"], verbs: ["get"] }];
const write = [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "create"] }];

describe("namespaced grants declared once", () => {
    test("one ClusterRole per variant, a binding in every namespace to its variant's role", () => {
        const plan = planGrants("hepaf-af-hub", [
            { namespace: "af-cms", rules: write, variant: "sessions" },
            { namespace: "af-atlas", rules: read },
            { namespace: "af-lhcb", rules: write, variant: "sessions" },
        ]);
        expect(plan.roles).toEqual([
            { name: "hepaf-af-hub-sessions", variant: "sessions", rules: write },
            { name: "hepaf-af-hub", rules: read },
        ]);
        expect(plan.bindings).toEqual([
            { namespace: "af-cms", role: "hepaf-af-hub-sessions" },
            { namespace: "af-atlas", role: "hepaf-af-hub" },
            { namespace: "af-lhcb", role: "hepaf-af-hub-sessions" },
        ]);
    });

    test("a role's name does not move when its rules change (an update in place, bindings kept)", () => {
        const before = planGrants("hepaf-af-edge", [{ namespace: "af", rules: read }]);
        const after = planGrants("hepaf-af-edge", [{ namespace: "af", rules: write }]);
        expect(after.roles.map((r) => r.name)).toEqual(before.roles.map((r) => r.name));
        expect(after.bindings).toEqual(before.bindings);
    });

    test("two namespaces of one variant with different rules are refused, naming the role and the namespace", () => {
        expect(() => planGrants("hepaf-af-hub", [{ namespace: "af-cms", rules: read }, { namespace: "af-atlas", rules: write }])).toThrow(
            /grants hepaf-af-hub: namespace af-atlas needs other rules/,
        );
    });
});
