import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { createHash } from "crypto";
import { check, checkScraper, InvalidArgumentError, METRICS_PORT_NAME, READINESS_TIMING, SCRAPE_JOBS, SCRAPE_LABEL, ScraperRef, scraperPeer, isIpAddress, requireDnsLabel, requireDnsName, requireOneOf, requirePort, requirePositiveInteger, selectorLabels, standardLabels } from "../common";
import { declareGrants } from "../common/grants";
import { withDependsOn } from "../common/options";
import { tlsSecret } from "../pki/publish";
import { checkCrdSource, CrdSource, loadCrds } from "./crds";
import { DEFAULT_ENTRYPOINTS, EntrypointNames, EntrypointSpec, METRICS_ENTRYPOINT, PING_ENTRYPOINT, PortArgs, resolveEntrypoints } from "./entrypoints";
import { providerRules } from "./rbac";
import { SniRoute, SniRouteArgs } from "./sni-route";
import { renderStaticConfig } from "./static-config";
import { requireImageReference } from "../images";
import { crdReleaseUrl, TRAEFIK_VERSION, traefikImage } from "./version";

/** Service types Traefik can be exposed with. */
export const SERVICE_TYPES = ["LoadBalancer", "NodePort", "ClusterIP"] as const;

/** How the Traefik Service is exposed. */
/** A node port per entrypoint (a `NodePort` Service). */
export interface EntrypointNodePorts {
    /** Node port of the plain HTTP entrypoint. Default assigned by Kubernetes. */
    web?: number;
    /** Node port of HTTPS. Default assigned by Kubernetes. */
    websecure?: number;
    /** Node port of the Dask entrypoint. Default assigned by Kubernetes. */
    dask?: number;
}

export interface TraefikServiceArgs {
    /** `LoadBalancer`, `NodePort` or `ClusterIP`. Default `LoadBalancer`. */
    type?: (typeof SERVICE_TYPES)[number];
    /** Fixed IP for a LoadBalancer (the facility's one address). Default: assigned by the cloud. */
    loadBalancerIP?: string;
    /** Node ports per entrypoint for `NodePort`. Default: assigned by Kubernetes. */
    nodePorts?: EntrypointNodePorts;
    /** Service annotations (e.g. for a cloud load balancer). Default none. */
    annotations?: Record<string, string>;
    /** `Cluster` or `Local`. Default `Cluster`. */
    externalTrafficPolicy?: "Cluster" | "Local";
}

/** A key pair to serve when no route's own certificate matches (a `Certificate` fits). */
export interface KeyPairSource {
    /** Certificate PEM (leaf first, then intermediates). */
    certPem: pulumi.Input<string>;
    /** Private key PEM; a Pulumi secret. */
    privateKeyPem: pulumi.Input<string>;
    /** Issuer chain PEM. Default: none. */
    caPem?: pulumi.Input<string>;
}

/** A `kubernetes.io/tls` Secret in Traefik's namespace that something else keeps (the site, cert-manager). */
export interface SecretSource {
    /** Its name. */
    secretName: string;
}

/** An existing Traefik to attach routes to, when this component installs nothing. */
export interface ExistingTraefikArgs {
    /** Its entrypoint names. Default web, websecure, dask. */
    entrypointNames?: Partial<EntrypointNames>;
    /** Labels its providers select on, added to every route. Default none. */
    routeLabels?: Record<string, string>;
    /** Port of its Dask entrypoint. Default 8786. */
    daskPort?: number;
}

