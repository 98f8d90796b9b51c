import { check, requireDnsLabel, requirePort } from "../common";

/** Names of the entrypoints routes attach to. */
export interface EntrypointNames {
    /** Plain HTTP; redirects to `websecure`. Default `web`. */
    web: string;
    /** HTTPS. Default `websecure`. */
    websecure: string;
    /** The one TCP entrypoint every Dask connection arrives on, routed by SNI. Default `dask`. */
    dask: string;
}

/** One listening entrypoint of an installed Traefik. */
export interface EntrypointSpec {
    /** Entrypoint name. */
    name: string;
    /** Port Traefik listens on inside the pod. */
    containerPort: number;
    /** Port the Service exposes, or undefined for pod-internal entrypoints (ping, metrics). */
    servicePort?: number;
    /** Whether the entrypoint carries raw TCP (`/tcp` address suffix). */
    tcp: boolean;
}

/** Entrypoint defaults. */
export const DEFAULT_ENTRYPOINTS: EntrypointNames = { web: "web", websecure: "websecure", dask: "dask" };
/**
 * Ports Traefik listens on inside its pod. All are unprivileged: the container runs as a
 * non-root user with every capability dropped, so it could not bind a port below 1024. The
 * Service maps each public port (80, 443, `daskPort`) to these.
 */
export const CONTAINER_PORTS = { web: 8000, websecure: 8443, dask: 8786 } as const;
/** Internal entrypoint for ping (probes). */
export const PING_ENTRYPOINT = { name: "traefik", port: 9000 };
/** Internal entrypoint for Prometheus metrics. */
export const METRICS_ENTRYPOINT = { name: "metrics", port: 9100 };

/** Public ports of an installed Traefik. */
export interface PortArgs {
    /** Service port of `web`. Default 80. */
    webPort?: number;
    /** Service port of `websecure`. Default 443. */
    websecurePort?: number;
    /** Service port of the Dask entrypoint (Traefik itself listens on 8786 in the pod). Default 8786. */
    daskPort?: number;
}

/** Resolves names and ports into entrypoint specs, refusing bad names and shared ports. */
export function resolveEntrypoints(names: EntrypointNames, ports: PortArgs, argument: string): EntrypointSpec[] {
    for (const [key, value] of Object.entries(names)) {
        requireDnsLabel(value, `${argument}.entrypointNames.${key}`);
    }
    const webPort = ports.webPort ?? 80;
    const websecurePort = ports.websecurePort ?? 443;
    const daskPort = ports.daskPort ?? 8786;
    requirePort(webPort, `${argument}.webPort`);
    requirePort(websecurePort, `${argument}.websecurePort`);
    requirePort(daskPort, `${argument}.daskPort`);
    const specs: EntrypointSpec[] = [
        { name: names.web, containerPort: CONTAINER_PORTS.web, servicePort: webPort, tcp: false },
        { name: names.websecure, containerPort: CONTAINER_PORTS.websecure, servicePort: websecurePort, tcp: false },
        { name: names.dask, containerPort: CONTAINER_PORTS.dask, servicePort: daskPort, tcp: true },
        { name: PING_ENTRYPOINT.name, containerPort: PING_ENTRYPOINT.port, tcp: false },
        { name: METRICS_ENTRYPOINT.name, containerPort: METRICS_ENTRYPOINT.port, tcp: false },
    ];
    const argFor = (spec: EntrypointSpec) =>
        spec.name === names.dask ? `${argument}.daskPort` : spec.name === names.web ? `${argument}.webPort` : `${argument}.websecurePort`;
    const names_ = new Map<string, EntrypointSpec>();
    const containerPorts = new Map<number, EntrypointSpec>();
    const servicePorts = new Map<number, EntrypointSpec>();
    for (const spec of specs) {
        const sameName = names_.get(spec.name);
        check(!sameName, `${argument}.entrypointNames`, `entrypoint name "${spec.name}" is used twice`);
        names_.set(spec.name, spec);
        const other = containerPorts.get(spec.containerPort);
        check(
            !other,
            argFor(spec),
            `entrypoints "${other?.name}" and "${spec.name}" would both listen on port ${spec.containerPort}; give each entrypoint its own port`,
        );
        containerPorts.set(spec.containerPort, spec);
        if (spec.servicePort !== undefined) {
            const otherPublic = servicePorts.get(spec.servicePort);
            check(
                !otherPublic,
                argFor(spec),
                `entrypoints "${otherPublic?.name}" and "${spec.name}" would both be exposed on port ${spec.servicePort}; give each entrypoint its own port`,
            );
            servicePorts.set(spec.servicePort, spec);
        }
    }
    return specs;
}
