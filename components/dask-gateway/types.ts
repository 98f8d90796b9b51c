import type { ScraperRef } from "../common/metrics";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { GatewayRoles } from "./roles";
import type { gatewayHubTokenSecret } from "./gateway";

/**
 * What a group's gateway needs from JupyterHub: the shape `JupyterHub.serviceRef(group)` returns.
 */
export interface HubServiceRef {
    /** JupyterHub service name of this gateway; must equal `gatewayServiceName(group)`. Required. */
    serviceName: string;
    /** The service's API token; a Pulumi secret. Default none: the token's Secret (`dask-gateway-hub`, see {@link gatewayHubTokenSecret}) is made in the cluster, by the hub's keeper. */
    apiToken?: pulumi.Input<string>;
    /** The hub's API URL as seen from the group namespace, e.g. `http://hub.af.svc.cluster.local:8081/hub/api`. Required. */
    hubApiUrl: pulumi.Input<string>;
}

/** What a gateway needs from the facility's Traefik (a `Traefik` instance fits). */
export interface TraefikRef {
    /** Namespace Traefik runs in (allowed to reach the schedulers). Required. */
    namespace: string;
    /** Entrypoint names: `websecure` carries dashboards and the API, `dask` the SNI-routed Dask TCP. Required. */
    entrypoints: {
        /** The plain HTTP entrypoint. */
        web: string;
        /** The HTTPS entrypoint of the API and dashboards. */
        websecure: string;
        /** The TCP entrypoint of the SNI-routed Dask connections. */
        dask: string;
    };
    /** Labels Traefik's provider selects on; put on every route, including the ones the controller creates. Required (may be empty). */
    routeLabels: Record<string, string>;
    /** Port of the shared Dask entrypoint. Required. */
    daskPort: number;
    /** Traefik's CRDs, waited for before routes and middlewares. Default: nothing to wait for. */
    crdResources?: pulumi.Input<pulumi.Resource[]>;
}

/** Size of one Dask process (scheduler or worker). */
export interface ProcessSize {
    /** CPU cores requested. Default 1. */
    cores?: number;
    /** CPU cores limit. Default equal to `cores`. */
    coresLimit?: number;
    /** Memory requested, GiB. Default 4 for workers, 2 for the scheduler. */
    memoryGiB?: number;
    /** Memory limit, GiB. Default equal to `memoryGiB`. */
    memoryLimitGiB?: number;
}

/** How the gateway's Dask clusters run (KubeClusterConfig). */
export interface ClusterArgs {
    /** Image of schedulers and workers. Default `options.images.default` (or its first choice) when images are offered, else the project's worker image, `builtImage("worker")` (`<DEFAULT_REGISTRY>/worker:<HEPAF_VERSION>`). */
    image?: string;
    /** Image pull policy. Default: Kubernetes' default. */
    imagePullPolicy?: "Always" | "IfNotPresent" | "Never";
    /** Scheduler size. Default 1 core, 2 GiB. */
    scheduler?: ProcessSize;
    /** Worker size (the default when users pick no option). Default 1 core, 4 GiB. */
    worker?: ProcessSize;
    /** Environment of schedulers and workers (no secrets: it is stored in a ConfigMap). Default none. */
    environment?: Record<string, string>;
    /** Merged into every worker pod's spec (e.g. nodeSelector, tolerations). Default none. */
    workerExtraPodConfig?: Record<string, unknown>;
    /** Merged into every scheduler pod's spec. Default none. */
    schedulerExtraPodConfig?: Record<string, unknown>;
}

/** Per-cluster limits (ClusterConfig). */
export interface GatewayLimits {
    /** Most workers per cluster. Default unlimited. */
    maxWorkers?: number;
    /** Most cores per cluster (scheduler and workers). Default unlimited. */
    maxCores?: number;
    /** Most memory per cluster, GiB. Default unlimited. */
    maxMemoryGiB?: number;
    /** Minutes before an idle cluster is shut down; 0 never. Default 60. */
    idleTimeoutMinutes?: number;
}

/** A numeric range users choose from. */
export interface RangeOption {
    /** Smallest value. Required. */
    min: number;
    /** Largest value. Required. */
    max: number;
    /** Value when the user chooses none. Default `min`. */
    default?: number;
}

/** Cluster options offered to the group's users. */
export interface GatewayOptions {
    /** Worker cores users may choose (whole cores). Default: not offered (the worker size applies). */
    workerCores?: RangeOption;
    /** Worker memory users may choose, GiB. Default: not offered. */
    workerMemoryGiB?: RangeOption;
    /** Images users may choose from. Default: not offered (the cluster image applies). */
    images?: {
        /** The images users may choose. Required, at least one. */
        choices: string[];
        /** The one offered first. Default the cluster image when it is a choice, else the first choice. */
        default?: string;
    };
}