/** Traefik v3 as the facility's one front door. */
export interface TraefikArgs extends PortArgs {
    /** Namespace to install into. Required. */
    namespace: string;
    /** `install` (default) deploys Traefik; `existing` installs nothing and only names the entrypoints. */
    mode?: "install" | "existing";
    /** Settings of an existing Traefik (mode `existing`). Default: standard names. */
    existing?: ExistingTraefikArgs;
    /** Create the namespace. Default true. */
    createNamespace?: boolean;
    /** Further namespaces whose routes Traefik serves (its own is always watched). Default none. */
    watchNamespaces?: string[];
    /** Label selector of the kubernetescrd provider. Default `hepaf.io/traefik=<name>`. */
    labelSelector?: {
        /** Label key the routes carry. */
        key: string;
        /** Its value. */
        value: string;
    };
    /** Traefik version (image tag and CRDs). Default the pinned {@link TRAEFIK_VERSION}. */
    version?: string;
    /** Image. Default the catalogue's pinned Traefik image (`UPSTREAM_IMAGES.traefik`), tagged `version` when one is given. */
    image?: string;
    /** Where the CRD definitions come from. Default the release URL of `version`. */
    crds?: CrdSource;
    /** Entrypoint names. Default web, websecure, dask. */
    entrypointNames?: Partial<EntrypointNames>;
    /** Service exposure. Default a LoadBalancer. */
    service?: TraefikServiceArgs;
    /** Replicas. Default 2 (with a PodDisruptionBudget of minAvailable 1). */
    replicas?: number;
    /** Container resources. Default requests 100m/128Mi, limits 1 CPU/512Mi. */
    resources?: k8s.types.input.core.v1.ResourceRequirements;
    /** Default TLS certificate for HTTPS: a key pair (written into a Secret here) or a Secret kept by someone else, read as it changes. Default: Traefik's self-signed one. */
    defaultCertificate?: KeyPairSource | SecretSource;
    /**
     * Serve Ingresses of this class (their `kubernetes.io/ingress.class` annotation) in Traefik's
     * own namespace, and let ACME HTTP-01 challenge paths through the `web` entrypoint's HTTPS
     * redirect: what cert-manager's HTTP-01 solver makes. Default none (no Ingress provider).
     */
    acmeIngressClass?: string;
    /** Log level. Default `INFO`. */
    logLevel?: "DEBUG" | "INFO" | "WARN" | "ERROR";
    /**
     * Milliseconds Traefik holds route changes after applying one (its
     * `providers.providersThrottleDuration`), so the longest a new session's name waits behind
     * the previous change; 0 applies every change at once. Default 500 (Traefik's own is 2 s,
     * which the benchmark shows as 2 s route propagation on a busy front door).
     */
    providersThrottleMs?: number;
    /**
     * Seconds a stopping Traefik pod keeps accepting new connections (its entrypoints'
     * `transport.lifeCycle.requestAcceptGraceTimeout`) while its ping answers 503, so the
     * Service and the load balancer take it out of rotation before it refuses anyone. Default 5
     * (Traefik's own is 0: it refuses at once, while its endpoint still gets connections).
     */
    acceptGraceSeconds?: number;
    /**
     * Seconds it then waits for open connections to end (`transport.lifeCycle.graceTimeOut`)
     * before it closes them; the pod's termination grace is both periods plus 5 s. Default 10
     * (Traefik's own).
     */
    drainSeconds?: number;
    /** The Prometheus that scrapes Traefik's metrics entrypoint: only its pods may reach that port. Default none (nobody may). */
    scraper?: ScraperRef;
}

/** Default of {@link TraefikArgs.acceptGraceSeconds}. */
export const DEFAULT_ACCEPT_GRACE_SECONDS = 5;
/** Default of {@link TraefikArgs.drainSeconds}. */
export const DEFAULT_DRAIN_SECONDS = 10;

/** Default of {@link TraefikArgs.providersThrottleMs}. */
export const DEFAULT_PROVIDERS_THROTTLE_MS = 500;

const DEFAULT_RESOURCES = { requests: { cpu: "100m", memory: "128Mi" }, limits: { cpu: "1", memory: "512Mi" } };

/** Everything decided from the args, validated, before any resource exists. */
export type TraefikPlan =
    | { mode: "existing"; names: EntrypointNames; daskPort: number; routeLabels: Record<string, string> }
    | {
          mode: "install";
          names: EntrypointNames;
          daskPort: number;
          routeLabels: Record<string, string>;
          entrypoints: EntrypointSpec[];
          watch: string[];
          selector: { key: string; value: string };
          service: TraefikServiceArgs;
          serviceType: (typeof SERVICE_TYPES)[number];
          replicas: number;
          version: string;
          image: string;
          crds: CrdSource;
          providersThrottleMs: number;
          acceptGraceSeconds: number;
          drainSeconds: number;
      };

