import { check } from "../common/errors";
import { BUILT_ROLES, BuiltRole, builtImage, DEFAULT_REGISTRY, UPSTREAM_IMAGES } from "./catalog";
import { requireImageReference, requireRegistryPrefix } from "./reference";

/** Every image a facility runs, by role: the three it builds, then the upstream ones. */
export const IMAGE_ROLES = [...BUILT_ROLES, ...(Object.keys(UPSTREAM_IMAGES) as (keyof typeof UPSTREAM_IMAGES)[])] as const;
/** One of {@link IMAGE_ROLES}. */
export type ImageRole = BuiltRole | keyof typeof UPSTREAM_IMAGES;

/** The full image reference of every role. */
export type ResolvedImages = Record<ImageRole, string>;

/**
 * Which images a facility runs. Each role takes a full reference (`registry.example.edu/x/hub:1`,
 * optionally with `@sha256:<digest>`); `registry` moves the three images this project builds
 * (hub, notebook, worker) to a site's registry or mirror, keeping their names and tag.
 */
export interface FacilityImagesArgs {
    /** Registry and path prefix of the three built images: `<registry>/<role>:<package version>`. Default `DEFAULT_REGISTRY`. */
    registry?: string;
    /** The hub and the Dask access service. Default the project's hub image, `<registry>/hub:<version>`. */
    hub?: string;
    /** User servers of profiles that name no image. Default the project's notebook image, `<registry>/notebook:<version>`. */
    notebook?: string;
    /** Dask Gateway clusters' schedulers and workers (a gateway's `cluster.image` wins), and container-universe HTCondor batch workers that name no image (`universe: container`). Default the project's worker image, `<registry>/worker:<version>`. */
    worker?: string;
    /** configurable-http-proxy. Default the pinned `UPSTREAM_IMAGES.proxy`. */
    proxy?: string;
    /** Traefik (the front door). Default the pinned `UPSTREAM_IMAGES.traefik`. */
    traefik?: string;
    /** dask-gateway-server: each gateway's API server and controller. Default the pinned `UPSTREAM_IMAGES.gatewayServer`. */
    gatewayServer?: string;
    /** HTCondor central manager of in-cluster pools. Default the pinned `UPSTREAM_IMAGES.htcondorCm`. */
    htcondorCm?: string;
    /** HTCondor access point of in-cluster pools. Default the pinned `UPSTREAM_IMAGES.htcondorSubmit`. */
    htcondorSubmit?: string;
    /** HTCondor execute nodes of in-cluster pools. Default the pinned `UPSTREAM_IMAGES.htcondorExecute`. */
    htcondorExecute?: string;
    /** The init step that installs HTCondor tokens in notebooks (needs `sh` and `install`). Default the pinned `UPSTREAM_IMAGES.busybox`. */
    busybox?: string;
    /** Prometheus (monitoring). Default the pinned `UPSTREAM_IMAGES.prometheus`. */
    prometheus?: string;
}

/** The catalogue's images: the built ones under `registry`, the upstream ones as pinned. */
export function defaultImages(registry: string = DEFAULT_REGISTRY): ResolvedImages {
    const built = Object.fromEntries(BUILT_ROLES.map((role) => [role, builtImage(role, registry)])) as Record<BuiltRole, string>;
    return { ...built, ...UPSTREAM_IMAGES };
}

/**
 * Every role's image: an override where given, else the catalogue's default (the built images
 * under `registry`). Each reference is checked against the OCI reference grammar; a bad one,
 * or a key that is no role, is refused naming `<path>.<key>`. Pure: declares nothing.
 */
export function resolveImages(args: FacilityImagesArgs | undefined, path = "images"): ResolvedImages {
    if (args === undefined) return defaultImages();
    check(args !== null && typeof args === "object" && !Array.isArray(args), path, `must be a mapping of ${["registry", ...IMAGE_ROLES].join(", ")}`);
    const known = ["registry", ...IMAGE_ROLES] as string[];
    for (const key of Object.keys(args)) {
        check(known.includes(key), `${path}.${key}`, `is not an image role; use one of ${known.map((k) => `"${k}"`).join(", ")}`);
    }
    if (args.registry !== undefined) requireRegistryPrefix(args.registry, `${path}.registry`);
    const images = defaultImages(args.registry ?? DEFAULT_REGISTRY);
    for (const role of IMAGE_ROLES) {
        const given = args[role];
        if (given !== undefined) {
            requireImageReference(given, `${path}.${role}`);
            images[role] = given;
        }
    }
    return images;
}
