import * as k8s from "@pulumi/kubernetes";
import type { KeptSecret } from "../kept-secrets";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { GATEWAY_API_PORT, GATEWAY_API_SERVICE, gatewayApiUrl, SINGLE_REPLICA_READINESS, selectorLabels, standardLabels, withDependsOn } from "../common";
import { GATEWAY_CONFIG_DIR, GATEWAY_CONFIG_FILE, GATEWAY_VALUES_FILE, gatewayConfigSource } from "./config-file";
import { networkPolicySpecs } from "./network-policy";
import { AccountRoles, declareGatewayRoles } from "./roles";
import { DaskGatewayArgs } from "./types";
import { planGateway } from "./validate";
import { CLUSTERS_PREFIX_MIDDLEWARE, renderGatewayValues, serializeGatewayValues } from "./values";
import { DASK_GATEWAY_UID } from "./version";

/** Environment the hub injects into the group's user pods so `dask_gateway.Gateway()` finds this gateway. */
export interface GatewayClientEnv {
    /** The gateway's API address (`gateway.address`). */
    DASK_GATEWAY__ADDRESS: string;
    /** The clusters' Dask address (`gateway.proxy-address`, the front door's Dask port). */
    DASK_GATEWAY__PROXY_ADDRESS: string;
    /** Root of browser links to cluster dashboards (`gateway.public-address`). */
    DASK_GATEWAY__PUBLIC_ADDRESS: string;
    DASK_GATEWAY__AUTH__TYPE: "jupyterhub";
}

/** What the hub registers as a service for this gateway. */
export interface GatewayHubService {
    /** Service name (`dask-gateway-<group>`). */
    name: string;
    /** In-cluster URL of the API server. */
    url: string;
    /** The group whose members get access to the service. */
    group: string;
}

const DEFAULT_RESOURCES = { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } };
/** Name of the Secret holding the hub API token. */
export const GATEWAY_HUB_SECRET = "dask-gateway-hub";
/** Key of the token in that Secret. */
export const GATEWAY_HUB_TOKEN_KEY = "jupyterhub-api-token";

/** The gateway's token Secret as the hub's keeper makes it (secrets made in the cluster): the value `tokenValueId` under its key. */
export function gatewayHubTokenSecret(namespace: string, tokenValueId: string, labels: Record<string, string>): KeptSecret {
    return { namespace, name: GATEWAY_HUB_SECRET, labels, data: { [GATEWAY_HUB_TOKEN_KEY]: tokenValueId } };
}
/** Name of the ConfigMap holding the config file and its values. */
export const GATEWAY_CONFIG_MAP = "dask-gateway-config";
const API_PREFIX_MIDDLEWARE = "dask-gateway-api-prefix";
const gib = (v: number) => `${Math.round(v * 1024)}Mi`;

/**
 * A Dask Gateway for one group: API server and kube-controller in the group namespace
 * `<facility>-<group>`, login through JupyterHub, clusters routed by the facility's Traefik
 * (dashboards on its HTTPS entrypoint, Dask by SNI on its one Dask entrypoint), with a quota,
 * container limits and network policies for the namespace.
 */
export class DaskGateway extends pulumi.ComponentResource {
    /** The resource type this component registers (its URN's type; the package schema's token). */
    static readonly __pulumiType = "hepaf:dask-gateway:DaskGateway";
    /** The group namespace. */
    readonly namespace: string;
    /** `gateway.dask.org/instance` of the gateway's objects. */
    readonly instance: string;
    /** Label selector of the gateway's objects (API server and controller watch with it). */
    readonly labelSelector: string;
    /** Public address of the API: `https://<domain>/services/dask-gateway-<group>`. */
    readonly address: pulumi.Output<string>;
    /** Dask address of the clusters: `gateway://<domain>:<daskPort>`. */
    readonly proxyAddress: pulumi.Output<string>;
    /** Root of browser links (cluster dashboards) for the client's `gateway.public-address`: `https://<domain><dashboard prefix>`. */
    readonly publicAddress: pulumi.Output<string>;
    /** Environment for the group's user pods. */
    readonly clientEnv: pulumi.Output<GatewayClientEnv>;
    /** The service the hub registers. */
    readonly hubService: GatewayHubService;

