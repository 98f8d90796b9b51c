import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { caCertificate, caIssuer, InClusterCaPlan, IssuerRef, selfSignedIssuer, serverCertificate } from "./in-cluster";
import { DEFAULTS } from "./types";

/** The args of {@link InClusterAuthority}. */
export interface InClusterAuthorityArgs {
    /** The CA, as `planInClusterCa` checked it. Required. */
    plan: InClusterCaPlan;
    /** A CA Issuer of this name, in the CA's namespace, signing with it (for the certificates it issues). Default none. */
    issuerName?: string;
}

/**
 * A CA that cert-manager makes and renews in the cluster: its self-signed Issuer, its
 * Certificate (the key pair in `secretName`, never in Pulumi state) and, with `issuerName`, a
 * CA Issuer for the certificates it signs. Needs cert-manager installed by the site.
 */
export class InClusterAuthority extends pulumi.ComponentResource {
    /** The Secret cert-manager keeps the CA's key pair in (`tls.crt`, `tls.key`, `ca.crt`). */
    readonly secretName: string;
    /** The CA Issuer, when `issuerName` was given. */
    readonly issuer?: IssuerRef;
    /** The CA's Certificate. */
    readonly certificate: k8s.apiextensions.CustomResource;
    private readonly plan: InClusterCaPlan;
    private readonly issuerResource?: k8s.apiextensions.CustomResource;

    constructor(name: string, args: InClusterAuthorityArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hepaf:pki:InClusterAuthority", name, {}, opts);
        const { plan } = args;
        this.plan = plan;
        const selfSigned = new k8s.apiextensions.CustomResource(`${name}-selfsigned`, selfSignedIssuer(plan.namespace, plan.selfSignedIssuer, plan.labels) as k8s.apiextensions.CustomResourceArgs, { parent: this });
        this.certificate = new k8s.apiextensions.CustomResource(`${name}-certificate`, caCertificate(plan) as k8s.apiextensions.CustomResourceArgs, { parent: this, dependsOn: [selfSigned] });
        this.secretName = plan.secretName;
        if (args.issuerName !== undefined) {
            this.issuerResource = new k8s.apiextensions.CustomResource(
                `${name}-issuer`,
                caIssuer(plan.namespace, args.issuerName, plan.secretName, plan.labels) as k8s.apiextensions.CustomResourceArgs,
                { parent: this, dependsOn: [this.certificate] },
            );
            this.issuer = { group: "cert-manager.io", kind: "Issuer", name: args.issuerName };
        }
        this.registerOutputs({ secretName: this.secretName });
    }

    /** A server certificate for `dnsNames` issued by this CA's Issuer into `secretName` (its namespace), valid a year and renewed 30 days ahead. */
    serverCertificate(name: string, args: { name: string; secretName: string; dnsNames: string[] }): k8s.apiextensions.CustomResource {
        if (!this.issuer || !this.issuerResource) throw new Error(`${name}: the authority ${this.plan.certificateName} has no Issuer (give issuerName)`);
        const object = serverCertificate(
            {
                ...args,
                namespace: this.plan.namespace,
                issuer: this.issuer,
                key: DEFAULTS.key,
                validityDays: DEFAULTS.leafValidityDays,
                renewBeforeDays: DEFAULTS.renewBeforeDays,
                labels: this.plan.labels,
            },
            name,
        );
        return new k8s.apiextensions.CustomResource(name, object as k8s.apiextensions.CustomResourceArgs, { parent: this, dependsOn: [this.issuerResource] });
    }
}
