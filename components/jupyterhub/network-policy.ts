import * as k8s from "@pulumi/kubernetes";
import { HUB_API_CLIENT_LABELS, scraperPeer } from "../common";
import { DASHBOARD_PORT } from "../htcondor/paths";
import { JupyterHubArgs } from "./args";
import { HubContext, SINGLEUSER_SELECTOR } from "./context";

/**
 * Default-deny NetworkPolicies for hub, proxy and user servers, with only the traffic the
 * facility needs:
 *   proxy  <- Traefik's namespace (public port), <- hub (API port); -> hub, -> group namespaces
 *   hub    <- proxy, <- group namespaces (user servers, gateways), <- its services beside it
 *             (HUB_API_CLIENT_LABELS); -> proxy API, -> group namespaces, -> its services,
 *             -> HTTPS anywhere (Kubernetes API, identity provider)
 *   (the hub also <- the scraper's namespace on its port, for /hub/metrics, when one is named)
 *   users  <- hub and proxy, <- own namespace (Dask schedulers/workers of the group),
 *             <- the scraper's namespace on the Dask dashboard port (sessions' /metrics);
 *             -> hub, -> own namespace, -> anywhere if allowUserInternet
 * DNS egress is open for all three.
 */
export function declareNetworkPolicies(ctx: HubContext, args: JupyterHubArgs): void {
    const { plan } = ctx;
    const nsNamed = (names: string[]) => ({ namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: names }] } });
    const groupNamespaces = nsNamed(plan.groups.map((g) => g.namespace));
    const hubNs = nsNamed([plan.namespace]);
    const tcp = (port: number) => ({ port, protocol: "TCP" });
    const dns = { to: [{ namespaceSelector: {} }], ports: [{ port: 53, protocol: "UDP" }, tcp(53)] };
    const hubPods = { ...hubNs, podSelector: { matchLabels: ctx.selector("hub") } };
    const proxyPods = { ...hubNs, podSelector: { matchLabels: ctx.selector("proxy") } };
    const scraper = args.scraper ? scraperPeer(args.scraper) : undefined;
    const meta = (name: string) => ({ name, namespace: plan.namespace, labels: ctx.labels("network-policy") });

    new k8s.networking.v1.NetworkPolicy(
        `${plan.name}-netpol-hub`,
        {
            metadata: meta(`${plan.names.hub}`),
            spec: {
                podSelector: { matchLabels: ctx.selector("hub") },
                policyTypes: ["Ingress", "Egress"],
                ingress: [
                    { from: [{ podSelector: { matchLabels: ctx.selector("proxy") } }], ports: [tcp(plan.hubPort)] },
                    { from: [groupNamespaces], ports: [tcp(plan.hubPort)] },
                    // Hub services of the facility beside the hub (e.g. the Dask access service).
                    { from: [{ podSelector: { matchLabels: HUB_API_CLIENT_LABELS } }], ports: [tcp(plan.hubPort)] },
                    // The scraper of /hub/metrics (its token holds only read:metrics).
                    ...(scraper ? [{ from: [scraper], ports: [tcp(plan.hubPort)] }] : []),
                ],
                egress: [
                    dns,
                    { to: [{ podSelector: { matchLabels: ctx.selector("proxy") } }], ports: [tcp(plan.proxyApiPort)] },
                    { to: [groupNamespaces] },
                    // Its services beside it (the hub checks that a service's URL answers).
                    { to: [{ podSelector: { matchLabels: HUB_API_CLIENT_LABELS } }] },
                    { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [tcp(443), tcp(6443)] },
                ],
            },
        },
        ctx.inNs,
    );
    new k8s.networking.v1.NetworkPolicy(
        `${plan.name}-netpol-proxy`,
        {
            metadata: meta(`${plan.names.proxy}`),
            spec: {
                podSelector: { matchLabels: ctx.selector("proxy") },
                policyTypes: ["Ingress", "Egress"],
                ingress: [
                    { from: [nsNamed([args.traefik.namespace])], ports: [tcp(plan.proxyPort)] },
                    { from: [{ podSelector: { matchLabels: ctx.selector("hub") } }], ports: [tcp(plan.proxyApiPort)] },
                ],
                egress: [dns, { to: [{ podSelector: { matchLabels: ctx.selector("hub") } }], ports: [tcp(plan.hubPort)] }, { to: [groupNamespaces] }],
            },
        },
        ctx.inNs,
    );
    for (const g of plan.groups) {
        const ingress: object[] = [
            { from: [hubPods, proxyPods] },
            { from: [{ podSelector: {} }] },
        ];
        if (args.htcondorSessions || args.daskSessions) {
            // Notebook-owned Dask schedulers are reached through Traefik's SNI entrypoint.
            ingress.push({ from: [nsNamed([args.traefik.namespace])] });
            // Their dashboards' /metrics, for the scraper.
            if (scraper) ingress.push({ from: [scraper], ports: [tcp(DASHBOARD_PORT)] });
        }
        const egress: object[] = [dns, { to: [hubPods], ports: [tcp(plan.hubPort)] }, { to: [{ podSelector: {} }] }];
        if (args.allowUserInternet ?? true) {
            egress.push({ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] });
        }
        new k8s.networking.v1.NetworkPolicy(
            `${plan.name}-netpol-singleuser-${g.name}`,
            {
                metadata: { name: `${plan.name}-singleuser`, namespace: g.namespace, labels: ctx.labels("network-policy", g.name) },
                spec: { podSelector: { matchLabels: SINGLEUSER_SELECTOR }, policyTypes: ["Ingress", "Egress"], ingress, egress },
            },
            ctx.inGroupNs(g.name),
        );
    }
}
