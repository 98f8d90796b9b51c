import * as pulumi from "@pulumi/pulumi";
import { DaskGatewayArgs } from "../dask-gateway";
import { ExternalPoolArgs, HTCondorWorkerArgs, InClusterPoolArgs } from "../htcondor";
import { HubGroupArgs, JupyterHubArgs } from "../jupyterhub";
import { AdaptiveArgs, DedicatedWorkerArgs, SessionClusterKind } from "../notebook-dask";
import type { FacilityImagesArgs } from "../images";
import type { MonitoringArgs } from "../monitoring";
import { CertificateAuthorityArgs, PkiArgs } from "../pki";
import type { HttpsArgs } from "../https";
import { TraefikArgs } from "../traefik";

/**
 * The hub settings a site chooses; the facility fills in namespace, domain, Traefik, groups and
 * services, and the notebook image from `images.notebook`. `hubImage` and `proxyImage`, when
 * given, win over `images.hub` and `images.proxy`.
 */
export type FacilityHubArgs = Omit<
    JupyterHubArgs,
    "facility" | "namespace" | "createNamespace" | "createGroupNamespaces" | "domain" | "traefik" | "groups" | "services" | "daskSessions" | "htcondorSessions" | "notebookImage"
>;

/** The gateway settings of a group; the facility fills in hub, Traefik, namespace and domain. */
export type FacilityGatewayArgs = Pick<DaskGatewayArgs, "image" | "version" | "cluster" | "limits" | "options" | "limitRange" | "resources" | "extraEgress">;

/** An HTCondor pool the facility submits to: external (a site's pool) or in-cluster (deployed in the facility namespace). The facility gives it its groups and, for container-universe workers without an image, `images.worker`. */
export type FacilityPoolArgs = Omit<ExternalPoolArgs, "facility" | "groups" | "workerImage"> | Omit<InClusterPoolArgs, "facility" | "groups" | "namespace" | "workerImage">;

/** A group's use of an HTCondor pool: its users submit Dask workers there from their notebooks. */
export interface GroupHTCondorArgs {
    /** Name of a pool in `htcondor.pools`. Required. */
    pool: string;
    /** HTCondor accounting group of the group's jobs. Default none (required when the pool requires one). */
    accountingGroup?: string;
    /** The group's IDTOKEN when the pool's tokens are `provided` (a Pulumi secret). Default none. */
    token?: pulumi.Input<string>;
    /** What each Dask worker job asks for and where it runs (`universe: container` without an `image`: the facility's `images.worker`). Default 1 core, 4096 MiB memory and disk, the vanilla universe. */
    worker?: HTCondorWorkerArgs;
}

/** The Dask a group's sessions get by default: `hepaf_dask.cluster()` and dask-labextension's "new cluster". */
export interface GroupDaskArgs {
    /** `htcondor` (scheduler in the notebook, workers on the group's pool) or `gateway` (the group's Dask Gateway). Default `htcondor` when the group has `htcondor`, else `gateway`. */
    cluster?: SessionClusterKind;
    /** Adaptive scaling per user: `adapt()`'s defaults and the limits a larger request is clipped to; the group's gateway gets the same worker and core limits unless its own are given. Default: minimum 0, maximum the gateway's `maxWorkers` or 10, no core limit, workers removed after 60 s idle. */
    adaptive?: AdaptiveArgs;
    /** The dedicated worker in the notebook pod (HTCondor sessions). Default one core, half the smallest profile's memory guarantee (or 2 GiB). */
    dedicatedWorker?: DedicatedWorkerArgs;
}

