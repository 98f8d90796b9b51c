import * as k8s from "@pulumi/kubernetes";
import { ScraperRef, scraperPeer } from "../common/metrics";
// The dashboard port of Dask schedulers, the same for dask-gateway's scheduler pods (their `/metrics`).
import { DASHBOARD_PORT } from "../htcondor/paths";

/** Label Kubernetes sets on every namespace with its name. */
const NS_NAME = "kubernetes.io/metadata.name";

/** Inputs of the gateway's network policies. */
export interface NetworkPolicyInputs {
    /** The group namespace. */
    namespace: string;
    /** `gateway.dask.org/instance` of the gateway (selects its scheduler and worker pods). */
    instance: string;
    /** Traefik's namespace (reaches schedulers: Dask TCP by SNI, dashboards). */
    traefikNamespace: string;
    /** The hub's namespace (its proxy reaches the API server and dashboards). */
    hubNamespace: string;
    /** Pod labels of the API server. */
    apiServerLabels: Record<string, string>;
    /** Further egress of schedulers and workers. */
    extraEgress: k8s.types.input.networking.v1.NetworkPolicyEgressRule[];
    /** The scraper: reaches the schedulers' dashboard port (`/metrics`). Default none. */
    scraper?: ScraperRef;
}

const fromNamespace = (name: string) => ({ namespaceSelector: { matchLabels: { [NS_NAME]: name } } });
const sameNamespace = { podSelector: {} };

/**
 * Specs of the gateway's NetworkPolicies:
 * - `clusters`: scheduler and worker pods accept connections only from the group's own pods,
 *   Traefik's namespace and the hub's namespace (and the scraper's, on the dashboard port); they may connect only within the namespace
 *   (workers <-> scheduler, scheduler -> API server) and to DNS, plus `extraEgress`.
 * - `api`: the API server accepts connections only from the hub's namespace, Traefik's
 *   namespace (the API route) and the group's own pods (schedulers report to it).
 */
export function networkPolicySpecs(i: NetworkPolicyInputs): { clusters: k8s.types.input.networking.v1.NetworkPolicySpec; api: k8s.types.input.networking.v1.NetworkPolicySpec } {
    const peers = [sameNamespace, fromNamespace(i.traefikNamespace), fromNamespace(i.hubNamespace)];
    return {
        clusters: {
            podSelector: { matchLabels: { "gateway.dask.org/instance": i.instance } },
            policyTypes: ["Ingress", "Egress"],
            ingress: [
                { from: peers },
                ...(i.scraper ? [{ from: [scraperPeer(i.scraper)], ports: [{ protocol: "TCP", port: DASHBOARD_PORT }] }] : []),
            ],
            egress: [
                { to: [sameNamespace] },
                {
                    to: [{ namespaceSelector: {}, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
                    ports: [
                        { protocol: "UDP", port: 53 },
                        { protocol: "TCP", port: 53 },
                    ],
                },
                ...i.extraEgress,
            ],
        },
        api: {
            podSelector: { matchLabels: i.apiServerLabels },
            policyTypes: ["Ingress"],
            ingress: [{ from: peers }],
        },
    };
}
