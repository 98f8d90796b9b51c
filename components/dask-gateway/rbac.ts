/**
 * RBAC of a gateway, from what dask-gateway-server 2026.3 calls (backends/kubernetes/*.py):
 *
 * - Writes happen only in the group namespace, so they are granted by a Role there.
 *   API server: create/patch/delete DaskClusters, read the per-cluster credentials Secret.
 *   Controller: DaskClusters (+status patch, delete), pods create/delete, Secrets and Services
 *   get/create/delete, and traefik.io IngressRoutes/IngressRouteTCPs get/create/delete.
 * - Its informers list and watch cluster-wide (`list_cluster_custom_object` for DaskClusters,
 *   `list_pod_for_all_namespaces`, `list_endpoints_for_all_namespaces`), filtered by the
 *   `gateway.dask.org/instance` label selector only after authorization. A Role cannot grant
 *   an all-namespaces list, so list/watch of exactly those three resources needs a ClusterRole;
 *   it carries no write verb and nothing else.
 */
import { PolicyRule } from "../traefik/rbac";

/** Namespaced rules of the API server. */
export function apiServerRules(): PolicyRule[] {
    return [
        { apiGroups: ["gateway.dask.org"], resources: ["daskclusters"], verbs: ["get", "list", "watch", "create", "patch"] },
        { apiGroups: [""], resources: ["secrets"], verbs: ["get"] },
    ];
}

/** Namespaced rules of the controller. */
export function controllerRules(): PolicyRule[] {
    return [
        { apiGroups: ["gateway.dask.org"], resources: ["daskclusters"], verbs: ["get", "list", "watch", "patch", "delete"] },
        { apiGroups: ["gateway.dask.org"], resources: ["daskclusters/status"], verbs: ["get", "patch"] },
        { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch", "create", "delete"] },
        { apiGroups: [""], resources: ["endpoints"], verbs: ["get", "list", "watch"] },
        { apiGroups: [""], resources: ["secrets", "services"], verbs: ["get", "create", "delete"] },
        { apiGroups: ["traefik.io"], resources: ["ingressroutes", "ingressroutetcps"], verbs: ["get", "create", "delete"] },
    ];
}

/** Cluster-wide read rules the API server's informer needs (list/watch only). */
export function apiServerWatchRules(): PolicyRule[] {
    return [{ apiGroups: ["gateway.dask.org"], resources: ["daskclusters"], verbs: ["list", "watch"] }];
}

/** Cluster-wide read rules the controller's informers need (list/watch only). */
export function controllerWatchRules(): PolicyRule[] {
    return [
        { apiGroups: ["gateway.dask.org"], resources: ["daskclusters"], verbs: ["list", "watch"] },
        { apiGroups: [""], resources: ["pods", "endpoints"], verbs: ["list", "watch"] },
    ];
}