    constructor(name: string, args: DaskGatewayArgs, opts?: pulumi.ComponentResourceOptions) {
        const plan = planGateway(name, args);
        const configSource = gatewayConfigSource();
        super(DaskGateway.__pulumiType, name, {}, opts);
        const ns = plan.namespace;
        this.namespace = ns;
        this.instance = plan.instance;
        this.labelSelector = `gateway.dask.org/instance=${plan.instance}`;
        this.hubService = { name: plan.serviceName, url: gatewayApiUrl(plan.facility, plan.group), group: plan.group };
        const domain = pulumi.output(args.domain);
        this.address = pulumi.interpolate`https://${domain}${plan.prefix}`;
        this.proxyAddress = pulumi.interpolate`gateway://${domain}:${args.traefik.daskPort}`;
        this.publicAddress = pulumi.interpolate`https://${domain}${plan.dashboardPrefix}`;
        this.clientEnv = pulumi.all([this.address, this.proxyAddress, this.publicAddress]).apply(([address, proxy, publicAddress]) => ({
            DASK_GATEWAY__ADDRESS: address,
            DASK_GATEWAY__PROXY_ADDRESS: proxy,
            DASK_GATEWAY__PUBLIC_ADDRESS: publicAddress,
            DASK_GATEWAY__AUTH__TYPE: "jupyterhub" as const,
        }));

        const labels = (component: string) =>
            standardLabels({ name: "dask-gateway", instance: name, component, facility: plan.facility, group: plan.group });
        const meta = (objName: string, component: string) => ({ name: objName, namespace: ns, labels: labels(component) });
        const namespace = plan.createNamespace
            ? new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name: ns, labels: labels("namespace") } }, { parent: this })
            : undefined;
        const inNs = { parent: this, dependsOn: namespace ? [namespace] : [] };
        const traefikCrds = pulumi.output(args.traefik.crdResources ?? []);
        const routeOpts: pulumi.CustomResourceOptions = {
            parent: this,
            dependsOn: traefikCrds.apply((c) => [...c, ...(namespace ? [namespace] : [])]),
        };

        // Namespace guard rails.
        const quota = args.quota ?? {};
        if (quota.cpu !== undefined || quota.memoryGiB !== undefined || quota.pods !== undefined) {
            const hard: Record<string, string> = {};
            if (quota.cpu !== undefined) {
                hard["requests.cpu"] = String(quota.cpu);
                hard["limits.cpu"] = String(quota.cpu);
            }
            if (quota.memoryGiB !== undefined) {
                hard["requests.memory"] = gib(quota.memoryGiB);
                hard["limits.memory"] = gib(quota.memoryGiB);
            }
            if (quota.pods !== undefined) {
                hard.pods = String(quota.pods);
            }
            new k8s.core.v1.ResourceQuota(`${name}-quota`, { metadata: meta("dask-gateway-quota", "quota"), spec: { hard } }, inNs);
        }
        const lr = plan.limitRange;
        new k8s.core.v1.LimitRange(
            `${name}-limits`,
            {
                metadata: meta("dask-gateway-limits", "quota"),
                spec: {
                    limits: [
                        {
                            type: "Container",
                            defaultRequest: { cpu: String(lr.defaultCpu), memory: gib(lr.defaultMemoryGiB) },
                            default: { cpu: String(lr.defaultCpu), memory: gib(lr.defaultMemoryGiB) },
                            max: { cpu: String(lr.maxCpu), memory: gib(lr.maxMemoryGiB) },
                        },
                    ],
                },
            },
            inNs,
        );

        // Secrets stay in a Secret; the ConfigMap holds the config file and secret-free values.
        // Without a token the hub's keeper makes the Secret in the cluster, and the pods wait for it.
        const secret =
            args.hub.apiToken === undefined
                ? undefined
                : new k8s.core.v1.Secret(
                      `${name}-hub-token`,
                      {
                          metadata: meta(GATEWAY_HUB_SECRET, "credentials"),
                          type: "Opaque",
                          stringData: { [GATEWAY_HUB_TOKEN_KEY]: pulumi.secret(args.hub.apiToken) },
                      },
                      inNs,
                  );
        const valuesJson = pulumi.output(args.hub.hubApiUrl).apply((hubApiUrl) =>
            serializeGatewayValues(
                renderGatewayValues(plan, {
                    hubApiUrl,
                    entrypoints: args.traefik.entrypoints,
                    routeLabels: args.traefik.routeLabels,
                    cluster: args.cluster,
                }),
            ),
        );
        const config = new k8s.core.v1.ConfigMap(
            `${name}-config`,
            { metadata: meta(GATEWAY_CONFIG_MAP, "config"), data: { [GATEWAY_CONFIG_FILE]: configSource, [GATEWAY_VALUES_FILE]: valuesJson } },
            inNs,
        );
        const configHash = valuesJson.apply((v) => createHash("sha256").update(configSource).update(v).digest("hex"));

        // RBAC: writes in the namespace (a RoleBinding to a shared ClusterRole); the cluster-wide
        // list/watch the informers need. Objects refer to each other by the names given here (see withDependsOn).
        const roles = args.roles ?? declareGatewayRoles(`hepaf-${ns}-dask-gateway`, `${name}-roles`, labels("rbac"), { parent: this });
        const account = (component: string, saName: string, bound: AccountRoles) => {
            const sa = new k8s.core.v1.ServiceAccount(`${name}-${component}-sa`, { metadata: meta(saName, component) }, inNs);
            const subjects = [{ kind: "ServiceAccount", name: saName, namespace: ns }];
            new k8s.rbac.v1.RoleBinding(
                `${name}-${component}-rolebinding`,
                { metadata: meta(saName, component), roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: bound.namespaced }, subjects },
                withDependsOn(inNs, sa, ...roles.resources),
            );
            const clusterName = `hepaf-${ns}-${saName}-watch`;
            new k8s.rbac.v1.ClusterRoleBinding(
                `${name}-${component}-watch`,
                {
                    metadata: { name: clusterName, labels: labels(component) },
                    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: bound.watch },
                    subjects,
                },
                withDependsOn(inNs, sa, ...roles.resources),
            );
            return { resource: sa, name: saName };
        };
        const apiSa = account("api", "dask-gateway-api", roles.api);
        const controllerSa = account("controller", "dask-gateway-controller", roles.controller);

        // The two processes: same image, same config file.
        const podSecurity = { runAsNonRoot: true, runAsUser: DASK_GATEWAY_UID, runAsGroup: DASK_GATEWAY_UID, fsGroup: DASK_GATEWAY_UID, seccompProfile: { type: "RuntimeDefault" } };
        const containerSecurity = { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } };
        const configPath = `${GATEWAY_CONFIG_DIR}/${GATEWAY_CONFIG_FILE}`;
        const deployment = (component: string, depName: string, sa: { resource: k8s.core.v1.ServiceAccount; name: string }, container: Record<string, unknown>) => {
            const select = selectorLabels({ name: "dask-gateway", instance: name, component });
            return new k8s.apps.v1.Deployment(
                `${name}-${component}`,
                {
                    metadata: meta(depName, component),
                    spec: {
                        replicas: 1,
                        strategy: { type: "Recreate" },
                        selector: { matchLabels: select },
                        template: {
                            metadata: { labels: labels(component), annotations: { "hepaf.io/config-sha256": configHash } },
                            spec: {
                                serviceAccountName: sa.name,
                                securityContext: podSecurity,
                                containers: [
                                    {
                                        name: component,
                                        image: plan.image,
                                        resources: args.resources ?? DEFAULT_RESOURCES,
                                        securityContext: containerSecurity,
                                        volumeMounts: [
                                            { name: "config", mountPath: GATEWAY_CONFIG_DIR, readOnly: true },
                                            { name: "tmp", mountPath: "/tmp" },
                                        ],
                                        ...container,
                                    },
                                ],
                                volumes: [
                                    { name: "config", configMap: { name: GATEWAY_CONFIG_MAP } },
                                    { name: "tmp", emptyDir: {} },
                                ],
                            },
                        },
                    },
                },
                // Named, not referenced: a config change is an update of this Deployment (the
                // checksum above rolls its pods), never a replacement.
                withDependsOn(inNs, config, ...(secret ? [secret] : []), sa.resource),
            );
        };
        const valuesEnv = { name: "HEPAF_GATEWAY_VALUES", value: `${GATEWAY_CONFIG_DIR}/${GATEWAY_VALUES_FILE}` };
        const apiProbe = { httpGet: { path: "/api/health", port: "api" }, periodSeconds: 10, failureThreshold: 3 };
        deployment("api", "dask-gateway-api", apiSa, {
            command: ["dask-gateway-server", "--config", configPath],
            ports: [{ name: "api", containerPort: GATEWAY_API_PORT, protocol: "TCP" }],
            env: [valuesEnv, { name: "JUPYTERHUB_API_TOKEN", valueFrom: { secretKeyRef: { name: GATEWAY_HUB_SECRET, key: GATEWAY_HUB_TOKEN_KEY } } }],
            readinessProbe: { ...apiProbe, ...SINGLE_REPLICA_READINESS },
            livenessProbe: { ...apiProbe, initialDelaySeconds: 15 },
        });
        const controllerProbe = { tcpSocket: { port: "http" }, periodSeconds: 10, failureThreshold: 3 };
        deployment("controller", "dask-gateway-controller", controllerSa, {
            command: ["dask-gateway-server", "kube-controller", "--config", configPath],
            ports: [{ name: "http", containerPort: 8000, protocol: "TCP" }],
            env: [valuesEnv],
            readinessProbe: { ...controllerProbe, ...SINGLE_REPLICA_READINESS },
            livenessProbe: { ...controllerProbe, initialDelaySeconds: 15 },
        });
        const apiSelect = selectorLabels({ name: "dask-gateway", instance: name, component: "api" });
        new k8s.core.v1.Service(
            `${name}-api-service`,
            {
                metadata: meta(GATEWAY_API_SERVICE, "api"),
                spec: { type: "ClusterIP", selector: apiSelect, ports: [{ name: "api", port: GATEWAY_API_PORT, targetPort: "api", protocol: "TCP" }] },
            },
            inNs,
        );

        // Traefik: the API under the hub's domain, and the prefix the dashboards' routes strip.
        const routeMeta = (objName: string) => ({ ...meta(objName, "route"), labels: { ...labels("route"), ...args.traefik.routeLabels } });
        new k8s.apiextensions.CustomResource(
            `${name}-api-prefix`,
            { apiVersion: "traefik.io/v1alpha1", kind: "Middleware", metadata: routeMeta(API_PREFIX_MIDDLEWARE), spec: { stripPrefix: { prefixes: [plan.prefix] } } },
            routeOpts,
        );
        new k8s.apiextensions.CustomResource(
            `${name}-clusters-prefix`,
            {
                apiVersion: "traefik.io/v1alpha1",
                kind: "Middleware",
                metadata: routeMeta(CLUSTERS_PREFIX_MIDDLEWARE),
                spec: { stripPrefixRegex: { regex: [`${plan.dashboardPrefix}/clusters/[a-zA-Z0-9.-]+/`] } },
            },
            routeOpts,
        );
        new k8s.apiextensions.CustomResource(
            `${name}-api-route`,
            {
                apiVersion: "traefik.io/v1alpha1",
                kind: "IngressRoute",
                metadata: routeMeta(GATEWAY_API_SERVICE),
                spec: {
                    entryPoints: [args.traefik.entrypoints.websecure],
                    routes: [
                        {
                            kind: "Rule",
                            match: pulumi.interpolate`Host(\`${domain}\`) && PathPrefix(\`${plan.prefix}/api/\`)`,
                            middlewares: [{ name: API_PREFIX_MIDDLEWARE, namespace: ns }],
                            services: [{ name: GATEWAY_API_SERVICE, namespace: ns, port: GATEWAY_API_PORT }],
                        },
                    ],
                },
            },
            routeOpts,
        );

        const policies = networkPolicySpecs({
            namespace: ns,
            instance: plan.instance,
            traefikNamespace: args.traefik.namespace,
            hubNamespace: plan.hubNamespace,
            apiServerLabels: apiSelect,
            extraEgress: args.extraEgress ?? [],
            scraper: args.scraper,
        });
        new k8s.networking.v1.NetworkPolicy(`${name}-clusters-policy`, { metadata: meta("dask-gateway-clusters", "network-policy"), spec: policies.clusters }, inNs);
        new k8s.networking.v1.NetworkPolicy(`${name}-api-policy`, { metadata: meta("dask-gateway-api", "network-policy"), spec: policies.api }, inNs);

        this.registerOutputs({ namespace: ns, address: this.address, proxyAddress: this.proxyAddress, publicAddress: this.publicAddress, clientEnv: this.clientEnv, hubService: this.hubService });
    }
}
