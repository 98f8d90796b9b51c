import * as pulumi from "@pulumi/pulumi";
import { Certificate, CertificateArgs } from "./certificate";
import { PublishArgs, tlsSecret, trustBundle } from "./publish";
import { CertificateSigner } from "./signer";

/**
 * What every issuing authority (root, imported or intermediate) offers: its certificate, its
 * chain, a signer, and ways to issue and publish.
 */
export abstract class IssuingAuthority extends pulumi.ComponentResource {
    /** PEM of this authority's certificate (public). */
    abstract readonly certPem: pulumi.Output<string>;
    /** PEM of this authority's private key (a Pulumi secret). */
    abstract readonly privateKeyPem: pulumi.Output<string>;
    /** PEM chain from this authority up to and including the root (public). */
    abstract readonly chainPem: pulumi.Output<string>;
    /** Hours this authority's certificate is valid for; nothing it signs may be valid longer. */
    abstract readonly validityHours: number;
    /** Who signs requests for this authority (the issuing seam). */
    abstract readonly signer: CertificateSigner;

    /** The resource name this authority was declared with. */
    readonly resourceName: string;

    constructor(type: string, name: string, opts?: pulumi.ComponentResourceOptions) {
        super(type, name, {}, opts);
        this.resourceName = name;
    }

    /** Issues a leaf certificate (server, client or both) signed by this authority. */
    issue(name: string, args: Omit<CertificateArgs, "issuer">, opts?: pulumi.ComponentResourceOptions): Certificate {
        return new Certificate(name, { ...args, issuer: this }, { parent: this, ...opts });
    }

    /** Publishes this authority's own key pair as a `kubernetes.io/tls` Secret (`ca.crt` = chain). */
    toSecret(args: PublishArgs, opts?: pulumi.CustomResourceOptions) {
        return tlsSecret(
            `${this.resourceName}-${args.namespace}-${args.name}`,
            { ...args, certPem: this.certPem, keyPem: this.privateKeyPem, caPem: this.chainPem },
            { parent: this, ...opts },
        );
    }

    /** Publishes this authority's chain (public certificates only) as a ConfigMap `ca.crt`. */
    trustBundle(args: PublishArgs, opts?: pulumi.CustomResourceOptions) {
        return trustBundle(
            `${this.resourceName}-${args.namespace}-${args.name}`,
            { ...args, pem: this.chainPem },
            { parent: this, ...opts },
        );
    }
}
