import type { ScraperRef } from "../common/metrics";
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import type { DaskSessionSettings } from "../dask-sessions";
import type { KeptSecrets, SecretsMadeBy } from "../kept-secrets";
import type { serviceTokenValueId } from "./secret-names";
import { builtImage, UPSTREAM_IMAGES } from "../images";

/** Login through any OAuth2 / OpenID Connect provider (CILogon, experiment SSO, Keycloak, ...). */
export interface GenericOAuthLogin {
    type: "generic-oauth";
    /** OIDC issuer; the hub reads `<issuer>/.well-known/openid-configuration` at start for any URL not given. Default none (then all three URLs are required). */
    issuer?: string;
    /** Authorization endpoint. Default: from the issuer's discovery document. */
    authorizeUrl?: string;
    /** Token endpoint. Default: from the issuer's discovery document. */
    tokenUrl?: string;
    /** Userinfo endpoint. Default: from the issuer's discovery document. */
    userdataUrl?: string;
    /** OAuth client id. Required. */
    clientId: pulumi.Input<string>;
    /** OAuth client secret; kept in a Secret only. Required, unless the hub's secrets are made in the cluster (`secrets.madeBy: cluster`: then it is the site's Secret's, and refused here). */
    clientSecret?: pulumi.Input<string>;
    /** Scopes requested (CILogon needs `org.cilogon.userinfo` for `isMemberOf`). Default `["openid", "email", "profile"]`. */
    scopes?: string[];
    /** Userinfo claim that becomes the JupyterHub user name. Default `email`. */
    usernameClaim?: string;
    /** Userinfo claim holding the user's groups (a list, or a string). Default `groups`. */
    groupsClaim?: string;
    /** Text of the login button ("Login with ..."). Default `OAuth 2.0`. */
    loginService?: string;
}

/** Login with GitHub. Group membership comes from the user's teams, named `<org>:<team-slug>`. */
export interface GitHubLogin {
    type: "github";
    /** OAuth app client id. Required. */
    clientId: pulumi.Input<string>;
    /** OAuth app client secret; kept in a Secret only. Required, unless the hub's secrets are made in the cluster (`secrets.madeBy: cluster`: then it is the site's Secret's, and refused here). */
    clientSecret?: pulumi.Input<string>;
    /** Organizations (or `org:team`) whose members may log in. Default none. */
    allowedOrganizations?: string[];
}

/** Development login: any user name, one shared password (or none). Refused unless `allowDummy` is true. */
export interface DummyLogin {
    type: "dummy";
    /** Shared password; kept in a Secret only. Default none (any password). */
    password?: pulumi.Input<string>;
}

/** How users log in. */
export type LoginArgs = GenericOAuthLogin | GitHubLogin | DummyLogin;

/** One server profile a group's members may choose. */
export interface ProfileArgs {
    /** Profile name, a DNS label, unique within the group; the slug is `<group>-<name>`. Required. */
    name: string;
    /** Name shown on the spawn page. Default `<group>: <name>`. */
    displayName?: string;
    /** Description shown on the spawn page. Default none. */
    description?: string;
    /** Container image of the user server. Default the hub's `notebookImage` (the project's notebook image unless the hub says otherwise). */
    image?: string;
    /** Command of the user server (KubeSpawner's `cmd`), e.g. `["start-singleuser.sh"]`. Default the hub's `notebookCmd`. */
    cmd?: string[];
    /** CPU guarantee, a Kubernetes quantity such as `500m` or `2`. Default none. */
    cpuGuarantee?: string;
    /** CPU limit, a Kubernetes quantity. Default none. */
    cpuLimit?: string;
    /** Memory guarantee, a Kubernetes quantity such as `2Gi`. Default none. */
    memoryGuarantee?: string;
    /** Memory limit, a Kubernetes quantity. Default none. */
    memoryLimit?: string;
    /** NVIDIA GPUs (`nvidia.com/gpu`). Default 0. */
    gpus?: number;
    /** Node selector of the user pod. Default none. */
    nodeSelector?: Record<string, string>;
    /** Pre-selected profile of its group. Default: the group's first profile. */
    default?: boolean;
}

/** A group of users (an experiment): its namespace is `<facility>-<group>`. */
/** Pod parts added to every server of a group (e.g. the HTCondor client config and token). Nothing secret: Secrets are referenced by name. */
export interface GroupPodArgs {
    /** Extra volumes. Default none. */
    volumes?: k8s.types.input.core.v1.Volume[];
    /** Extra volume mounts of the notebook container. Default none. */
    volumeMounts?: k8s.types.input.core.v1.VolumeMount[];
    /** Init containers (e.g. installing tokens with mode 0600). Default none. */
    initContainers?: k8s.types.input.core.v1.Container[];
    /** Plain environment variables. Default none. */
    env?: Record<string, string>;
}

