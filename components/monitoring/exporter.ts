import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import * as fs from "fs";
import { declareGrants, GATEWAY_API_PORT, METRICS_PORT_NAME, ScraperRef, METRICS_PORTS, PolicyRule, SCRAPE_JOBS, SCRAPE_LABEL, scraperPeer, selectorLabels, shippedFile, standardLabels, withDependsOn } from "../common";
import { NamespaceGrant } from "../common/grants";
import { FacilityMonitoringArgs } from "./args";

/** The exporter's program and values file (in its ConfigMap, mounted at {@link EXPORTER_CONFIG_DIR}). */
export const EXPORTER_FILES = { program: "hepaf_exporter.py", values: "exporter-values.json" } as const;
/** Where its ConfigMap is mounted. */
export const EXPORTER_CONFIG_DIR = "/etc/hepaf-exporter";
/** Name of its objects (Deployment, Service, ServiceAccount, ConfigMap). */
export const EXPORTER_NAME = "hepaf-exporter";

const DEFAULT_RESOURCES = { requests: { cpu: "20m", memory: "64Mi" }, limits: { cpu: "200m", memory: "192Mi" } };

/** The exporter's values file: what it reads and where it serves. */
export function exporterValues(args: FacilityMonitoringArgs, intervalSeconds: number): Record<string, unknown> {
    return {
        facility: args.facility,
        namespace: args.facilityNamespace,
        port: METRICS_PORTS.exporter,
        intervalSeconds,
        ...(args.caCertificates
            ? { rootCaConfigMap: null, rootCaCertificate: { namespace: args.facilityNamespace, name: args.caCertificates.root } }
            : { rootCaConfigMap: { namespace: args.facilityNamespace, ...args.rootCaConfigMap } }),
        groups: args.groups.map((g) => ({
            name: g.name,
            namespace: g.namespace,
            ...(args.caCertificates ? { caConfigMap: null, caCertificate: { name: args.caCertificates.group } } : { caConfigMap: args.groupCaConfigMap }),
            gatewayHealthUrl: g.gatewayHealthUrl,
        })),
    };
}

/** What the exporter reads: the published CA bundles (or cert-manager's CA Certificates), the group quotas and gateway clusters; never a Secret. */
export function exporterGrants(args: FacilityMonitoringArgs): NamespaceGrant[] {
    const certificate = (name: string): PolicyRule => ({ apiGroups: ["cert-manager.io"], resources: ["certificates"], verbs: ["get"], resourceNames: [name] });
    const configMap = (name: string): PolicyRule => ({ apiGroups: [""], resources: ["configmaps"], verbs: ["get"], resourceNames: [name] });
    const c = args.caCertificates;
    return [
        { namespace: args.facilityNamespace, variant: "facility", rules: [c ? certificate(c.root) : configMap(args.rootCaConfigMap.name)] },
        ...args.groups.map((g) => ({
            namespace: g.namespace,
            variant: "group",
            rules: [
                c ? certificate(c.group) : configMap(args.groupCaConfigMap.name),
                { apiGroups: [""], resources: ["resourcequotas"], verbs: ["list"] },
                { apiGroups: ["gateway.dask.org"], resources: ["daskclusters"], verbs: ["list"] },
            ],
        })),
    ];
}

/** The exporter's program (shipped beside the component). */
export function exporterProgramText(): string {
    return fs.readFileSync(shippedFile("monitoring", EXPORTER_FILES.program), "utf8");
}

/**
 * The facility exporter: a small Python process in the hub image that publishes what no part
 * publishes itself (CA expiry, group quota use, gateway clusters by phase, gateway API health)
 * on its `metrics` port, reachable only from the scraper's namespace. It reads the cluster every
 * `intervalSeconds` (the scrape interval), so each scrape sees a reading at most one interval old.
 */
