import { DASK_ACCESS_GROUP_OBJECTS, DaskAccessPlan } from "./access-plan";
import type { NamespacedRules } from "./rbac";

/**
 * What the access service's ServiceAccount needs, per group namespace, and nothing more: for a
 * group with sessions, get its CA Secret and get/update the certificate records, each by name
 * only; for a group with a gateway, get its DaskClusters (a cluster dashboard is its owner's).
 */
export function daskAccessRbac(plan: DaskAccessPlan): NamespacedRules[] {
    return plan.groups
        .map((g) => ({
            namespace: g.namespace,
            variant: [g.sessions ? "sessions" : "", g.gateway ? "gateway" : ""].filter((v) => v).join("-"),
            rules: [
                ...(g.sessions
                    ? [
                          { apiGroups: [""], resources: ["secrets"], verbs: ["get"], resourceNames: [g.caSecret] },
                          { apiGroups: [""], resources: ["configmaps"], verbs: ["get", "update"], resourceNames: [DASK_ACCESS_GROUP_OBJECTS.records] },
                      ]
                    : []),
                ...(g.gateway ? [{ apiGroups: ["gateway.dask.org"], resources: ["daskclusters"], verbs: ["get"] }] : []),
            ],
        }))
        .filter((r) => r.rules.length > 0);
}