export interface HubGroupArgs {
    /** Group name, a DNS label; also the JupyterHub group name. Required. */
    name: string;
    /** Who belongs: values of the login's groups claim (or GitHub `org:team`), and/or user names. Default none. */
    members?: {
        /** Values of the identity provider's groups claim that make a user a member. Default none. */
        claimValues?: string[];
        /** Usernames that are members whatever their claims. Default none. */
        users?: string[];
    };
    /** Server profiles offered to members only. Required: at least one here or in `sharedProfiles`. */
    profiles: ProfileArgs[];
    /** Environment of the group's user servers (Dask Gateway addresses, dask-labextension settings); kept in a Secret. Default none. */
    env?: Record<string, pulumi.Input<string>>;
    /** Pod parts added to the group's servers. Default none. */
    pod?: GroupPodArgs;
}

/** Per-user storage: a PVC per user in the group namespace, or none. */
export interface StorageArgs {
    /** `dynamic` (a PVC per user) or `none`. Default `dynamic`. */
    type?: "dynamic" | "none";
    /** Storage class. Default the cluster's default class. */
    storageClass?: string;
    /** Size, a Kubernetes quantity. Default `10Gi`. */
    capacity?: string;
    /** Mount path in the user server. Default `/home/jovyan`. */
    mountPath?: string;
}

/** A hub service registered with JupyterHub (e.g. a group's Dask Gateway). */
export interface HubServiceArgs {
    /** Service name (`dask-gateway-<group>`), a DNS label. Required. */
    name: string;
    /** URL the hub proxies `/services/<name>/` to. Default none (API-only service). */
    url?: string;
    /** Group whose members alone may access the service. Default none (no access role). */
    group?: string;
    /** Groups whose members alone may access the service (with `group`, the union). Default none. */
    groups?: string[];
    /** Skip the hub's "authorize access" page when a user signs in to the service (a service the facility runs itself). Default false. */
    skipConfirm?: boolean;
    /** Extra scopes the service's own token gets. Default none. */
    scopes?: string[];
    /** Show the service on the hub's services menu. Default true when `url` is set. */
    display?: boolean;
}

/** The idle culler (jupyterhub-idle-culler as a hub-managed service). */
export interface CullerArgs {
    /** Run it. Default true. */
    enabled?: boolean;
    /** Seconds of inactivity before a server is stopped. Default 3600. */
    timeoutSeconds?: number;
    /** Seconds between checks. Default 600. */
    everySeconds?: number;
    /** Seconds after which a server is stopped even if active; 0 for never. Default 0. */
    maxAgeSeconds?: number;
}

/** The Traefik the hub is exposed through (a `Traefik` instance fits). */
export interface HubTraefikArgs {
    /** Entrypoint names; the hub route uses `websecure`. Required. */
    entrypoints: {
        /** The HTTPS entrypoint the hub's route attaches to. */
        websecure: string;
        /** The plain HTTP entrypoint (not used by the hub's route). */
        web?: string;
        /** The Dask TCP entrypoint (not used by the hub's route). */
        dask?: string;
    };
    /** Labels Traefik's provider selects routes by. Required. */
    routeLabels: Record<string, string>;
    /** Namespace Traefik runs in (the proxy admits traffic from it). Required. */
    namespace: string;
    /** Resources the route waits for (the CRDs). Default none. */
    crdResources?: pulumi.Input<pulumi.Resource[]>;
}

