/**
 * What the hub's ServiceAccount may do in each group namespace. KubeSpawner 7.1 (with
 * enable_user_namespaces off, services_enabled and internal_ssl off, delete_pvc off) calls:
 * pods create/delete/read and list+watch (its per-namespace pod reflector), events list+watch
 * (the event reflector for progress), persistentvolumeclaims create/read. Nothing else, so no
 * secrets and no services unless the HTCondor path needs them.
 */
import { PolicyRule } from "../traefik/rbac";

/** Rules of the hub's Role in one group namespace. */
export function spawnerRules(htcondorSessions: boolean): PolicyRule[] {
    const rules: PolicyRule[] = [
        { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "create", "delete"] },
        { apiGroups: [""], resources: ["persistentvolumeclaims"], verbs: ["get", "create"] },
        { apiGroups: [""], resources: ["events"], verbs: ["get", "list", "watch"] },
    ];
    if (htcondorSessions) {
        // Notebook-owned Dask schedulers: the hub creates the user's Service and SNI route at
        // spawn and removes them at stop.
        rules.push({ apiGroups: [""], resources: ["services"], verbs: ["get", "create", "delete"] });
        rules.push({ apiGroups: ["traefik.io"], resources: ["ingressroutetcps"], verbs: ["get", "create", "delete"] });
    }
    return rules;
}
