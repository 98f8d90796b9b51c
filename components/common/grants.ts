/**
 * Namespaced grants declared once. A subject that needs the same rules in many namespaces (the
 * hub in every group namespace, Traefik in every watched one) gets one ClusterRole per distinct
 * set of rules and a RoleBinding to it in each namespace. A ClusterRole grants nothing by itself
 * and a RoleBinding grants its role's rules in its own namespace only (Kubernetes RBAC), so the
 * subject holds exactly what a Role per namespace gave it; a facility of N groups declares each
 * set of rules once instead of N times, one resource fewer per group and subject.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { withDependsOn } from "./options";

/** One RBAC rule. */
export interface PolicyRule {
    apiGroups: string[];
    resources: string[];
    verbs: string[];
    resourceNames?: string[];
}

/** The rules a subject needs in one namespace. */
export interface NamespaceGrant {
    namespace: string;
    rules: PolicyRule[];
}

/** What to declare: each distinct rule set once, and a binding per namespace to the one it needs. */
export interface GrantPlan {
    roles: { name: string; rules: PolicyRule[] }[];
    bindings: { namespace: string; role: string }[];
}

/** The ClusterRole name of a rule set: the base and a short hash of the rules, so a change of rules is a new role. */
export function grantRoleName(base: string, rules: PolicyRule[]): string {
    return `${base}-${createHash("sha256").update(JSON.stringify(rules)).digest("hex").slice(0, 8)}`;
}

/** Groups the namespaces by their rules (pure): one role per distinct rule set, in first-seen order. */
export function planGrants(base: string, grants: NamespaceGrant[]): GrantPlan {
    const roles = new Map<string, PolicyRule[]>();
    const bindings = grants.map((g) => {
        const role = grantRoleName(base, g.rules);
        if (!roles.has(role)) roles.set(role, g.rules);
        return { namespace: g.namespace, role };
    });
    return { roles: [...roles].map(([name, rules]) => ({ name, rules })), bindings };
}

/** Args of {@link declareGrants}. */
export interface DeclareGrantsArgs {
    /** Base of the ClusterRoles' names (each gets a hash of its rules). */
    roleBase: string;
    /** Name of each RoleBinding (one per namespace). */
    bindingName: string;
    /** The subject that is granted. */
    subject: { kind: string; name: string; namespace: string };
    /** Labels of every object (a function of the namespace, for group labels). */
    labels: (namespace?: string) => Record<string, string>;
    /** Pulumi resource name of the binding in a namespace. */
    bindingResourceName: (namespace: string) => string;
    /** Pulumi resource name prefix of the ClusterRoles. */
    roleResourceName: string;
    /** Options of the binding in a namespace (parent, dependsOn on the namespace). */
    bindingOptions: (namespace: string) => pulumi.CustomResourceOptions & { dependsOn?: pulumi.Resource[] };
    /** Options of the ClusterRoles. */
    roleOptions: pulumi.CustomResourceOptions;
    /** Further dependencies of every binding (the subject's ServiceAccount). */
    dependsOn?: pulumi.Resource[];
}

/** Declares the plan's ClusterRoles and RoleBindings; returns the bindings (for `dependsOn`). */
export function declareGrants(args: DeclareGrantsArgs, grants: NamespaceGrant[]): k8s.rbac.v1.RoleBinding[] {
    const plan = planGrants(args.roleBase, grants);
    const roles = new Map(
        plan.roles.map((r) => [
            r.name,
            new k8s.rbac.v1.ClusterRole(`${args.roleResourceName}-${r.name.slice(-8)}`, { metadata: { name: r.name, labels: args.labels() }, rules: r.rules }, args.roleOptions),
        ]),
    );
    return plan.bindings.map(
        (b) =>
            new k8s.rbac.v1.RoleBinding(
                args.bindingResourceName(b.namespace),
                {
                    metadata: { name: args.bindingName, namespace: b.namespace, labels: args.labels(b.namespace) },
                    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: b.role },
                    subjects: [args.subject],
                },
                withDependsOn(args.bindingOptions(b.namespace), roles.get(b.role)!, ...(args.dependsOn ?? [])),
            ),
    );
}
