import { execFileSync } from "child_process";
import * as path from "path";
import { RESOURCES_PER_GROUP_GOAL } from "../../bench/goals";

const root = path.join(__dirname, "../..");

/** The bench's own measurement of a facility of `groups` groups (a fresh process under mocks). */
function measure(groups: number): { resources: number; byType: Record<string, number> } {
    const out = execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(root, "bench/facility-size.ts"), String(groups)], { cwd: root, encoding: "utf8" });
    return JSON.parse(out.trim().split("\n").pop()!);
}

test(`one more group adds at most ${RESOURCES_PER_GROUP_GOAL} resources, and no Role of its own`, () => {
    const [one, three] = [measure(1), measure(3)];
    expect((three.resources - one.resources) / 2).toBeLessThanOrEqual(RESOURCES_PER_GROUP_GOAL);
    // Namespaced grants are ClusterRoles declared once per facility, bound in each namespace.
    expect(three.byType["kubernetes:rbac.authorization.k8s.io/v1:Role"]).toBeUndefined();
    expect(three.byType["kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"]).toBe(one.byType["kubernetes:rbac.authorization.k8s.io/v1:ClusterRole"]);
    expect(three.byType["kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"]).toBeGreaterThan(one.byType["kubernetes:rbac.authorization.k8s.io/v1:RoleBinding"]);
}, 60_000);
