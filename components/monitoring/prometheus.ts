import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { stringify } from "yaml";
import { declareGrants, PolicyRule, selectorLabels, standardLabels, withDependsOn } from "../common";
import { NamespaceGrant } from "../common/grants";
import { PROMETHEUS_FILES, PROMETHEUS_PATHS, PROMETHEUS_PORT, renderPrometheusConfig } from "./scrape-config";
import { HUB_METRICS_TOKEN_KEY, HUB_METRICS_TOKEN_SECRET, ScrapeTarget } from "./targets";

/** Name of the Prometheus objects (Deployment, Service, ServiceAccount, ConfigMap). */
export const PROMETHEUS_NAME = "prometheus";

/** The data volume's limit, and the TSDB's size bound below it (the WAL and compaction need the rest). */
const DATA_SIZE_LIMIT = "2Gi";
const RETENTION_SIZE = "1536MB";

const DEFAULT_RESOURCES = { requests: { cpu: "100m", memory: "256Mi" }, limits: { cpu: "1", memory: "1Gi" } };

/** What Kubernetes service discovery of EndpointSlices reads in each namespace it watches. */
export function discoveryRules(): PolicyRule[] {
    return [
        { apiGroups: [""], resources: ["services", "pods"], verbs: ["list", "watch"] },
        { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["list", "watch"] },
    ];
}

/** The facility's own Prometheus, as the component declares it. */
export interface OwnPrometheusInput {
    facility: string;
    /** Its namespace (created by the component). */
    namespace: string;
    image: string;
    retention: string;
    interval: string;
    resources?: k8s.types.input.core.v1.ResourceRequirements;
    targets: ScrapeTarget[];
    /** The alert rules (a Prometheus rule file as data). */
    rules: Record<string, unknown>;
    /** The hub's metrics token (a Pulumi secret). Default none: its Secret is made in the cluster, by the hub's keeper. */
    hubMetricsToken?: pulumi.Input<string>;
}

/**
 * A small Prometheus of the facility's own: one replica with its data in an emptyDir (a
 * monitor of the facility, not an archive), the plain scrape configuration and the facility's
 * alert rules, allowed to discover only the namespaces it scrapes. Returns its namespace.
 */
