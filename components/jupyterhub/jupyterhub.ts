import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { check } from "../common";
import { JupyterHubArgs } from "./args";
import { HubContext, labelHelpers } from "./context";
import { declareHub } from "./hub";
import { declareNetworkPolicies } from "./network-policy";
import { declareProxy } from "./proxy";
import { declareSecrets } from "./secrets";
import { serviceTokenValueId } from "./secret-names";
import { planHub, HubPlan } from "./validate";
import { hubApiUrl } from "./values";

/** What a hub service's consumer (e.g. a Dask Gateway) needs to know. */
export interface JupyterHubServiceRef {
    /** The JupyterHub service name. */
    serviceName: string;
    /** The service's API token; a Pulumi secret, generated once. Undefined when the hub's secrets are made in the cluster (see `apiTokenValueId`). */
    apiToken?: pulumi.Output<string>;
    /** With secrets made in the cluster: the id of the token among the hub keeper's values, for the service's copy in `secrets.alsoKeep`. */
    apiTokenValueId: string;
    /** In-cluster URL of the hub API (`http://<hub>.<ns>.svc.cluster.local:8081/hub/api`). */
    hubApiUrl: string;
    /** Public URL of the hub. */
    hubPublicUrl: string;
    /** Public path prefix the hub proxies to the service (`/services/<name>/`). */
    servicePrefix: string;
    /** Group whose members alone may access it, if any. */
    group?: string;
}

/** JupyterHub with KubeSpawner: hub, proxy, login, per-group namespaces and profiles, services, culler. */
export class JupyterHub extends pulumi.ComponentResource {
    /** The resource type this component registers (its URN's type; the package schema's token). */
    static readonly __pulumiType = "hepaf:jupyterhub:JupyterHub";
    /** Namespace of hub and proxy. */
    readonly namespace: string;
    /** Public URL (`https://<domain>`). */
    readonly publicUrl: string;
    /** In-cluster URL of the hub API. */
    readonly hubApiUrl: string;
    /** Name of the hub Service (port 8081). */
    readonly hubServiceName: string;
    /** Name of the proxy's public Service (port 8000), which the route points at. */
    readonly proxyServiceName: string;
    /** Namespace of each group's user servers. */
    readonly groupNamespaces: Record<string, string>;
    /** The IngressRoute of the hub. */
    readonly route: k8s.apiextensions.CustomResource;
    /** What each registered service's consumer needs (as {@link JupyterHub.serviceRef} gives it), by service name: how a program in another language hands a gateway its token. */
    readonly serviceRefs: Record<string, JupyterHubServiceRef>;

    private readonly plan: HubPlan;
    private readonly serviceTokens: Record<string, pulumi.Output<string>>;

    constructor(name: string, args: JupyterHubArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate everything before declaring anything.
        const plan = planHub(name, args);
        super(JupyterHub.__pulumiType, name, {}, opts);
        this.plan = plan;
        const helpers = labelHelpers(plan);
        const child = { parent: this };

        const hubNs = args.createNamespace
            ? new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name: plan.namespace, labels: helpers.labels("namespace") } }, child)
            : undefined;
        const groupNs = new Map<string, k8s.core.v1.Namespace>();
        if (args.createGroupNamespaces) {
            for (const g of plan.groups) {
                if (g.namespace === plan.namespace) {
                    continue;
                }
                groupNs.set(
                    g.name,
                    new k8s.core.v1.Namespace(`${name}-ns-${g.name}`, { metadata: { name: g.namespace, labels: helpers.labels("namespace", g.name) } }, child),
                );
            }
        }
        const ctx: HubContext = {
            plan,
            ...helpers,
            inNs: { parent: this, dependsOn: hubNs ? [hubNs] : [] },
            inGroupNs: (group) => ({ parent: this, dependsOn: groupNs.has(group) ? [groupNs.get(group)!] : [] }),
        };

        const secrets = declareSecrets(ctx, args);
        this.serviceTokens = secrets.madeBy === "program" ? secrets.serviceTokens : {};
        const hub = declareHub(ctx, args, secrets);
        this.route = declareProxy(ctx, args, secrets).route;
        declareNetworkPolicies(ctx, args);

        this.namespace = plan.namespace;
        this.publicUrl = `https://${plan.domain}`;
        this.hubApiUrl = hubApiUrl(plan);
        this.serviceRefs = Object.fromEntries(plan.services.map((s) => [s.name, this.serviceRef(s.name)]));
        this.hubServiceName = plan.names.hubService;
        this.proxyServiceName = plan.names.proxyPublic;
        this.groupNamespaces = Object.fromEntries(plan.groups.map((g) => [g.name, g.namespace]));
        this.registerOutputs({
            namespace: this.namespace,
            publicUrl: this.publicUrl,
            hubApiUrl: this.hubApiUrl,
            hubService: hub.service.metadata.name,
            groupNamespaces: this.groupNamespaces,
        });
    }

    /** The registered hub service `name`: its token and the hub's API URL, for the service's own deployment. */
    serviceRef(name: string): JupyterHubServiceRef {
        const service = this.plan.services.find((s) => s.name === name);
        check(
            service !== undefined,
            `${this.plan.name}.serviceRef`,
            `"${name}" is not a registered service; register it in services (known: ${this.plan.services.map((s) => `"${s.name}"`).join(", ") || "none"})`,
        );
        return {
            serviceName: service.name,
            apiToken: this.serviceTokens[name],
            apiTokenValueId: serviceTokenValueId(name),
            hubApiUrl: this.hubApiUrl,
            hubPublicUrl: this.publicUrl,
            servicePrefix: `/services/${service.name}/`,
            group: service.group,
        };
    }
}