/** Validates Traefik args without declaring anything (the facility plans every part first). */
export function planTraefik(name: string, args: TraefikArgs): TraefikPlan {
    requireDnsLabel(args.namespace, `${name}.namespace`);
    const mode = args.mode ?? "install";
    requireOneOf(mode, ["install", "existing"], `${name}.mode`);
    if (mode === "existing") {
        const existing = args.existing ?? {};
        const names = { ...DEFAULT_ENTRYPOINTS, ...existing.entrypointNames };
        Object.entries(names).forEach(([k, v]) => requireDnsLabel(v, `${name}.existing.entrypointNames.${k}`));
        const daskPort = existing.daskPort ?? 8786;
        requirePort(daskPort, `${name}.existing.daskPort`);
        return { mode, names, daskPort, routeLabels: { ...existing.routeLabels } };
    }
    const names = { ...DEFAULT_ENTRYPOINTS, ...args.entrypointNames };
    const entrypoints = resolveEntrypoints(names, args, name);
    (args.watchNamespaces ?? []).forEach((ns, i) => requireDnsLabel(ns, `${name}.watchNamespaces[${i}]`));
    const watch = [args.namespace, ...(args.watchNamespaces ?? []).filter((ns) => ns !== args.namespace)];
    const selector = args.labelSelector ?? { key: "hepaf.io/traefik", value: name };
    requireDnsLabel(selector.value, `${name}.labelSelector.value`);
    const service = args.service ?? {};
    const serviceType = service.type ?? "LoadBalancer";
    requireOneOf(serviceType, SERVICE_TYPES, `${name}.service.type`);
    check(
        service.loadBalancerIP === undefined || serviceType === "LoadBalancer",
        `${name}.service.loadBalancerIP`,
        `a fixed IP needs service.type "LoadBalancer", not "${serviceType}"`,
    );
    check(
        service.loadBalancerIP === undefined || isIpAddress(service.loadBalancerIP),
        `${name}.service.loadBalancerIP`,
        `"${service.loadBalancerIP}" is not a valid IPv4 or IPv6 address`,
    );
    check(
        service.nodePorts === undefined || serviceType === "NodePort",
        `${name}.service.nodePorts`,
        `node ports need service.type "NodePort", not "${serviceType}"`,
    );
    Object.entries(service.nodePorts ?? {}).forEach(([k, v]) =>
        check(Number.isInteger(v) && v >= 1 && v <= 65535, `${name}.service.nodePorts.${k}`, `${v} is not a valid port`),
    );
    const replicas = args.replicas ?? 2;
    requirePositiveInteger(replicas, `${name}.replicas`);
    const version = args.version ?? TRAEFIK_VERSION;
    if (args.image !== undefined) requireImageReference(args.image, `${name}.image`);
    const image = args.image ?? traefikImage(version, `${name}.version`);
    const crds = args.crds ?? { source: "url" };
    checkCrdSource(crds, `${name}.crds`);
    checkScraper(args.scraper, `${name}.scraper`);
    if (args.acmeIngressClass !== undefined) requireDnsLabel(args.acmeIngressClass, `${name}.acmeIngressClass`);
    const certificate = args.defaultCertificate;
    if (certificate !== undefined && "secretName" in certificate) requireDnsName(certificate.secretName, `${name}.defaultCertificate.secretName`);
    const providersThrottleMs = args.providersThrottleMs ?? DEFAULT_PROVIDERS_THROTTLE_MS;
    check(
        Number.isInteger(providersThrottleMs) && providersThrottleMs >= 0 && providersThrottleMs <= 60000,
        `${name}.providersThrottleMs`,
        `must be a whole number of milliseconds from 0 to 60000, got ${JSON.stringify(providersThrottleMs)}`,
    );
    const acceptGraceSeconds = args.acceptGraceSeconds ?? DEFAULT_ACCEPT_GRACE_SECONDS;
    const drainSeconds = args.drainSeconds ?? DEFAULT_DRAIN_SECONDS;
    for (const [key, value] of [["acceptGraceSeconds", acceptGraceSeconds], ["drainSeconds", drainSeconds]] as const) {
        check(Number.isInteger(value) && value >= 0 && value <= 600, `${name}.${key}`, `must be a whole number of seconds from 0 to 600, got ${JSON.stringify(value)}`);
    }
    return {
        mode, names, daskPort: args.daskPort ?? 8786, routeLabels: { [selector.key]: selector.value },
        entrypoints, watch, selector, service, serviceType, replicas, version, image, crds, providersThrottleMs, acceptGraceSeconds, drainSeconds,
    };
}