export function declarePrometheus(input: OwnPrometheusInput, parent: pulumi.Resource, dependsOn: pulumi.Resource[] = []): k8s.core.v1.Namespace {
    const child = { parent };
    const labels = (component: string) => standardLabels({ name: "prometheus", instance: input.facility, component, facility: input.facility });
    const meta = (component: string, name = PROMETHEUS_NAME) => ({ name, namespace: input.namespace, labels: labels(component) });
    const ns = new k8s.core.v1.Namespace(`${input.facility}-monitoring-ns`, { metadata: { name: input.namespace, labels: labels("namespace") } }, child);
    const inNs = { parent, dependsOn: [ns] };
    const sa = new k8s.core.v1.ServiceAccount(`${input.facility}-prometheus-sa`, { metadata: meta("rbac"), automountServiceAccountToken: true }, inNs);
    const watched = [...new Set(input.targets.flatMap((t) => t.namespaces))];
    const grants: NamespaceGrant[] = watched.map((namespace) => ({ namespace, rules: discoveryRules() }));
    const bindings = declareGrants(
        {
            roleBase: `hepaf-${input.namespace}-prometheus`,
            bindingName: `${input.namespace}-prometheus`,
            subject: { kind: "ServiceAccount", name: PROMETHEUS_NAME, namespace: input.namespace },
            labels: () => labels("rbac"),
            roleResourceName: `${input.facility}-prometheus-role`,
            roleOptions: child,
            bindingResourceName: (namespace) => `${input.facility}-prometheus-rolebinding-${namespace}`,
            // In the facility's namespaces: after them.
            bindingOptions: () => ({ parent, dependsOn }),
            dependsOn: [sa],
        },
        grants,
    );
    const configText = renderPrometheusConfig({ facility: input.facility, interval: input.interval, targets: input.targets });
    const rulesText = stringify(input.rules);
    const config = new k8s.core.v1.ConfigMap(
        `${input.facility}-prometheus-config`,
        { metadata: meta("config"), data: { [PROMETHEUS_FILES.config]: configText, [PROMETHEUS_FILES.rules]: rulesText } },
        inNs,
    );
    const token =
        input.hubMetricsToken === undefined
            ? undefined
            : new k8s.core.v1.Secret(
                  `${input.facility}-prometheus-hub-token`,
                  { metadata: meta("credentials", HUB_METRICS_TOKEN_SECRET), type: "Opaque", stringData: { [HUB_METRICS_TOKEN_KEY]: pulumi.secret(input.hubMetricsToken) } },
                  inNs,
              );
    const select = selectorLabels({ name: "prometheus", instance: input.facility, component: "server" });
    const probe = (path: string) => ({ httpGet: { path, port: "http" }, periodSeconds: 10, timeoutSeconds: 5 });
    new k8s.apps.v1.Deployment(
        `${input.facility}-prometheus`,
        {
            metadata: meta("server"),
            spec: {
                replicas: 1,
                // One TSDB directory: the old pod stops before the new one opens it.
                strategy: { type: "Recreate" },
                selector: { matchLabels: select },
                template: {
                    metadata: { labels: labels("server"), annotations: { "hepaf.io/config-sha256": createHash("sha256").update(configText).update(rulesText).digest("hex") } },
                    spec: {
                        serviceAccountName: PROMETHEUS_NAME,
                        // Upstream's image runs as nobody.
                        securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
                        containers: [
                            {
                                name: "prometheus",
                                image: input.image,
                                args: [
                                    `--config.file=${PROMETHEUS_PATHS.config}/${PROMETHEUS_FILES.config}`,
                                    `--storage.tsdb.path=${PROMETHEUS_PATHS.data}`,
                                    `--storage.tsdb.retention.time=${input.retention}`,
                                    // Below the data volume's limit, so a busy facility drops old blocks instead of being evicted.
                                    `--storage.tsdb.retention.size=${RETENTION_SIZE}`,
                                    `--web.listen-address=:${PROMETHEUS_PORT}`,
                                ],
                                ports: [{ name: "http", containerPort: PROMETHEUS_PORT, protocol: "TCP" }],
                                resources: input.resources ?? DEFAULT_RESOURCES,
                                readinessProbe: { ...probe("/-/ready"), initialDelaySeconds: 2 },
                                livenessProbe: { ...probe("/-/healthy"), initialDelaySeconds: 30, failureThreshold: 6 },
                                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                                volumeMounts: [
                                    { name: "config", mountPath: PROMETHEUS_PATHS.config, readOnly: true },
                                    { name: "hub-token", mountPath: `${PROMETHEUS_PATHS.secrets}/${HUB_METRICS_TOKEN_SECRET}`, readOnly: true },
                                    { name: "data", mountPath: PROMETHEUS_PATHS.data },
                                ],
                            },
                        ],
                        volumes: [
                            { name: "config", configMap: { name: PROMETHEUS_NAME } },
                            { name: "hub-token", secret: { secretName: HUB_METRICS_TOKEN_SECRET } },
                            { name: "data", emptyDir: { sizeLimit: DATA_SIZE_LIMIT } },
                        ],
                    },
                },
            },
        },
        withDependsOn(inNs, sa, config, ...(token ? [token] : []), ...bindings),
    );
    new k8s.core.v1.Service(
        `${input.facility}-prometheus-service`,
        { metadata: meta("server"), spec: { type: "ClusterIP", selector: select, ports: [{ name: "http", port: PROMETHEUS_PORT, targetPort: "http", protocol: "TCP" }] } },
        inNs,
    );
    // Its API (every group's metrics, users' names in pod labels) answers its own namespace only.
    new k8s.networking.v1.NetworkPolicy(
        `${input.facility}-prometheus-policy`,
        {
            metadata: meta("network-policy"),
            spec: { podSelector: { matchLabels: select }, policyTypes: ["Ingress"], ingress: [{ from: [{ podSelector: {} }], ports: [{ port: PROMETHEUS_PORT, protocol: "TCP" }] }] },
        },
        inNs,
    );
    return ns;
}
