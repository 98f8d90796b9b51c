import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { PolicyRule } from "../common";
import { apiServerRules, apiServerWatchRules, controllerRules, controllerWatchRules } from "./rbac";

/** The ClusterRoles one account of a gateway is bound to. */
export interface AccountRoles {
    /** Its rules in the group namespace: bound there by a RoleBinding only. */
    namespaced: string;
    /** The cluster-wide list/watch its informers need: bound by a ClusterRoleBinding. */
    watch: string;
}

/** The ClusterRoles of a gateway's API server and controller (names, and the resources for `dependsOn`). */
export interface GatewayRoles {
    /** The roles the API server's account binds. */
    api: AccountRoles;
    /** The roles the controller's account binds. */
    controller: AccountRoles;
    /** The ClusterRole resources, where the gateway depends on roles declared elsewhere. */
    resources: pulumi.Resource[];
}

const ACCOUNTS: Record<keyof Omit<GatewayRoles, "resources">, { namespaced: () => PolicyRule[]; watch: () => PolicyRule[] }> = {
    api: { namespaced: apiServerRules, watch: apiServerWatchRules },
    controller: { namespaced: controllerRules, watch: controllerWatchRules },
};

/**
 * Declares the four ClusterRoles every gateway binds (the rules are the same for each), named
 * `<base>-<account>[-watch]`. A facility declares them once for all its
 * gateways ({@link DaskClusterCrd}); a gateway given none declares its own.
 */
export function declareGatewayRoles(base: string, resourceName: string, labels: Record<string, string>, opts: pulumi.CustomResourceOptions): GatewayRoles {
    const resources: pulumi.Resource[] = [];
    const role = (account: string, kind: "namespaced" | "watch", rules: PolicyRule[]) => {
        const suffix = kind === "watch" ? `${account}-watch` : account;
        const name = `${base}-${suffix}`;
        resources.push(new k8s.rbac.v1.ClusterRole(`${resourceName}-${suffix}`, { metadata: { name, labels }, rules }, opts));
        return name;
    };
    const roles = Object.fromEntries(
        Object.entries(ACCOUNTS).map(([account, r]) => [account, { namespaced: role(account, "namespaced", r.namespaced()), watch: role(account, "watch", r.watch()) }]),
    ) as Record<keyof typeof ACCOUNTS, AccountRoles>;
    return { ...roles, resources };
}