/** Traefik installed (or referenced) in a namespace, with its entrypoints for routes. */
export class Traefik extends pulumi.ComponentResource {
    /** The resource type this component registers (its URN's type; the package schema's token). */
    static readonly __pulumiType = "hepaf:traefik:Traefik";
    /** Entrypoint names for routes. */
    readonly entrypoints: EntrypointNames;
    /** Labels a route must carry for this Traefik to see it. */
    readonly routeLabels: Record<string, string>;
    /** Namespace Traefik runs in. */
    readonly namespace: string;
    /** Port of the shared Dask entrypoint. */
    readonly daskPort: number;
    /** Namespaces whose routes this Traefik serves (undefined for an existing Traefik). */
    readonly watchNamespaces?: string[];
    /** Name of the Traefik Service (undefined for an existing Traefik). */
    readonly serviceName?: string;
    /** The external address of the Service once known (LoadBalancer ingress IP or host). */
    readonly address?: pulumi.Output<string | undefined>;
    /** Labels of Traefik's pods, for NetworkPolicies of what it reaches (undefined for an existing Traefik). */
    readonly podLabels?: Record<string, string>;
    /** Resources routes depend on (the CRDs), for `dependsOn`. */
    readonly crdResources: pulumi.Output<pulumi.Resource[]>;

    private readonly sniHosts = new Map<string, string>();

