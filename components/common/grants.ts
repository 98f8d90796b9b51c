/**
 * Namespaced grants declared once. A subject that needs the same rules in many namespaces (the
 * hub in every group namespace, Traefik in every watched one) gets one ClusterRole per distinct
 * set of rules (a variant) and a RoleBinding to it in each namespace. A ClusterRole grants nothing by itself
 * and a RoleBinding grants its role's rules in its own namespace only (Kubernetes RBAC), so the
 * subject holds exactly what a Role per namespace gave it; a facility of N groups declares each
 * set of rules once instead of N times, one resource fewer per group and subject.
 */
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
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
    /** Which of the subject's rule sets this is (namespaces with the same variant have the same rules); its ClusterRole is `<base>-<variant>`. Default none: `<base>`. */
    variant?: string;
}

/** What to declare: each distinct rule set once, and a binding per namespace to the one it needs. */
export interface GrantPlan {
    roles: { name: string; variant?: string; rules: PolicyRule[] }[];
    bindings: { namespace: string; role: string }[];
}

/**
 * The ClusterRole of each namespace's variant, one per variant (pure). Names stay put when the
 * rules change, so a new rule is an update of the ClusterRole in place, not a new role (which
 * would replace every binding: a RoleBinding's roleRef cannot change).
 */
export function planGrants(base: string, grants: NamespaceGrant[]): GrantPlan {
    const roles = new Map<string, { name: string; variant?: string; rules: PolicyRule[] }>();
    const bindings = grants.map((g) => {
        const role = g.variant ? `${base}-${g.variant}` : base;
        const seen = roles.get(role);
        if (seen === undefined) roles.set(role, { name: role, ...(g.variant ? { variant: g.variant } : {}), rules: g.rules });
        else if (JSON.stringify(seen.rules) !== JSON.stringify(g.rules)) {
            throw new Error(`grants ${role}: namespace ${g.namespace} needs other rules than an earlier namespace of the same variant; give it a variant of its own`);
        }
        return { namespace: g.namespace, role };
    });
    return { roles: [...roles.values()], bindings };
}

/** Args of {@link declareGrants}. */
export interface DeclareGrantsArgs {
    /** Base of the ClusterRoles' names (`<base>` and `<base>-<variant>`). */
    roleBase: string;
    /** Name of each RoleBinding (one per namespace). */
    bindingName: string;
    /** The subject that is granted. */
    subject: { kind: string; name: string; namespace: string };
    /** Labels of every object (a function of the namespace, for group labels). */
    labels: (namespace?: string) => Record<string, string>;
    /** Pulumi resource name of the binding in a namespace. */
    bindingResourceName: (namespace: string) => string;
    /** Pulumi resource name prefix of the ClusterRoles (`<prefix>` and `<prefix>-<variant>`). */
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
            new k8s.rbac.v1.ClusterRole(r.variant ? `${args.roleResourceName}-${r.variant}` : args.roleResourceName, { metadata: { name: r.name, labels: args.labels() }, rules: r.rules }, args.roleOptions),
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
