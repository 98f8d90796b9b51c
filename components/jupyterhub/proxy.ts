import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { SINGLE_REPLICA_READINESS, withDependsOn } from "../common";
import { JupyterHubArgs } from "./args";
import { HubContext } from "./context";
import { HubSecrets, SECRET_KEYS } from "./secrets";

const DEFAULT_RESOURCES = { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } };

/** Declares configurable-http-proxy, its public and API Services, and the Traefik route to it. */
export function declareProxy(ctx: HubContext, args: JupyterHubArgs, secrets: HubSecrets): { route: k8s.apiextensions.CustomResource } {
    const { plan } = ctx;
    const n = plan.names;
    const meta = (name: string) => ({ name, namespace: plan.namespace, labels: ctx.labels("proxy") });
    const hub = `http://${n.hubService}.${plan.namespace}.svc.cluster.local:${plan.hubPort}`;
    const probe = { httpGet: { path: "/_chp_healthz", port: "http" }, periodSeconds: 10, timeoutSeconds: 3 };
    new k8s.apps.v1.Deployment(
        `${plan.name}-proxy`,
        {
            metadata: meta(n.proxy),
            spec: {
                replicas: 1,
                // The routing table lives in the proxy's memory; the hub refills it on restart.
                strategy: { type: "Recreate" },
                selector: { matchLabels: ctx.selector("proxy") },
                template: {
                    metadata: { labels: ctx.labels("proxy") },
                    spec: {
                        automountServiceAccountToken: false,
                        securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
                        containers: [
                            {
                                name: "chp",
                                image: plan.images.proxy,
                                command: [
                                    "configurable-http-proxy",
                                    "--ip=",
                                    `--port=${plan.proxyPort}`,
                                    "--api-ip=",
                                    `--api-port=${plan.proxyApiPort}`,
                                    `--default-target=${hub}`,
                                    `--error-target=${hub}/hub/error`,
                                ],
                                env: [{ name: "CONFIGPROXY_AUTH_TOKEN", valueFrom: { secretKeyRef: { name: n.secret, key: SECRET_KEYS.proxyToken } } }],
                                ports: [
                                    { name: "http", containerPort: plan.proxyPort, protocol: "TCP" },
                                    { name: "api", containerPort: plan.proxyApiPort, protocol: "TCP" },
                                ],
                                resources: args.proxyResources ?? DEFAULT_RESOURCES,
                                readinessProbe: { ...probe, ...SINGLE_REPLICA_READINESS },
                                livenessProbe: { ...probe, initialDelaySeconds: 30, failureThreshold: 30 },
                                securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                            },
                        ],
                    },
                },
            },
        },
        // The Secret by its name (see withDependsOn): replacing it never replaces the proxy.
        withDependsOn(ctx.inNs, ...(secrets.madeBy === "program" ? [secrets.secret] : [])),
    );
    const port = (name: string, p: number) => ({ name, port: p, targetPort: name, protocol: "TCP" });
    new k8s.core.v1.Service(
        `${plan.name}-proxy-public`,
        { metadata: meta(n.proxyPublic), spec: { type: "ClusterIP", selector: ctx.selector("proxy"), ports: [port("http", plan.proxyPort)] } },
        ctx.inNs,
    );
    new k8s.core.v1.Service(
        `${plan.name}-proxy-api`,
        { metadata: meta(n.proxyApi), spec: { type: "ClusterIP", selector: ctx.selector("proxy"), ports: [port("api", plan.proxyApiPort)] } },
        ctx.inNs,
    );
    const traefik = args.traefik;
    const crds = pulumi.output(traefik.crdResources ?? []) as pulumi.Output<pulumi.Resource[]>;
    const nsDeps = (ctx.inNs.dependsOn ?? []) as pulumi.Resource[];
    // /hub/metrics is the scraper's, in the cluster: through the front door every request for it
    // is refused (403) by an allow-list no client address matches, whatever token it carries.
    const metricsClosed = `${plan.name}-hub-metrics-closed`;
    const closed = new k8s.apiextensions.CustomResource(
        `${plan.name}-metrics-closed`,
        {
            apiVersion: "traefik.io/v1alpha1",
            kind: "Middleware",
            metadata: { name: metricsClosed, namespace: plan.namespace, labels: { ...ctx.labels("proxy"), ...traefik.routeLabels } },
            spec: { ipAllowList: { sourceRange: ["127.0.0.1/32", "::1/128"] } },
        },
        { ...ctx.inNs, dependsOn: crds.apply((c) => [...c, ...nsDeps]) },
    );
    const route = new k8s.apiextensions.CustomResource(
        `${plan.name}-route`,
        {
            apiVersion: "traefik.io/v1alpha1",
            kind: "IngressRoute",
            metadata: { name: `${plan.name}-hub`, namespace: plan.namespace, labels: { ...ctx.labels("proxy"), ...traefik.routeLabels } },
            spec: {
                entryPoints: [traefik.entrypoints.websecure],
                routes: [
                    { kind: "Rule", match: `Host(\`${plan.domain}\`)`, services: [{ name: n.proxyPublic, port: plan.proxyPort }] },
                    {
                        kind: "Rule",
                        match: `Host(\`${plan.domain}\`) && PathPrefix(\`/hub/metrics\`)`,
                        middlewares: [{ name: metricsClosed }],
                        services: [{ name: n.proxyPublic, port: plan.proxyPort }],
                    },
                ],
                tls: {},
            },
        },
        { ...ctx.inNs, dependsOn: crds.apply((c) => [...c, ...nsDeps, closed]) },
    );
    return { route };
}