    constructor(name: string, args: TraefikArgs, opts?: pulumi.ComponentResourceOptions) {
        // Validate everything before declaring anything.
        const plan = planTraefik(name, args);
        // A local CRD file is read (and refused if bad) before anything is declared.
        const crdDocs = plan.mode === "install" ? loadCrds(plan.crds, crdReleaseUrl(plan.version), `${name}.crds`) : [];
        super(Traefik.__pulumiType, name, {}, opts);
        this.namespace = args.namespace;
        this.entrypoints = plan.names;
        this.daskPort = plan.daskPort;
        this.routeLabels = plan.routeLabels;
        if (plan.mode === "existing") {
            this.crdResources = pulumi.output([]);
            this.registerOutputs({ entrypoints: this.entrypoints });
            return;
        }
        const { entrypoints, watch, selector, service, serviceType, replicas } = plan;
        this.watchNamespaces = watch;

        const labels = (component: string) => standardLabels({ name: "traefik", instance: name, component });
        const selectLabels = selectorLabels({ name: "traefik", instance: name, component: "proxy" });
        this.podLabels = selectLabels;
        const child = { parent: this };

        // CRDs: cluster-scoped, so every later object waits for them.
        const declareCrds = (docs: Awaited<typeof crdDocs>) =>
            docs.map(
                (doc) =>
                    new k8s.apiextensions.v1.CustomResourceDefinition(
                        `${name}-crd-${doc.metadata.name}`,
                        {
                            metadata: { ...doc.metadata, labels: { ...(doc.metadata.labels as object), ...labels("crd") } },
                            spec: doc.spec as unknown as k8s.types.input.apiextensions.v1.CustomResourceDefinitionSpec,
                        },
                        child,
                    ),
            );
        // A failed download is this component's refusal: the engine shows it under the component.
        const onThis = (err: unknown): never => {
            if (err instanceof InvalidArgumentError) err.resource ??= this;
            throw err;
        };
        this.crdResources = pulumi.output(
            Array.isArray(crdDocs) ? declareCrds(crdDocs) : crdDocs.then(declareCrds, onThis),
        ) as pulumi.Output<pulumi.Resource[]>;

        const namespace =
            args.createNamespace === false
                ? undefined
                : new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name: args.namespace, labels: labels("namespace") } }, child);
        const inNs = { parent: this, dependsOn: namespace ? [namespace] : [] };
        const meta = (objName: string, component: string) => ({ name: objName, namespace: args.namespace, labels: labels(component) });

        const sa = new k8s.core.v1.ServiceAccount(`${name}-sa`, { metadata: meta(name, "rbac"), automountServiceAccountToken: true }, inNs);
        // One ClusterRole of the provider's read rules, bound in each watched namespace only.
        declareGrants(
            {
                roleBase: `hepaf-${args.namespace}-${name}-traefik`,
                bindingName: `${name}-traefik`,
                subject: { kind: "ServiceAccount", name, namespace: args.namespace },
                labels: () => labels("rbac"),
                roleResourceName: `${name}-role`,
                roleOptions: child,
                bindingResourceName: (ns) => `${name}-rolebinding-${ns}`,
                bindingOptions: () => inNs,
                dependsOn: [sa],
            },
            watch.map((ns) =>
                ns === args.namespace && args.acmeIngressClass !== undefined
                    ? { namespace: ns, variant: "ingress", rules: providerRules(true) }
                    : { namespace: ns, rules: providerRules() },
            ),
        );

        const staticConfig = renderStaticConfig({
            entrypoints,
            names: this.entrypoints,
            watchNamespaces: watch,
            labelSelector: `${selector.key}=${selector.value}`,
            logLevel: args.logLevel ?? "INFO",
            providersThrottleMs: plan.providersThrottleMs,
            acceptGraceSeconds: plan.acceptGraceSeconds,
            drainSeconds: plan.drainSeconds,
            ...(args.acmeIngressClass !== undefined ? { acmeIngressClass: args.acmeIngressClass, ownNamespace: args.namespace } : {}),
        });
        const configName = `${name}-config`;
        const config = new k8s.core.v1.ConfigMap(`${name}-config`, { metadata: meta(configName, "config"), data: { "traefik.yml": staticConfig } }, inNs);
        // Traefik reads its static config at start: a change rolls the pods.
        const configHash = createHash("sha256").update(staticConfig).digest("hex");

        const certificate = args.defaultCertificate;
        if (certificate) {
            const own = !("secretName" in certificate);
            const defaultTls = own ? `${name}-default-tls` : certificate.secretName;
            const secret = own
                ? [
                      tlsSecret(
                          `${name}-default-tls`,
                          { namespace: args.namespace, name: defaultTls, certPem: certificate.certPem, keyPem: certificate.privateKeyPem, caPem: certificate.caPem ?? "" },
                          inNs,
                      ),
                  ]
                : [];
            // A Secret kept by someone else may appear later (cert-manager writes it once issued):
            // Traefik serves its own certificate until then, and each new version as it comes.
            new k8s.apiextensions.CustomResource(
                `${name}-tlsstore`,
                {
                    apiVersion: "traefik.io/v1alpha1",
                    kind: "TLSStore",
                    metadata: { name: "default", namespace: args.namespace, labels: { ...labels("tls"), ...this.routeLabels } },
                    spec: { defaultCertificate: { secretName: defaultTls } },
                },
                { ...inNs, dependsOn: this.crdResources.apply((c) => [...c, ...(namespace ? [namespace] : []), ...secret]) },
            );
        }

        const probe = { httpGet: { path: "/ping", port: PING_ENTRYPOINT.port }, periodSeconds: 10, failureThreshold: 3 };
        const deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: meta(name, "proxy"),
                spec: {
                    replicas,
                    selector: { matchLabels: selectLabels },
                    // A new pod up before an old one stops: the front door never has fewer replicas than asked for.
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
                    template: {
                        metadata: {
                            labels: { ...labels("proxy") },
                            annotations: { "hepaf.io/config-sha256": configHash },
                        },
                        spec: {
                            serviceAccountName: name,
                            terminationGracePeriodSeconds: plan.acceptGraceSeconds + plan.drainSeconds + 5,
                            securityContext: {
                                runAsNonRoot: true,
                                runAsUser: 65532,
                                runAsGroup: 65532,
                                fsGroup: 65532,
                                seccompProfile: { type: "RuntimeDefault" },
                            },
                            containers: [
                                {
                                    name: "traefik",
                                    image: plan.image,
                                    args: ["--configFile=/etc/traefik/traefik.yml"],
                                    ports: entrypoints.map((ep) => ({ name: ep.name, containerPort: ep.containerPort, protocol: "TCP" })),
                                    resources: args.resources ?? DEFAULT_RESOURCES,
                                    readinessProbe: { ...probe, ...READINESS_TIMING },
                                    livenessProbe: { ...probe, initialDelaySeconds: 10 },
                                    securityContext: {
                                        allowPrivilegeEscalation: false,
                                        readOnlyRootFilesystem: true,
                                        capabilities: { drop: ["ALL"] },
                                    },
                                    volumeMounts: [
                                        { name: "config", mountPath: "/etc/traefik", readOnly: true },
                                        { name: "tmp", mountPath: "/tmp" },
                                    ],
                                },
                            ],
                            volumes: [
                                { name: "config", configMap: { name: configName } },
                                { name: "tmp", emptyDir: {} },
                            ],
                        },
                    },
                },
            },
            // ConfigMap and ServiceAccount by name (see withDependsOn): a config change is an update.
            withDependsOn(inNs, config, sa),
        );

        this.serviceName = name;
        const svc = new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: { ...meta(name, "proxy"), annotations: service.annotations },
                spec: {
                    type: serviceType,
                    selector: selectLabels,
                    loadBalancerIP: service.loadBalancerIP,
                    externalTrafficPolicy: serviceType === "ClusterIP" ? undefined : service.externalTrafficPolicy ?? "Cluster",
                    ports: entrypoints
                        .filter((ep) => ep.servicePort !== undefined)
                        .map((ep) => {
                            const key = (Object.keys(this.entrypoints) as (keyof EntrypointNames)[]).find(
                                (k) => this.entrypoints[k] === ep.name,
                            )!;
                            return {
                                name: ep.name,
                                port: ep.servicePort!,
                                targetPort: ep.name,
                                protocol: "TCP",
                                nodePort: service.nodePorts?.[key],
                            };
                        }),
                },
            },
            { ...inNs, dependsOn: [deployment, ...(namespace ? [namespace] : [])] },
        );
        this.address = svc.status.apply((s) => s?.loadBalancer?.ingress?.[0]?.ip ?? s?.loadBalancer?.ingress?.[0]?.hostname);

        // Metrics on a Service of their own (ClusterIP), never on the public one.
        new k8s.core.v1.Service(
            `${name}-metrics-service`,
            {
                metadata: { ...meta(`${name}-metrics`, "metrics"), labels: { ...labels("metrics"), [SCRAPE_LABEL]: SCRAPE_JOBS.traefik } },
                spec: {
                    type: "ClusterIP",
                    selector: selectLabels,
                    ports: [{ name: METRICS_PORT_NAME, port: METRICS_ENTRYPOINT.port, targetPort: METRICS_ENTRYPOINT.name, protocol: "TCP" }],
                },
            },
            inNs,
        );
        // Anyone may reach the public entrypoints and ping; only the scraper the metrics.
        const tcp = (port: number) => ({ port, protocol: "TCP" });
        new k8s.networking.v1.NetworkPolicy(
            `${name}-policy`,
            {
                metadata: meta(name, "network-policy"),
                spec: {
                    podSelector: { matchLabels: selectLabels },
                    policyTypes: ["Ingress"],
                    ingress: [
                        { ports: entrypoints.filter((ep) => ep.name !== METRICS_ENTRYPOINT.name).map((ep) => tcp(ep.containerPort)) },
                        ...(args.scraper ? [{ from: [scraperPeer(args.scraper)], ports: [tcp(METRICS_ENTRYPOINT.port)] }] : []),
                    ],
                },
            },
            inNs,
        );

        new k8s.policy.v1.PodDisruptionBudget(
            `${name}-pdb`,
            {
                metadata: meta(name, "proxy"),
                spec: replicas > 1 ? { minAvailable: 1, selector: { matchLabels: selectLabels } } : { maxUnavailable: 1, selector: { matchLabels: selectLabels } },
            },
            inNs,
        );

        // The CRDs are among the outputs: CRDs from a URL are declared once downloaded, and
        // the component is complete (for the engine and under mocks) only when they are.
        this.registerOutputs({
            entrypoints: this.entrypoints, serviceName: this.serviceName, address: this.address,
            crds: this.crdResources.apply((crds) => crds.length),
        });
    }

    /**
     * Declares an {@link SniRoute} on this Traefik's Dask entrypoint (unless another is given),
     * carrying its route labels and waiting for its CRDs; refuses an SNI host already routed.
     */
    sniRoute(name: string, args: Omit<SniRouteArgs, "entrypoint" | "labels"> & { entrypoint?: string }, opts?: pulumi.ComponentResourceOptions): SniRoute {
        for (const host of [...(args.host ? [args.host] : []), ...(args.hosts ?? [])]) {
            const owner = this.sniHosts.get(host);
            check(owner === undefined, `${name}.host`, `SNI host "${host}" is already routed by "${owner}"; each host may have one route`);
        }
        const route = new SniRoute(
            name,
            { ...args, entrypoint: args.entrypoint ?? this.entrypoints.dask, labels: this.routeLabels },
            { parent: this, dependsOn: this.crdResources, ...opts },
        );
        route.hosts.forEach((h) => this.sniHosts.set(h, name));
        return route;
    }
}
