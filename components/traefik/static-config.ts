import { stringify } from "yaml";
import { EntrypointNames, EntrypointSpec, METRICS_ENTRYPOINT, PING_ENTRYPOINT } from "./entrypoints";

/** What the static configuration (traefik.yml) is rendered from. */
export interface StaticConfigInput {
    /** Resolved entrypoints. */
    entrypoints: EntrypointSpec[];
    /** Names of web, websecure and dask. */
    names: EntrypointNames;
    /** Namespaces the kubernetescrd provider watches. */
    watchNamespaces: string[];
    /** Label selector the provider applies to every Traefik object it reads. */
    labelSelector: string;
    /** Log level. */
    logLevel: string;
    /** Traefik's `providers.providersThrottleDuration`, in milliseconds. */
    providersThrottleMs: number;
    /** Each entrypoint's `transport.lifeCycle.requestAcceptGraceTimeout`, in seconds. */
    acceptGraceSeconds: number;
    /** Each entrypoint's `transport.lifeCycle.graceTimeOut`, in seconds. */
    drainSeconds: number;
    /** Ingress class of ACME HTTP-01 solvers to serve (kubernetesingress provider). Default none. */
    acmeIngressClass?: string;
    /** Traefik's own namespace, the only one the kubernetesingress provider reads. Required with `acmeIngressClass`. */
    ownNamespace?: string;
}

/** The static configuration as data; `renderStaticConfig` serializes it. */
export function staticConfig(input: StaticConfigInput): Record<string, unknown> {
    const entryPoints: Record<string, unknown> = {};
    const websecure = input.entrypoints.find((e) => e.name === input.names.websecure)!;
    for (const ep of input.entrypoints) {
        const entry: Record<string, unknown> = {
            address: `:${ep.containerPort}${ep.tcp ? "/tcp" : ""}`,
            // Stopping: keep accepting while the endpoint leaves the Service (ping answers 503
            // meanwhile), then let open connections end, then close them.
            transport: { lifeCycle: { requestAcceptGraceTimeout: `${input.acceptGraceSeconds}s`, graceTimeOut: `${input.drainSeconds}s` } },
        };
        if (ep.name === input.names.web) {
            // ACME challenge paths pass the redirect (Traefik >= 3.6.10), to the solver's Ingress.
            if (input.acmeIngressClass !== undefined) entry.allowACMEByPass = true;
            entry.http = {
                redirections: {
                    entryPoint: { to: `:${websecure.servicePort}`, scheme: "https", permanent: true },
                },
            };
        }
        if (ep.name === input.names.websecure) {
            entry.http = { tls: {} };
        }
        entryPoints[ep.name] = entry;
    }
    return {
        global: { checkNewVersion: false, sendAnonymousUsage: false },
        entryPoints,
        providers: {
            // After applying a change, Traefik holds later ones this long (and then applies the
            // newest): the most a new route waits behind the previous change.
            providersThrottleDuration: `${input.providersThrottleMs}ms`,
            kubernetesCRD: {
                namespaces: input.watchNamespaces,
                labelSelector: input.labelSelector,
                allowCrossNamespace: false,
                allowExternalNameServices: false,
                // A route whose Service has no ready endpoint (a gateway's API while it restarts,
                // a session's scheduler before its pod is Ready) stays, and answers 503 (or, for
                // TCP, closes the connection). Dropped, it would let a request fall through to
                // the hub's catch-all route: a gateway client's stop got the hub's 403 during an
                // API restart, and its cluster stayed.
                allowEmptyServices: true,
                // No cluster-wide reads (nodes, for NodePortLB services only): Roles suffice.
                disableClusterScopeResources: true,
            },
            ...(input.acmeIngressClass !== undefined
                ? {
                      // By annotation, not IngressClass: no cluster-wide reads.
                      kubernetesIngress: {
                          namespaces: [input.ownNamespace],
                          labelSelector: input.labelSelector,
                          ingressClass: input.acmeIngressClass,
                          allowExternalNameServices: false,
                          disableClusterScopeResources: true,
                      },
                  }
                : {}),
        },
        ping: { entryPoint: PING_ENTRYPOINT.name },
        metrics: { prometheus: { entryPoint: METRICS_ENTRYPOINT.name } },
        api: { dashboard: false },
        log: { level: input.logLevel, format: "json" },
        accessLog: {},
    };
}

/** Renders traefik.yml with a YAML serializer. */
export function renderStaticConfig(input: StaticConfigInput): string {
    return stringify(staticConfig(input));
}