/** One research group (CMS, ATLAS, open data, ...). */
export interface GroupArgs {
    /** Group name, a DNS label; its namespace is `<facility>-<name>`. Required. */
    name: string;
    /** Who belongs: values of the identity provider's groups claim, and/or usernames. Default: nobody but admins. */
    members?: HubGroupArgs["members"];
    /** Notebook profiles offered to members; a profile without `image` gets `images.notebook`. Default one profile, "default", with that image. */
    profiles?: HubGroupArgs["profiles"];
    /** Extra environment for members' servers. Default none. */
    env?: HubGroupArgs["env"];
    /** The group's Dask Gateway. Default: a gateway with dask-gateway's defaults. */
    gateway?: FacilityGatewayArgs;
    /** ResourceQuota of the group namespace. Default 200 CPU, 800 GiB, 500 pods. */
    quota?: DaskGatewayArgs["quota"];
    /** Dask workers on an HTCondor pool from every notebook of the group. Default none. */
    htcondor?: GroupHTCondorArgs;
    /** The default Dask of the group's sessions. Default: see {@link GroupDaskArgs}. */
    dask?: GroupDaskArgs;
}

/** Users' Dask from outside the cluster: the Dask access service (bundles for laptops, dashboards signed in with the hub). */
export interface FacilityDaskAccessArgs {
    /** Run it. Off: no bundles, no session dashboards through the front door, gateway dashboards on dask-gateway's own prefix without sign-in. Default true. */
    enabled?: boolean;
    /** Validity of the client certificates in bundles, in days. Default 7. */
    certificateValidityDays?: number;
    /** Bundles with a certificate one user may download per group in any 24 hours. Default 10. */
    mintsPerDay?: number;
    /** Image of the service. Default the facility's hub image (`images.hub`: the project's hub image unless overridden). */
    image?: string;
}

/** One typed description of a site. */
export interface AnalysisFacilityArgs {
    /** Public DNS name: hub at `https://<domain>`, Dask at `<domain>:<daskPort>`. Required. */
    domain: string;
    /** The facility root CA: generated (default) or imported; with `pki.mode` cert-manager, its subject, key and validity only. */
    ca?: CertificateAuthorityArgs;
    /** Where the facility root, the group CAs and the edge certificate are made: `generated` by Pulumi (default; keys in state) or by the site's `cert-manager` in the cluster (keys never leave it; renewed before expiry). */
    pki?: PkiArgs;
    /** Where the hub's HTTPS certificate comes from: `generated` by the facility root (default), a `secret` the site keeps, or `acme` through cert-manager. */
    https?: HttpsArgs;
    /** The front door; everything but `namespace` and `watchNamespaces`, which the facility sets. Default: install, LoadBalancer, Dask on 8786. */
    traefik?: Omit<TraefikArgs, "namespace" | "watchNamespaces" | "createNamespace">;
    /** HTCondor pools by name (DNS labels); groups refer to them. Default none. */
    htcondor?: {
        /** The pools, by name. */
        pools: Record<string, FacilityPoolArgs>;
    };
    /** JupyterHub: login, admins, culler, storage. Required. */
    hub: FacilityHubArgs;
    /** The groups; each gets a namespace, its own CA, hub profiles and a Dask Gateway. Required, at least one. */
    groups: GroupArgs[];
    /** Users' Dask from laptops and dashboards through the front door. Default on, certificates valid 7 days. */
    daskAccess?: FacilityDaskAccessArgs;
    /** Images of every part: a registry for the three built images, and a full reference per role. An image a part's own args name (a profile's, a gateway's, `hub.hubImage`, `traefik.image`, a pool's) wins. Default the image catalogue: the built images under `DEFAULT_REGISTRY`, the pinned upstream ones. */
    images?: FacilityImagesArgs;
    /** Metrics and alerts: `mode` `none` (default: every part publishes metrics, nothing scrapes them), `operator` (ServiceMonitors and a PrometheusRule for the site's Prometheus Operator) or `prometheus` (a small Prometheus of the facility's own). Default `{ mode: "none" }`. */
    monitoring?: MonitoringArgs;
    /** A large site's micro-stacks: each group's own parts (its CA, session defaults and gateway: `GroupParts`) are declared by a stack of the group's own (`FacilityGroupParts`) from this component's `groupParts` output, not here; its namespace, profiles and shared parts stay here. Default false: one stack declares everything. */
    groupStacks?: boolean;
}
