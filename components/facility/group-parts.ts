import * as pulumi from "@pulumi/pulumi";
import { standardLabels } from "../common";
import { DaskGateway, DaskGatewayArgs, GatewayRoles, TraefikRef } from "../dask-gateway";
import { GROUP_CA_SECRET } from "../dask-sessions";
import { NotebookDask, NotebookDaskArgs } from "../notebook-dask";
import { CertificateAuthority, InClusterAuthority, PkiMode } from "../pki";
import { groupCaPlan } from "./pki-plan";

/**
 * A group's own parts: its CA (published in its namespace: the certificate as a ConfigMap, the
 * key pair as a Secret; with `pki` cert-manager, made there by cert-manager), its session Dask defaults and its Dask Gateway. Everything else a
 * group has (its namespace, its profiles in the hub, its grants, routes and middlewares in the
 * shared components, its pool's client config) belongs to the shared facility.
 *
 * This is what a stack of the group's own declares for a large site (`groupStacks`), from what
 * the facility's stack exports as `groupParts` (read by stack reference): plain values, known
 * at preview, and the gateway's hub token as a secret.
 */
export interface GroupParts {
    /** Facility name (resource names `<facility>-<group>-...`). */
    facility: string;
    /** The group. */
    group: string;
    /** Its namespace (the facility's stack declares it). */
    namespace: string;
    /** Subject of the group's CA. */
    caSubject: { organization: string; organizationalUnit: string; commonName: string };
    /** Where the group's CA is made: `generated` (Pulumi state) or by `cert-manager` in the group namespace. Default `generated`. */
    pki?: PkiMode;
    /** Its session Dask defaults. */
    notebook: NotebookDaskArgs;
    /** Its gateway's args but the references below. */
    gateway: Omit<DaskGatewayArgs, "hub" | "traefik" | "roles">;
    /** The hub service the gateway authenticates through (the token is a secret). */
    /** `apiToken` is absent when the hub's keeper makes the gateway's token Secret in the cluster. */
    hub: { serviceName: string; apiToken?: string; hubApiUrl: string };
    /** The facility's Traefik, by name. */
    traefik: Omit<TraefikRef, "crdResources">;
    /** The ClusterRoles the facility declared once for every gateway, by name. */
    gatewayRoles: Omit<GatewayRoles, "resources">;
}

/** Days the group CA is valid. */
export const GROUP_CA_VALIDITY_DAYS = 1825;
/** The ConfigMap the group's CA certificate is published in (its key pair: the Secret `GROUP_CA_SECRET`, which the hub and the access service read). */
export const GROUP_CA_BUNDLE = "hepaf-group-ca";

/** The subject of a group's CA (pure). */
export function groupCaSubject(facility: string, group: string): GroupParts["caSubject"] {
    return { organization: facility, organizationalUnit: group, commonName: `${facility} ${group} CA` };
}

/** What a group's parts depend on where they are declared: the namespace and CRDs, where in the same stack. */
export interface GroupPartsDependencies {
    namespace?: pulumi.Resource;
    crd?: pulumi.Resource;
}

/** The declared parts. */
export interface DeclaredGroupParts {
    /** The CA in Pulumi state (`pki` generated). */
    ca?: CertificateAuthority;
    /** The CA cert-manager makes (`pki` cert-manager). */
    inClusterCa?: InClusterAuthority;
    gateway: DaskGateway;
}

/**
 * Declares a group's CA, session defaults and gateway, named `<facility>-<group>-...` under
 * `parent`. Each group's CA is a root of its own, not an intermediate of the facility root:
 * Dask's TLS contexts trust whole chains up to a self-signed root, so a shared root would let
 * another group's user in by presenting their full chain. It carries no path-length constraint
 * (the tls provider cannot write pathlen:0); one would bind only the holder of the key, who can
 * sign leaves directly anyway, and every leaf is CA:FALSE, so nobody else can extend the group's
 * trust. The key lives only in the group's namespace (the hub signs user certificates with it);
 * with `pki` cert-manager it is made there and never leaves it, in the same Secret.
 */
export function declareGroupParts(
    parts: Omit<GroupParts, "hub" | "gatewayRoles"> & { hub: DaskGatewayArgs["hub"]; traefik: TraefikRef; gatewayRoles?: GatewayRoles },
    parent: pulumi.Resource,
    deps: GroupPartsDependencies = {},
): DeclaredGroupParts {
    const { facility: name, group, namespace: ns } = parts;
    const inNs = deps.namespace ? { dependsOn: [deps.namespace] } : {};
    let ca: CertificateAuthority | undefined;
    let inClusterCa: InClusterAuthority | undefined;
    if (parts.pki === "cert-manager") {
        const labels = standardLabels({ name: "hepaf", instance: name, component: "pki", facility: name, group });
        inClusterCa = new InClusterAuthority(`${name}-${group}-ca`, { plan: groupCaPlan({ namespace: ns, subject: parts.caSubject, validityDays: GROUP_CA_VALIDITY_DAYS, labels }) }, { parent, ...inNs });
    } else {
        ca = new CertificateAuthority(`${name}-${group}-ca`, { subject: parts.caSubject, maxPathLength: "none", validityDays: GROUP_CA_VALIDITY_DAYS }, { parent });
        ca.trustBundle({ namespace: ns, name: GROUP_CA_BUNDLE }, inNs);
        ca.toSecret({ namespace: ns, name: GROUP_CA_SECRET }, inNs);
    }
    new NotebookDask(`${name}-${group}-notebook-dask`, parts.notebook, { parent, ...inNs });
    const gateway = new DaskGateway(
        `${name}-${group}-gateway`,
        { ...parts.gateway, hub: parts.hub, traefik: parts.traefik, ...(parts.gatewayRoles ? { roles: parts.gatewayRoles } : {}) },
        { parent, dependsOn: [deps.crd, deps.namespace].filter((d): d is pulumi.Resource => d !== undefined) },
    );
    return { ca, inClusterCa, gateway };
}

/**
 * One group's own parts in a stack of its own (a large site's micro-stack): `parts` is the
 * facility stack's `groupParts.<group>` output, read by stack reference. Adding a group is then
 * a small `up` of its own stack, after the facility's stack has added the group's shared parts.
 */
export class FacilityGroupParts extends pulumi.ComponentResource {
    /** The group's CA (`pki` generated). */
    readonly ca?: CertificateAuthority;
    /** The group's CA made by cert-manager (`pki` cert-manager). */
    readonly inClusterCa?: InClusterAuthority;
    /** The group's gateway. */
    readonly gateway: DaskGateway;
    /** The gateway's address for `dask_gateway.Gateway(address=...)`. */
    readonly gatewayAddress: pulumi.Output<string>;

    constructor(name: string, parts: GroupParts, opts?: pulumi.ComponentResourceOptions) {
        super("hepaf:facility:FacilityGroupParts", name, {}, opts);
        const roles: GatewayRoles = { ...parts.gatewayRoles, resources: [] };
        const declared = declareGroupParts({ ...parts, hub: { ...parts.hub, apiToken: parts.hub.apiToken === undefined ? undefined : pulumi.secret(parts.hub.apiToken) }, gatewayRoles: roles }, this);
        this.ca = declared.ca;
        this.inClusterCa = declared.inClusterCa;
        this.gateway = declared.gateway;
        this.gatewayAddress = declared.gateway.proxyAddress;
        this.registerOutputs({ gatewayAddress: this.gatewayAddress });
    }
}
