/**
 * Least privilege for the kubernetescrd provider (v3.6): read the Traefik CRDs, the Services
 * and EndpointSlices routes point at, the Secrets TLS options name and the ConfigMaps a
 * ServersTransport's root CAs may name, in the watched namespaces only (a RoleBinding per
 * namespace to one ClusterRole of these rules, no ClusterRoleBinding). The provider starts an informer for each of these and serves no route until
 * all have synced, so a missing one stops every route (seen with real Traefik: ConfigMaps).
 * The upstream example grants more (nodes, ingresses, pods for OpenTelemetry); nodes are read
 * only for NodePortLB services, which the static config turns off
 * (`disableClusterScopeResources`).
 */

import type { PolicyRule } from "../common/grants";

export type { PolicyRule };

/** Traefik CRD resources the provider watches. */
export const TRAEFIK_CRD_RESOURCES = [
    "ingressroutes",
    "ingressroutetcps",
    "ingressrouteudps",
    "middlewares",
    "middlewaretcps",
    "serverstransports",
    "serverstransporttcps",
    "tlsoptions",
    "tlsstores",
    "traefikservices",
];

/**
 * Rules Traefik gets in each watched namespace; with `ingresses`, also the Ingresses its
 * kubernetesingress provider reads (its own namespace only, for ACME HTTP-01 solvers: the
 * provider publishes no Ingress status, so it writes nothing).
 */
export function providerRules(ingresses = false): PolicyRule[] {
    const read = ["get", "list", "watch"];
    return [
        { apiGroups: [""], resources: ["services", "secrets", "configmaps"], verbs: read },
        { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
        { apiGroups: ["traefik.io"], resources: TRAEFIK_CRD_RESOURCES, verbs: read },
        ...(ingresses ? [{ apiGroups: ["networking.k8s.io"], resources: ["ingresses"], verbs: read }] : []),
    ];
}
