import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { createHash } from "crypto";
import * as fs from "fs";
import { declareGrants, HUB_API_CLIENT_LABELS, METRICS_PORT_NAME, SINGLE_REPLICA_READINESS, SCRAPE_JOBS, SCRAPE_LABEL, scraperPeer, selectorLabels, shippedFile, standardLabels, withDependsOn } from "../common";
import { builtImage } from "../images";
import { DaskAccessArgs } from "./access-args";
import {
    DASK_ACCESS_CONFIG_DIR, DASK_ACCESS_FILES, DASK_ACCESS_GROUP_OBJECTS, DASK_ACCESS_METRICS_PORT, DASK_ACCESS_PORT, DASK_ACCESS_ROOT_CA_DIR, DASK_ACCESS_SECRET_KEYS,
    DaskAccessPlan, planDaskAccess, renderDaskAccessValues,
} from "./access-plan";
import { daskAccessRbac } from "./access-rbac";
import { DASK_SESSIONS_MODULE, daskSessionsModuleText } from "./module";

/** Private address ranges: where Traefik's pods, which every request to the service comes through, live. */
const PROXY_NETWORKS = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"];
const DEFAULT_RESOURCES = { requests: { cpu: "50m", memory: "128Mi" }, limits: { cpu: "500m", memory: "256Mi" } };
/** The most Traefik reads of the sign-in's answer to its forwardAuth (a redirect, or a page that says why not). */
const SIGN_IN_MAX_RESPONSE_BYTES = 64 * 1024;

/** The service's own text (shipped beside this file). */
export function daskAccessServiceText(): string {
    return fs.readFileSync(shippedFile("dask-sessions", DASK_ACCESS_FILES.service), "utf8");
}

/**
 * The Dask access service: a small web service (`dask_access.py`, tornado with JupyterHub's
 * `HubOAuth`) at `https://<domain>/services/<serviceName>/`, run as its own Deployment beside
 * the hub. A member of a group signed in with the hub downloads that group's bundle (a client
 * certificate from the group CA, valid `certificateValidityDays`, with the CA, a Dask config
 * and the addresses); Traefik asks it before every dashboard route (`forwardAuth`) whether the
 * browser is the dashboard's owner. Its ServiceAccount reads only the CA Secrets and records of
 * its groups; it records every certificate it issues in the group's records ConfigMap.
 */
export class DaskAccess extends pulumi.ComponentResource {
    /** The validated plan (names, paths, groups). */
    readonly plan: DaskAccessPlan;
    /** Public URL of the service (`https://<domain>/services/<serviceName>/`). */
    readonly url: string;