export function declareExporter(args: FacilityMonitoringArgs, scraper: ScraperRef, intervalSeconds: number, parent: pulumi.Resource, dependsOn: pulumi.Resource[]): void {
    const child = { parent };
    const n = EXPORTER_NAME;
    const labels = (component: string, group?: string) => standardLabels({ name: "hepaf-exporter", instance: args.facility, component, facility: args.facility, group });
    const meta = (component: string) => ({ name: n, namespace: args.facilityNamespace, labels: labels(component) });
    const sa = new k8s.core.v1.ServiceAccount(`${args.facility}-exporter-sa`, { metadata: meta("rbac"), automountServiceAccountToken: true }, { parent, dependsOn });
    const groupOf = (ns: string) => args.groups.find((g) => g.namespace === ns)?.name;
    const bindings = declareGrants(
        {
            roleBase: `hepaf-${args.facilityNamespace}-${n}`,
            bindingName: n,
            subject: { kind: "ServiceAccount", name: n, namespace: args.facilityNamespace },
            labels: (ns) => labels("rbac", ns === undefined ? undefined : groupOf(ns)),
            roleResourceName: `${args.facility}-exporter-role`,
            roleOptions: child,
            bindingResourceName: (ns) => `${args.facility}-exporter-rolebinding-${groupOf(ns) ?? "facility"}`,
            bindingOptions: () => ({ parent, dependsOn }),
            dependsOn: [sa],
        },
        exporterGrants(args),
    );
    const values = `${JSON.stringify(exporterValues(args, intervalSeconds), null, 2)}\n`;
    const program = exporterProgramText();
    const config = new k8s.core.v1.ConfigMap(
        `${args.facility}-exporter-config`,
        { metadata: meta("config"), data: { [EXPORTER_FILES.values]: values, [EXPORTER_FILES.program]: program } },
        { parent, dependsOn },
    );
    const select = selectorLabels({ name: "hepaf-exporter", instance: args.facility, component: "exporter" });
    const probe = { httpGet: { path: "/metrics", port: METRICS_PORT_NAME }, periodSeconds: 15, timeoutSeconds: 5 };
    new k8s.apps.v1.Deployment(
        `${args.facility}-exporter`,
        {
            metadata: meta("exporter"),
            spec: {
                replicas: 1,
                selector: { matchLabels: select },
                template: {
                    metadata: { labels: labels("exporter"), annotations: { "hepaf.io/config-sha256": createHash("sha256").update(values).update(program).digest("hex") } },
                    spec: {
                        serviceAccountName: n,
                        securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
                        containers: [
                            {
                                name: "exporter",
                                image: args.exporterImage ?? args.hubImage,
                                command: ["python3", `${EXPORTER_CONFIG_DIR}/${EXPORTER_FILES.program}`],
                                env: [
                                    { name: "HEPAF_EXPORTER_VALUES", value: `${EXPORTER_CONFIG_DIR}/${EXPORTER_FILES.values}` },
                                    { name: "PYTHONUNBUFFERED", value: "1" },
                                ],
                                ports: [{ name: METRICS_PORT_NAME, containerPort: METRICS_PORTS.exporter, protocol: "TCP" }],
                                resources: DEFAULT_RESOURCES,
                                readinessProbe: { ...probe, initialDelaySeconds: 2 },
                                livenessProbe: { ...probe, initialDelaySeconds: 20, failureThreshold: 6 },
                                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                                volumeMounts: [{ name: "config", mountPath: EXPORTER_CONFIG_DIR, readOnly: true }],
                            },
                        ],
                        volumes: [{ name: "config", configMap: { name: n } }],
                    },
                },
            },
        },
        withDependsOn({ parent, dependsOn }, sa, config, ...bindings),
    );
    new k8s.core.v1.Service(
        `${args.facility}-exporter-service`,
        {
            metadata: { ...meta("exporter"), labels: { ...labels("exporter"), [SCRAPE_LABEL]: SCRAPE_JOBS.exporter } },
            spec: { type: "ClusterIP", selector: select, ports: [{ name: METRICS_PORT_NAME, port: METRICS_PORTS.exporter, targetPort: METRICS_PORT_NAME, protocol: "TCP" }] },
        },
        { parent, dependsOn },
    );
    const tcp = (port: number) => ({ port, protocol: "TCP" });
    new k8s.networking.v1.NetworkPolicy(
        `${args.facility}-exporter-policy`,
        {
            metadata: meta("network-policy"),
            spec: {
                podSelector: { matchLabels: select },
                policyTypes: ["Ingress", "Egress"],
                ingress: [{ from: [scraperPeer(scraper)], ports: [tcp(METRICS_PORTS.exporter)] }],
                egress: [
                    { to: [{ namespaceSelector: {} }], ports: [{ port: 53, protocol: "UDP" }, tcp(53)] },
                    // The gateways' API servers (health), on their port in the group namespaces.
                    ...(args.groups.length ? [{ to: args.groups.map((g) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": g.namespace } } })), ports: [tcp(GATEWAY_API_PORT)] }] : []),
                    // The Kubernetes API.
                    { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [tcp(443), tcp(6443)] },
                ],
            },
        },
        { parent, dependsOn },
    );
}