/** The group namespace's ResourceQuota. */
export interface QuotaArgs {
    /** Total CPU requests and limits in the namespace. Default unlimited. */
    cpu?: number;
    /** Total memory requests and limits, GiB. Default unlimited. */
    memoryGiB?: number;
    /** Most pods. Default unlimited. */
    pods?: number;
}

/** The group namespace's LimitRange for containers. */
export interface LimitRangeArgs {
    /** Default CPU request of a container without one. Default 0.5. */
    defaultCpu?: number;
    /** Default memory request, GiB. Default 1. */
    defaultMemoryGiB?: number;
    /** Largest CPU limit of one container. Default the largest worker, scheduler or admitted container (`admit`). */
    maxCpu?: number;
    /** Largest memory limit of one container, GiB. Default the largest worker, scheduler or admitted container (`admit`). */
    maxMemoryGiB?: number;
}

/** The largest container of other software in the group namespace (e.g. the group's notebooks). */
export interface AdmittedContainer {
    /** Its CPU limit, cores. */
    cpu: number;
    /** Its memory limit, GiB. */
    memoryGiB: number;
    /** What it is, for error messages (e.g. "the largest notebook profile"). */
    what: string;
}

/** A Dask Gateway for one group of a facility. */
export interface DaskGatewayArgs {
    /** Facility name (namespaces are `<facility>-<group>`). Required. */
    facility: string;
    /** Group name, a DNS label. Required. */
    group: string;
    /** The facility's public host name (hub and Dask). Required. */
    domain: pulumi.Input<string>;
    /** The hub service this gateway authenticates through (`hub.serviceRef(group)`). Required. */
    hub: HubServiceRef;
    /** Namespace of the hub and its proxy (allowed to reach the gateway). Default the facility namespace. */
    hubNamespace?: string;
    /** JupyterHub group a user must be in to create clusters (besides the hub's service scope); `false` for no check. Default the group name. */
    hubGroup?: string | false;
    /** The facility's Traefik. Required. */
    traefik: TraefikRef;
    /** dask-gateway version (the server image's tag). Default the pinned `DASK_GATEWAY_VERSION` of the image catalogue. */
    version?: string;
    /** Image of the API server and controller. Default the catalogue's pinned dask-gateway-server image (`UPSTREAM_IMAGES.gatewayServer`), tagged `version` when one is given. */
    image?: string;
    /** How clusters run. Default: see {@link ClusterArgs}. */
    cluster?: ClusterArgs;
    /** Per-cluster limits. Default: idle timeout 60 minutes, otherwise unlimited. */
    limits?: GatewayLimits;
    /** Options users may choose. Default none. */
    options?: GatewayOptions;
    /** Namespace quota. Default: none declared. */
    quota?: QuotaArgs;
    /** Container limits in the namespace. Default: see {@link LimitRangeArgs}. */
    limitRange?: LimitRangeArgs;
    /** Other containers the namespace's LimitRange must admit (the facility gives the group's notebooks). Default none. */
    admit?: AdmittedContainer;
    /** Create the group namespace. Default true. */
    createNamespace?: boolean;
    /** Resources of the API server and controller containers. Default requests 100m/256Mi, limits 1 CPU/1Gi. */
    resources?: k8s.types.input.core.v1.ResourceRequirements;
    /** Further egress of schedulers and workers (e.g. to XRootD data servers). Default none: namespace-internal and DNS only. */
    extraEgress?: k8s.types.input.networking.v1.NetworkPolicyEgressRule[];
    /** The Prometheus that scrapes the clusters' schedulers (their dashboard's `/metrics`): only its pods may reach that port. Default none (nobody but the group, Traefik and the hub). */
    scraper?: ScraperRef;
    /** Where cluster dashboards are served and what stands in front of them. Default `<prefix>/clusters/<cluster>/` on the gateway's own prefix, with no sign-in (dask-gateway's own behaviour). */
    dashboards?: DashboardRouteArgs;
    /** The ClusterRoles its accounts bind (a facility declares them once for every gateway: `DaskClusterCrd.gatewayRoles`). Default: the gateway declares its own. */
    roles?: GatewayRoles;
}

/** The HTTPS routes of cluster dashboards (the ones the controller creates for each cluster). */
export interface DashboardRouteArgs {
    /** Public path prefix: a cluster's dashboard is at `<pathPrefix>/clusters/<namespace>.<cluster>/`. Required. */
    pathPrefix: string;
    /** Middlewares in the group namespace each dashboard route goes through first, in order (e.g. sign-in with the hub); the prefix is stripped after them. Required (may be empty). */
    middlewares: string[];
}
