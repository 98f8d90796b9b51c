import type { ScraperRef } from "../common/metrics";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import type { DaskVersions } from "../images";
import type { daskAccessKeptSecrets } from "./access-plan";

/** One group the Dask access service serves. */
export interface DaskAccessGroupArgs {
    /** Group name: the JupyterHub group whose members get this group's bundle. Required. */
    name: string;
    /** The group namespace (its CA Secret, its certificate records, its dashboards' middlewares). Required. */
    namespace: string;
    /** The group's users run their own notebook schedulers (`<user>.dask.<domain>`), so bundles carry a certificate from the group CA. Default false. */
    sessions?: boolean;
    /** The group CA Secret (kubernetes.io/tls: tls.crt, tls.key, ca.crt). Default `hepaf-group-ca-keypair`. */
    caSecretName?: string;
    /** The group's Dask Gateway: bundles carry its addresses, its cluster dashboards are signed in here. Default none. */
    gateway?: {
        /** Its API, `https://<domain>/services/dask-gateway-<group>`. Required. */
        address: string;
        /** Its Dask address, `gateway://<domain>:<daskPort>`. Required. */
        proxyAddress: string;
    };
}

/** The hub the service signs users in with (the shape `JupyterHub.serviceRef(name)` returns). */
export interface DaskAccessHubRef {
    /** The service's name in the hub; must equal the service's `serviceName`. Required. */
    serviceName: string;
    /** The service's API token (also its OAuth client secret); a Pulumi secret. Default none: the service's Secret (token and cookie secret, see {@link daskAccessKeptSecrets}) is made in the cluster, by the hub's keeper. */
    apiToken?: pulumi.Input<string>;
    /** The hub API as seen from the facility namespace (`http://<hub>.<ns>.svc.cluster.local:8081/hub/api`). Required. */
    hubApiUrl: string;
}

/** The facility's Traefik, as the service needs it. */
export interface DaskAccessTraefikRef {
    /** Namespace Traefik runs in (the only caller of the service). Required. */
    namespace: string;
    /** Entrypoint names; the service and the dashboards are served on `websecure`. Required. */
    entrypoints: { websecure: string };
    /** Labels Traefik's provider selects routes and middlewares by. Required (may be empty). */
    routeLabels: Record<string, string>;
    /** Resources the routes wait for (the CRDs). Default none. */
    crdResources?: pulumi.Input<pulumi.Resource[]>;
}

/**
 * The Dask access service of a facility: users signed in with the hub download, for their own
 * group, a bundle to use Dask from a laptop (a short-lived client certificate from the group CA,
 * the group CA, Dask config and the addresses), and their dashboards are reachable through the
 * front door behind a sign-in with the hub.
 */
export interface DaskAccessArgs {
    /** Facility name (object names `<facility>-dask-access`). Required. */
    facility: string;
    /** Namespace the service runs in (the hub's). Required. */
    namespace: string;
    /** The facility's public host name. Required. */
    domain: string;
    /** The public Dask port (Traefik's Dask entrypoint). Default 8786. */
    daskPort?: number;
    /** The hub service name, and the public path `/services/<serviceName>/`. Default `dask`. */
    serviceName?: string;
    /** Groups served. Required, at least one. */
    groups: DaskAccessGroupArgs[];
    /** Validity of the certificates in bundles, in days. Default 7. */
    certificateValidityDays?: number;
    /** Bundles one user may download per group in any 24 hours. Default 10. */
    mintsPerDay?: number;
    /** ConfigMap in `namespace` with the facility root CA (`ca.crt`), shipped in bundles for HTTPS to the hub and gateways. Default `hepaf-root-ca`; `false` for none (a publicly trusted certificate). */
    rootCaConfigMap?: string | false;
    /** A Secret in `namespace` whose `ca.crt` is the facility root (cert-manager keeps its root there); only `ca.crt` is mounted. Wins over `rootCaConfigMap`. Default none. */
    rootCaSecret?: string;
    /** What declares that ConfigMap (e.g. the root CA's `trustBundle`): the service waits for it, by name, not by its outputs. Default none. */
    rootCaResource?: pulumi.Resource;
    /** The hub the service signs users in with (`hub.serviceRef(serviceName)`). Required. */
    hub: DaskAccessHubRef;
    /** The facility's Traefik. Required. */
    traefik: DaskAccessTraefikRef;
    /**
     * The Dask a laptop's client needs (Python minor and the packages Dask compares), which each
     * bundle's README names with a `pip install` line. Default the facility's images'
     * `DASK_VERSIONS` (`components/images`), which its schedulers and workers run.
     */
    daskVersions?: DaskVersions;
    /** Image of the service: one with JupyterHub (its service auth), kubernetes_asyncio, cryptography and PyYAML. Default the project's hub image, `builtImage("hub")` (`<DEFAULT_REGISTRY>/hub:<HEPAF_VERSION>`). */
    image?: string;
    /** Container resources. Default requests 50m/128Mi, limits 500m/256Mi. */
    resources?: k8s.types.input.core.v1.ResourceRequirements;
    /** The Prometheus that scrapes the service's `metrics` port: only its pods may reach it. Default none (nobody may). */
    scraper?: ScraperRef;
}
