import type { PolicyRule } from "../traefik";
import { DaskSessionSettings } from "./settings";

/** A namespaced Role's rules. */
export interface NamespacedRules {
    namespace: string;
    /** Which of the subject's rule sets this is (the same rules in every namespace of a variant). Default none. */
    variant?: string;
    rules: (PolicyRule & { resourceNames?: string[] })[];
}

/**
 * What the hub's service account needs for the module, per group namespace, and nothing more:
 * create/delete/get Services and IngressRouteTCPs (and IngressRoutes, with session
 * dashboards); create/delete Secrets (the module replaces a user's Secret rather than reading it
 * back); get the group CA Secret by name only.
 */
export function daskSessionRbac(settings: DaskSessionSettings): NamespacedRules[] {
    const routes = settings.dashboards ? ["ingressroutetcps", "ingressroutes"] : ["ingressroutetcps"];
    return Object.values(settings.groups).map((g) => ({
        namespace: g.namespace,
        rules: [
            { apiGroups: [""], resources: ["services"], verbs: ["create", "delete", "get"] },
            { apiGroups: ["traefik.io"], resources: routes, verbs: ["create", "delete", "get"] },
            { apiGroups: [""], resources: ["secrets"], verbs: ["create", "delete"] },
            { apiGroups: [""], resources: ["secrets"], verbs: ["get"], resourceNames: [g.caSecret] },
        ],
    }));
}
