import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { IssuingAuthority } from "./authority";
import { createPrivateKey, resolveKeySpec } from "./key";
import { CertificateSigner, StateSigner } from "./signer";
import { DEFAULTS, KeySpec, SubjectArgs } from "./types";
import { CA_USES } from "./usages";
import { requireWithinIssuer, resolveValidity } from "./validity";

/**
 * An intermediate CA. Its certificate carries no path-length constraint of its own: the tls
 * provider cannot write `pathlen:0` (see {@link PathLength}). What keeps it to leaves is its
 * root's path length: under a root of `pathlen:1` (the default) a verifier refuses any CA the
 * intermediate signs.
 */
export interface IntermediateCertificateAuthorityArgs {
    /** The authority that signs this intermediate. Required. */
    parent: IssuingAuthority;
    /** Subject; the common name defaults to `<name> intermediate CA`. */
    subject?: SubjectArgs;
    /** Validity in days; never beyond the parent's. Default 1825. */
    validityDays?: number;
    /** Replace this many days before expiry on an ordinary `pulumi up`. Default 30. */
    renewBeforeDays?: number;
    /** Key algorithm. Default ECDSA P-384. */
    key?: KeySpec;
}

/** A CA signed by another CA; its root's path length bounds what may follow it. */
export class IntermediateCertificateAuthority extends IssuingAuthority {
    readonly certPem: pulumi.Output<string>;
    readonly privateKeyPem: pulumi.Output<string>;
    readonly chainPem: pulumi.Output<string>;
    readonly validityHours: number;
    readonly signer: CertificateSigner;

    constructor(name: string, args: IntermediateCertificateAuthorityArgs, opts?: pulumi.ComponentResourceOptions) {
        const key = resolveKeySpec(args.key, `${name}.key`);
        const validity = resolveValidity(
            args.validityDays ?? DEFAULTS.intermediateValidityDays,
            args.renewBeforeDays ?? DEFAULTS.renewBeforeDays,
            name,
        );
        requireWithinIssuer(validity, args.parent.validityHours, name);

        super("hepaf:pki:IntermediateCertificateAuthority", name, opts);
        this.validityHours = validity.validityHours;

        const privateKey = createPrivateKey(`${name}-key`, key, { parent: this });
        const request = new tls.CertRequest(
            `${name}-csr`,
            {
                privateKeyPem: privateKey.privateKeyPem,
                subject: { ...args.subject, commonName: args.subject?.commonName ?? `${name} intermediate CA` },
            },
            { parent: this },
        );
        this.certPem = args.parent.signer.sign(
            `${name}-cert`,
            { certRequestPem: request.certRequestPem, validity, allowedUses: CA_USES, isCa: true, maxPathLength: "none" },
            { parent: this },
        );
        this.privateKeyPem = pulumi.secret(privateKey.privateKeyPem);
        this.chainPem = pulumi.concat(this.certPem, args.parent.chainPem);
        this.signer = new StateSigner({ certPem: this.certPem, privateKeyPem: this.privateKeyPem });
        this.registerOutputs({ certPem: this.certPem, chainPem: this.chainPem });
    }
}
