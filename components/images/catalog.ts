/**
 * Every image the facility deploys, in one place: the three images this project builds
 * (`images/` at the top of the repository: hub, notebook, worker), named
 * `<registry>/<role>:<package version>`, and the upstream images it takes as they are,
 * pinned. Components read their defaults from here and nowhere else.
 */

/** The version of this package; the tag of the images it builds (a unit test holds it to package.json). */
export const HEPAF_VERSION = "0.1.0";

/** Where the project's own images are published (the release workflow pushes there). */
export const DEFAULT_REGISTRY = "ghcr.io/hepaf";

/** The images this project builds (`images/<role>/Containerfile`). */
export const BUILT_ROLES = ["hub", "notebook", "worker"] as const;
/** One of the images this project builds. */
export type BuiltRole = (typeof BUILT_ROLES)[number];

/** The reference of a built image: `<registry>/<role>:<version>`. */
export function builtImage(role: BuiltRole, registry: string = DEFAULT_REGISTRY, version: string = HEPAF_VERSION): string {
    return `${registry.replace(/\/+$/, "")}/${role}:${version}`;
}

/** Pinned Traefik version (image tag and CRD release). */
export const TRAEFIK_VERSION = "v3.6.12";
/** Pinned configurable-http-proxy version (image tag; the npm package of the same version runs in it). */
export const PROXY_VERSION = "5.3.0";
/** Pinned dask-gateway version (server image, and the client package in the built images). */
export const DASK_GATEWAY_VERSION = "2026.3.0";
/** Pinned tag of the official HTCondor images (`htcondor/cm`, `htcondor/submit`, `htcondor/execute`). */
export const HTCONDOR_IMAGE_TAG = "25.0.1-el9";
/** Pinned busybox version (the init step that installs tokens with mode 0600). */
export const BUSYBOX_VERSION = "1.37.0";
/** Pinned Prometheus release (image tag; the Go module `github.com/prometheus/prometheus` v0.316.0 is this release). */
export const PROMETHEUS_VERSION = "v3.16.0";

/** The upstream images the facility runs as they are, pinned. */
export const UPSTREAM_IMAGES = {
    /** Traefik, the front door. */
    traefik: `docker.io/library/traefik:${TRAEFIK_VERSION}`,
    /** configurable-http-proxy, the hub's proxy. */
    proxy: `quay.io/jupyterhub/configurable-http-proxy:${PROXY_VERSION}`,
    /** dask-gateway-server (API and controller of each group's gateway). */
    gatewayServer: `ghcr.io/dask/dask-gateway-server:${DASK_GATEWAY_VERSION}`,
    /** HTCondor central manager of an in-cluster pool. */
    htcondorCm: `docker.io/htcondor/cm:${HTCONDOR_IMAGE_TAG}`,
    /** HTCondor access point of an in-cluster pool. */
    htcondorSubmit: `docker.io/htcondor/submit:${HTCONDOR_IMAGE_TAG}`,
    /** HTCondor execute node of an in-cluster pool. */
    htcondorExecute: `docker.io/htcondor/execute:${HTCONDOR_IMAGE_TAG}`,
    /** busybox: `sh` and `install` for init steps. */
    busybox: `docker.io/library/busybox:${BUSYBOX_VERSION}`,
    /** Prometheus, the facility's monitoring (scrapes the front door, the hub, the gateways and the exporter; evaluates the alert rules). */
    prometheus: `quay.io/prometheus/prometheus:${PROMETHEUS_VERSION}`,
} as const;

/**
 * Repository of cert-manager's HTTP-01 solver image. The site's cert-manager runs it, not the
 * facility; its tag is the cert-manager release (`CERT_MANAGER_SOLVER_IMAGE` in components/https).
 */
export const CERT_MANAGER_SOLVER_REPOSITORY = "quay.io/jetstack/cert-manager-acmesolver";
