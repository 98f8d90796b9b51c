/**
 * What RBAC objects grant, read as the API server reads them: a RoleBinding grants its role's
 * rules (a Role of its namespace, or a ClusterRole) in its own namespace only.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = any;

/** The rules the RoleBinding `name` in `namespace` grants there (fails if it or its role is missing). */
export function grantedRules(objs: Obj[], name: string, namespace: string): Obj[] {
    const binding = objs.find((o) => o.kind === "RoleBinding" && o.metadata.name === name && o.metadata.namespace === namespace);
    if (!binding) throw new Error(`no RoleBinding ${namespace}/${name}`);
    const ref = binding.roleRef;
    const role = objs.find((o) => o.kind === ref.kind && o.metadata.name === ref.name && (ref.kind === "ClusterRole" || o.metadata.namespace === namespace));
    if (!role) throw new Error(`RoleBinding ${namespace}/${name} refers to a missing ${ref.kind} ${ref.name}`);
    return role.rules;
}

/** Every namespace a RoleBinding named `name` exists in, with what it grants there. */
export function grantsByNamespace(objs: Obj[], name: string): Record<string, Obj[]> {
    return Object.fromEntries(
        objs.filter((o) => o.kind === "RoleBinding" && o.metadata.name === name).map((b) => [b.metadata.namespace, grantedRules(objs, name, b.metadata.namespace)]),
    );
}