    constructor(name: string, args: DaskAccessArgs, opts?: pulumi.ComponentResourceOptions) {
        const plan = planDaskAccess(args, name);
        const serviceText = daskAccessServiceText();
        const sessionsText = daskSessionsModuleText();
        super("hepaf:dask-sessions:DaskAccess", name, {}, opts);
        this.plan = plan;
        this.url = `https://${plan.domain}${plan.prefix}/`;
        const child = { parent: this };
        const n = plan.names.workload;
        const labels = (component: string, group?: string) => standardLabels({ name: "dask-access", instance: name, component, facility: plan.facility, group });
        const meta = (component: string) => ({ name: n, namespace: plan.namespace, labels: labels(component) });
        const routeLabels = (component: string, group?: string) => ({ ...labels(component, group), ...args.traefik.routeLabels });
        const crds = pulumi.output(args.traefik.crdResources ?? []) as pulumi.Output<pulumi.Resource[]>;
        const routeOpts: pulumi.CustomResourceOptions = { parent: this, dependsOn: crds };

        // Its account: grants in the group namespaces only (none in its own namespace).
        const sa = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: meta("rbac"), automountServiceAccountToken: true }, child);
        const groupOf = (ns: string) => plan.groups.find((g) => g.namespace === ns)!.name;
        const bindings: pulumi.Resource[] = declareGrants(
            {
                roleBase: `hepaf-${plan.namespace}-${n}`,
                bindingName: n,
                subject: { kind: "ServiceAccount", name: n, namespace: plan.namespace },
                labels: (ns) => labels("rbac", ns === undefined ? undefined : groupOf(ns)),
                roleResourceName: `${name}-role`,
                roleOptions: child,
                bindingResourceName: (ns) => `${name}-rolebinding-${groupOf(ns)}`,
                bindingOptions: () => child,
                dependsOn: [sa],
            },
            daskAccessRbac(plan),
        );

        // Per group: the record of issued certificates and the middlewares of its dashboards.
        const o = DASK_ACCESS_GROUP_OBJECTS;
        const signInUrl = `${plan.serviceUrl}${plan.prefix}/auth`;
        for (const g of plan.groups) {
            if (g.sessions) {
                // The service writes the entries; the program declares the object only, so an
                // update never resets the record (`ignoreChanges` on its data).
                new k8s.core.v1.ConfigMap(
                    `${name}-records-${g.name}`,
                    { metadata: { name: o.records, namespace: g.namespace, labels: labels("certificate-records", g.name) } },
                    { parent: this, ignoreChanges: ["data"] },
                );
            }
            const middleware = (objName: string, spec: Record<string, unknown>) =>
                new k8s.apiextensions.CustomResource(
                    `${name}-${objName}-${g.name}`,
                    { apiVersion: "traefik.io/v1alpha1", kind: "Middleware", metadata: { name: objName, namespace: g.namespace, labels: routeLabels("route", g.name) }, spec },
                    routeOpts,
                );
            if (g.sessions || g.gateway) {
                middleware(o.signIn, {
                    forwardAuth: {
                        address: signInUrl,
                        trustForwardHeader: false,
                        // The service needs only the browser's sign-in and how the request was made.
                        authRequestHeaders: ["Cookie", "Authorization", "Accept", "Sec-Fetch-Mode", "Sec-Fetch-Site"],
                        // Its answers are a redirect or a short page: Traefik reads no more (unset, it reads
                        // any size and warns for every router at each configuration reload).
                        maxResponseBodySize: SIGN_IN_MAX_RESPONSE_BYTES,
                    },
                });
                // An empty value removes the header: the dashboard (user code) never sees the sign-in.
                middleware(o.dropCredentials, { headers: { customRequestHeaders: { Cookie: "", Authorization: "" } } });
            }
            if (g.sessions) {
                middleware(o.sessionPrefix, { stripPrefixRegex: { regex: [`^${plan.sessionDashboards.pathPrefix}/[a-z0-9-]+/`] } });
            }
        }

        // Without a token the hub's keeper makes this Secret in the cluster, and the pod waits for it.
        const apiToken = args.hub.apiToken;
        const secret =
            apiToken === undefined
                ? undefined
                : new k8s.core.v1.Secret(
                      `${name}-secret`,
                      {
                          metadata: meta("credentials"),
                          type: "Opaque",
                          stringData: {
                              [DASK_ACCESS_SECRET_KEYS.hubToken]: pulumi.secret(apiToken),
                              [DASK_ACCESS_SECRET_KEYS.cookieSecret]: pulumi.secret(new random.RandomBytes(`${name}-cookie-secret`, { length: 32 }, child).hex),
                          },
                      },
                      child,
                  );
        const values = `${JSON.stringify(renderDaskAccessValues(plan), null, 2)}\n`;
        const config = new k8s.core.v1.ConfigMap(
            `${name}-config`,
            { metadata: meta("config"), data: { [DASK_ACCESS_FILES.values]: values, [DASK_ACCESS_FILES.service]: serviceText, [DASK_SESSIONS_MODULE]: sessionsText } },
            child,
        );

        const select = selectorLabels({ name: "dask-access", instance: name, component: "service" });
        const fromSecret = (envName: string, key: string) => ({ name: envName, valueFrom: { secretKeyRef: { name: n, key } } });
        const prefix = `${plan.prefix}/`;
        const probe = { httpGet: { path: `${prefix}health`, port: "http" }, periodSeconds: 10, timeoutSeconds: 3 };
        const volumes: k8s.types.input.core.v1.Volume[] = [
            { name: "config", configMap: { name: n } },
            { name: "tmp", emptyDir: { sizeLimit: "16Mi" } },
            ...(plan.rootCa === false
                ? []
                : ["secret" in plan.rootCa
                      ? { name: "root-ca", secret: { secretName: plan.rootCa.secret, items: [{ key: "ca.crt", path: "ca.crt" }] } }
                      : { name: "root-ca", configMap: { name: plan.rootCa.configMap } }]),
        ];
        const mounts: k8s.types.input.core.v1.VolumeMount[] = [
            { name: "config", mountPath: DASK_ACCESS_CONFIG_DIR, readOnly: true },
            { name: "tmp", mountPath: "/tmp" },
            ...(plan.rootCa === false ? [] : [{ name: "root-ca", mountPath: DASK_ACCESS_ROOT_CA_DIR, readOnly: true }]),
        ];
        new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: meta("service"),
                spec: {
                    // One replica: the hub's OAuth sign-in keeps its state in the process.
                    replicas: 1,
                    strategy: { type: "Recreate" },
                    selector: { matchLabels: select },
                    template: {
                        metadata: {
                            labels: { ...labels("service"), ...HUB_API_CLIENT_LABELS },
                            annotations: { "hepaf.io/config-sha256": createHash("sha256").update(values).update(serviceText).update(sessionsText).digest("hex") },
                        },
                        spec: {
                            serviceAccountName: n,
                            securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, seccompProfile: { type: "RuntimeDefault" } },
                            containers: [
                                {
                                    name: "dask-access",
                                    image: args.image ?? builtImage("hub"),
                                    command: ["python3", `${DASK_ACCESS_CONFIG_DIR}/${DASK_ACCESS_FILES.service}`],
                                    ports: [
                                        { name: "http", containerPort: DASK_ACCESS_PORT, protocol: "TCP" },
                                        { name: METRICS_PORT_NAME, containerPort: DASK_ACCESS_METRICS_PORT, protocol: "TCP" },
                                    ],
                                    env: [
                                        { name: "HEPAF_DASK_ACCESS_VALUES", value: `${DASK_ACCESS_CONFIG_DIR}/${DASK_ACCESS_FILES.values}` },
                                        { name: "PYTHONUNBUFFERED", value: "1" },
                                        // What the hub gives a service it runs itself (JupyterHub's HubOAuth reads these).
                                        { name: "JUPYTERHUB_SERVICE_NAME", value: plan.serviceName },
                                        { name: "JUPYTERHUB_CLIENT_ID", value: `service-${plan.serviceName}` },
                                        { name: "JUPYTERHUB_API_URL", value: args.hub.hubApiUrl },
                                        { name: "JUPYTERHUB_BASE_URL", value: "/" },
                                        { name: "JUPYTERHUB_SERVICE_PREFIX", value: prefix },
                                        { name: "JUPYTERHUB_OAUTH_CALLBACK_URL", value: `${prefix}oauth_callback` },
                                        { name: "JUPYTERHUB_PUBLIC_URL", value: this.url },
                                        { name: "JUPYTERHUB_XSRF_ANONYMOUS_IP_CIDRS", value: PROXY_NETWORKS.join(";") },
                                        fromSecret("JUPYTERHUB_API_TOKEN", DASK_ACCESS_SECRET_KEYS.hubToken),
                                        fromSecret("HEPAF_DASK_ACCESS_COOKIE_SECRET", DASK_ACCESS_SECRET_KEYS.cookieSecret),
                                    ],
                                    resources: args.resources ?? DEFAULT_RESOURCES,
                                    readinessProbe: { ...probe, ...SINGLE_REPLICA_READINESS },
                                    livenessProbe: { ...probe, initialDelaySeconds: 20, failureThreshold: 6 },
                                    securityContext: { allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ["ALL"] } },
                                    volumeMounts: mounts,
                                },
                            ],
                            volumes,
                        },
                    },
                },
            },
            withDependsOn(child, sa, ...(secret ? [secret] : []), config, ...bindings, ...(args.rootCaResource ? [args.rootCaResource] : [])),
        );
        new k8s.core.v1.Service(
            `${name}-service`,
            {
                // The scrape label: its `metrics` port, which no route exposes (see the monitoring component).
                metadata: { ...meta("service"), labels: { ...labels("service"), [SCRAPE_LABEL]: SCRAPE_JOBS.daskAccess } },
                spec: {
                    type: "ClusterIP",
                    selector: select,
                    ports: [
                        { name: "http", port: DASK_ACCESS_PORT, targetPort: "http", protocol: "TCP" },
                        { name: METRICS_PORT_NAME, port: DASK_ACCESS_METRICS_PORT, targetPort: METRICS_PORT_NAME, protocol: "TCP" },
                    ],
                },
            },
            child,
        );
        new k8s.apiextensions.CustomResource(
            `${name}-route`,
            {
                apiVersion: "traefik.io/v1alpha1",
                kind: "IngressRoute",
                metadata: { name: n, namespace: plan.namespace, labels: routeLabels("route") },
                spec: {
                    entryPoints: [plan.websecure],
                    routes: [{ kind: "Rule", match: `Host(\`${plan.domain}\`) && PathPrefix(\`${prefix}\`)`, services: [{ name: n, port: DASK_ACCESS_PORT }] }],
                    tls: {},
                },
            },
            routeOpts,
        );
        const tcp = (port: number) => ({ port, protocol: "TCP" });
        const nsNamed = (name: string) => ({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": name } } });
        new k8s.networking.v1.NetworkPolicy(
            `${name}-policy`,
            {
                metadata: meta("network-policy"),
                spec: {
                    podSelector: { matchLabels: select },
                    policyTypes: ["Ingress", "Egress"],
                    ingress: [
                        // Browsers and dashboard sign-ins come through Traefik; the hub checks the service's URL.
                        { from: [nsNamed(args.traefik.namespace)], ports: [tcp(DASK_ACCESS_PORT)] },
                        { from: [{ podSelector: {} }], ports: [tcp(DASK_ACCESS_PORT)] },
                        // Its metrics, for the scraper only.
                        ...(args.scraper ? [{ from: [scraperPeer(args.scraper)], ports: [tcp(DASK_ACCESS_METRICS_PORT)] }] : []),
                    ],
                    egress: [
                        { to: [{ namespaceSelector: {} }], ports: [{ port: 53, protocol: "UDP" }, tcp(53)] },
                        // The hub's API, beside it.
                        { to: [{ podSelector: {} }] },
                        // The Kubernetes API (CA Secrets, records, clusters).
                        { to: [{ ipBlock: { cidr: "0.0.0.0/0" } }], ports: [tcp(443), tcp(6443)] },
                    ],
                },
            },
            child,
        );
        this.registerOutputs({ url: this.url, serviceUrl: plan.serviceUrl });
    }
}