/** The JupyterHub component's arguments. */
export interface JupyterHubArgs {
    /** Facility name: group namespaces are `<facility>-<group>`. Required. */
    facility: string;
    /** Namespace of the hub and proxy. Default the facility name. */
    namespace?: string;
    /** Create the hub namespace. Default false (the facility creates it). */
    createNamespace?: boolean;
    /** Create the group namespaces. Default false (the facility creates them). */
    createGroupNamespaces?: boolean;
    /** Public host name of the hub (`Host(...)` of the route). Required. */
    domain: string;
    /** Traefik to route through. Required. */
    traefik: HubTraefikArgs;
    /** How users log in. Required. */
    login: LoginArgs;
    /** Accept `login.type: "dummy"`; for development only. Default false. */
    allowDummy?: boolean;
    /** The groups, each with its own namespace and profiles. Required, at least one. */
    groups: HubGroupArgs[];
    /** Profiles offered to several groups (each listed group must exist). Default none. */
    sharedProfiles?: (ProfileArgs & {
        /** Names of the groups offered the profile. Required. */
        groups: string[];
    })[];
    /** User names allowed to log in besides the groups' members. Default none. */
    allowedUsers?: string[];
    /** JupyterHub admin user names. Default none. */
    admins?: string[];
    /** Hub services (e.g. the groups' Dask Gateways). Default none. */
    services?: HubServiceArgs[];
    /** Per-user storage. Default a 10Gi PVC per user at /home/jovyan. */
    storage?: StorageArgs;
    /** Idle culler. Default on, 1 h timeout, checked every 10 min. */
    culler?: CullerArgs;
    /** Servers allowed to be starting at once; 0 for no limit. Default 64. */
    concurrentSpawnLimit?: number;
    /** Named servers per user; 0 disables named servers. Default 0. */
    namedServerLimit?: number;
    /** Let the hub create and delete Services and `traefik.io` IngressRouteTCPs in group namespaces (notebook-owned Dask schedulers on HTCondor). Default false. */
    htcondorSessions?: boolean;
    /** Notebook-owned Dask schedulers on HTCondor: settings from `renderDaskSessionSettings`; the hub runs the dask-sessions hooks (spawn, stop, pod wiring) and gets its RBAC. Implies `htcondorSessions`. Default none. */
    daskSessions?: DaskSessionSettings;
    /** Allow user servers egress to any address (pip, data). Default true. */
    allowUserInternet?: boolean;
    /** Hub image. Default the project's hub image, {@link HUB_IMAGE} (`builtImage("hub")`: `<DEFAULT_REGISTRY>/hub:<HEPAF_VERSION>`). */
    hubImage?: string;
    /** configurable-http-proxy image. Default the catalogue's pinned {@link PROXY_IMAGE}. */
    proxyImage?: string;
    /** Image of user servers whose profile names none. Default the project's notebook image, {@link NOTEBOOK_IMAGE} (`builtImage("notebook")`). */
    notebookImage?: string;
    /** Command user servers start with (KubeSpawner's `cmd`; a profile's `cmd` wins). Default {@link NOTEBOOK_CMD}, `["jupyterhub-singleuser"]`, as zero-to-jupyterhub sets it. */
    notebookCmd?: string[];
    /** External database URL (e.g. `postgresql://...`); kept in a Secret. Default: sqlite on a PVC. */
    databaseUrl?: pulumi.Input<string>;
    /** Size of the sqlite PVC. Default `1Gi`. */
    databaseCapacity?: string;
    /** Storage class of the sqlite PVC. Default the cluster's default class. */
    databaseStorageClass?: string;
    /** Hub container resources. Default requests 200m/512Mi, limits 1 CPU/1Gi. */
    hubResources?: k8s.types.input.core.v1.ResourceRequirements;
    /** Proxy container resources. Default requests 100m/128Mi, limits 500m/256Mi. */
    proxyResources?: k8s.types.input.core.v1.ResourceRequirements;
    /** Seconds a user server may take to start. Default 300. */
    startTimeoutSeconds?: number;
    /** Seconds the hub waits, once a server's pod runs, for the server to answer HTTP (KubeSpawner's `http_timeout`): on a node where many servers start at once they queue for CPU, and a server later than this fails its spawn. Default 120. */
    httpTimeoutSeconds?: number;
    /** URL a user lands on after spawning. Default `/lab`. */
    defaultUrl?: string;
    /** The Prometheus that scrapes `/hub/metrics` and sessions' Dask dashboards: only its pods may reach those ports. Default none (nobody may). */
    scraper?: ScraperRef;
    /** Who makes the hub's secrets (cookie secret, crypt key, proxy token, services' tokens). Default `{ madeBy: "program" }`. */
    secrets?: HubSecretsArgs;
}

/** Who makes the hub's secrets, and where the site's own values are. */
export interface HubSecretsArgs {
    /**
     * `program`: random values of the program, kept in Pulumi state and written into the hub's
     * Secret (and a render). `cluster`: the hub's keeper makes them at its first start and keeps
     * them in Secrets; the program holds no secret value, so the site's own values come from
     * `siteSecret` and `login.clientSecret`, `login.password` and `databaseUrl` are refused.
     * Default `program`.
     */
    madeBy?: SecretsMadeBy;
    /** With `cluster`: a Secret the site keeps in the hub's namespace, with `client-secret` (the OAuth client secret; required unless the login is `dummy`), `dummy-password` (optional) and `database-url` (with `siteDatabase`). Default none. */
    siteSecret?: string;
    /** With `cluster`: the hub's database is the URL under `database-url` in `siteSecret` (e.g. `postgresql://...`), not sqlite on a PVC. Default false. */
    siteDatabase?: boolean;
    /** With `cluster`: further Secrets the hub's keeper makes for the facility's other parts, such as a service's copy of its token (value id {@link serviceTokenValueId}). Default none. */
    alsoKeep?: KeptSecrets[];
}

/** The hub's default image: the project's own hub image from the image catalogue. */
export const HUB_IMAGE = builtImage("hub");
/** The proxy's default image: the catalogue's pinned configurable-http-proxy. */
export const PROXY_IMAGE = UPSTREAM_IMAGES.proxy;
/** The default image of user servers: the project's own notebook image from the image catalogue. */
export const NOTEBOOK_IMAGE = builtImage("notebook");
/** The default command of user servers (KubeSpawner's `cmd`): the single-user server, not the image's own CMD. */
export const NOTEBOOK_CMD: readonly string[] = ["jupyterhub-singleuser"];
