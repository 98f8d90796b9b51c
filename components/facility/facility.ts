import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { check, facilityNamespace, groupNamespace, requireDnsLabel, requireDnsName, requireUnique, standardLabels } from "../common";
import { CertificateAuthority, CertificateAuthorityArgs, IntermediateCertificateAuthority } from "../pki";
import { planTraefik, Traefik, TraefikArgs } from "../traefik";

/** One research group (CMS, ATLAS, open data, ...). */
export interface GroupArgs {
    /** Group name, a DNS label; its namespace is `<facility>-<name>`. Required. */
    name: string;
}

/** One typed description of a site. */
export interface AnalysisFacilityArgs {
    /** Public DNS name: hub at `https://<domain>`, Dask at `<domain>:<daskPort>`. Required. */
    domain: string;
    /** The facility root CA: generated (default) or imported. */
    ca?: CertificateAuthorityArgs;
    /** The front door; everything but `namespace` and `watchNamespaces`, which the facility sets. Default: install, LoadBalancer, Dask on 8786. */
    traefik?: Omit<TraefikArgs, "namespace" | "watchNamespaces">;
    /** The groups; each gets a namespace and an intermediate CA. Required, at least one. */
    groups: GroupArgs[];
}

/** Per-group parts, by group name. */
export interface FacilityGroup {
    /** Namespace `<facility>-<group>`. */
    namespace: string;
    /** The group's intermediate CA. */
    ca: IntermediateCertificateAuthority;
}

/** Checks the whole facility description, every part's args included, declaring nothing. */
export function planFacility(name: string, args: AnalysisFacilityArgs): void {
    checkFacilityArgs(name, args);
    planTraefik(`${name}-edge`, { ...args.traefik, namespace: facilityNamespace(name), watchNamespaces: args.groups.map((g) => groupNamespace(name, g.name)) });
}

/** Checks the facility's own args; everything is refused before anything is declared. */
export function checkFacilityArgs(name: string, args: AnalysisFacilityArgs): void {
    requireDnsLabel(name, "facility name");
    requireDnsName(args.domain, "domain");
    check(Array.isArray(args.groups) && args.groups.length > 0, "groups", "declare at least one group");
    args.groups.forEach((g, i) => {
        requireDnsLabel(g.name, `groups[${i}].name`);
        groupNamespace(name, g.name);
    });
    requireUnique(args.groups.map((g) => g.name), "groups", "group name");
}

/** A whole analysis facility: CA tree, front door and group namespaces, wired by typed outputs. */
export class AnalysisFacility extends pulumi.ComponentResource {
    /** `https://<domain>`. */
    readonly hubUrl: string;
    /** `<domain>:<daskPort>`: one address and port for every Dask cluster. */
    readonly daskEndpoint: string;
    /** The facility root CA certificate (public). */
    readonly rootCaCertPem: pulumi.Output<string>;
    /** The front door. */
    readonly traefik: Traefik;
    /** Per-group parts. */
    readonly groups: Record<string, FacilityGroup>;

    constructor(name: string, args: AnalysisFacilityArgs, opts?: pulumi.ComponentResourceOptions) {
        planFacility(name, args);
        super("hepaf:facility:AnalysisFacility", name, {}, opts);
        const namespace = facilityNamespace(name);
        const child = { parent: this };

        const facilityNs = new k8s.core.v1.Namespace(
            `${name}-ns`,
            { metadata: { name: namespace, labels: standardLabels({ name: "hepaf", instance: name, component: "facility", facility: name }) } },
            child,
        );
        const ca = new CertificateAuthority(`${name}-root`, { subject: { organization: name }, ...args.ca }, child);
        this.rootCaCertPem = ca.certPem;
        ca.trustBundle({ namespace, name: "hepaf-root-ca" }, { dependsOn: [facilityNs] });

        const groupNamespaces: k8s.core.v1.Namespace[] = [];
        this.groups = {};
        for (const group of args.groups) {
            const ns = groupNamespace(name, group.name);
            groupNamespaces.push(
                new k8s.core.v1.Namespace(
                    `${name}-${group.name}-ns`,
                    { metadata: { name: ns, labels: standardLabels({ name: "hepaf", instance: name, component: "group", facility: name, group: group.name }) } },
                    child,
                ),
            );
            const groupCa = ca.intermediate(`${name}-${group.name}-ca`, { subject: { organization: name, organizationalUnit: group.name } });
            groupCa.trustBundle({ namespace: ns, name: "hepaf-group-ca" }, { dependsOn: groupNamespaces.slice(-1) });
            // The group CA key lives only in the group's namespace (the hub signs user certificates with it).
            groupCa.toSecret({ namespace: ns, name: "hepaf-group-ca-keypair" }, { dependsOn: groupNamespaces.slice(-1) });
            this.groups[group.name] = { namespace: ns, ca: groupCa };
        }

        const serverCert = ca.issue(`${name}-edge-tls`, { dnsNames: [args.domain, `*.${args.domain}`], usages: ["server"] });
        this.traefik = new Traefik(
            `${name}-edge`,
            {
                ...args.traefik,
                namespace,
                createNamespace: false,
                watchNamespaces: Object.values(this.groups).map((g) => g.namespace),
                defaultCertificate: args.traefik?.defaultCertificate ?? serverCert,
            },
            { parent: this, dependsOn: [facilityNs, ...groupNamespaces] },
        );
        this.hubUrl = `https://${args.domain}`;
        this.daskEndpoint = `${args.domain}:${this.traefik.daskPort}`;
        this.registerOutputs({ hubUrl: this.hubUrl, daskEndpoint: this.daskEndpoint, rootCaCertPem: this.rootCaCertPem });
    }
}
