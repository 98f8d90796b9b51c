/**
 * Least privilege for the kubernetescrd provider: read the Traefik CRDs, the Services and
 * EndpointSlices routes point at, and the Secrets TLS options name, in the watched namespaces
 * only (a Role per namespace, no ClusterRole). The upstream example grants more (nodes,
 * ingresses, pods for OpenTelemetry); the CRD provider alone needs none of it.
 */

/** One RBAC rule. */
export interface PolicyRule {
    apiGroups: string[];
    resources: string[];
    verbs: string[];
}

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

/** Rules of the Role Traefik gets in each watched namespace. */
export function providerRules(): PolicyRule[] {
    const read = ["get", "list", "watch"];
    return [
        { apiGroups: [""], resources: ["services", "secrets"], verbs: read },
        { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
        { apiGroups: ["traefik.io"], resources: TRAEFIK_CRD_RESOURCES, verbs: read },
    ];
}
