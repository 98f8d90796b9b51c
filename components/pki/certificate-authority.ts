import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { check } from "../common";
import { IssuingAuthority } from "./authority";
import { inspectImportedCert, requireMatchingKey } from "./imported";
import { IntermediateCertificateAuthority, IntermediateCertificateAuthorityArgs } from "./intermediate";
import { createPrivateKey, resolveKeySpec } from "./key";
import { checkPathLength, PathLength, providerMaxPathLength } from "./path-length";
import { CertificateSigner, StateSigner } from "./signer";
import { DEFAULTS, KeySpec, SubjectArgs } from "./types";
import { CA_USES } from "./usages";
import { resolveValidity, rotationEpoch, Validity } from "./validity";

/** An existing CA to use instead of generating one. */
export interface ImportedCaArgs {
    /** PEM of the CA certificate (public, so a plain string). Required. */
    certPem: string;
    /** PEM of the CA private key; pass a Pulumi secret. Required. */
    keyPem: pulumi.Input<string>;
    /** PEM of the certificates above an imported intermediate, up to its root. Default none. */
    parentChainPem?: string;
}

/** A facility root CA, generated in Pulumi state or imported. */
export interface CertificateAuthorityArgs {
    /** Subject of a generated root; the common name defaults to `<name> root CA`. */
    subject?: SubjectArgs;
    /** Key of a generated root. Default ECDSA P-384. */
    key?: KeySpec;
    /** Validity of a generated root in days. Default 3650. */
    validityDays?: number;
    /** Replace a generated root this many days before expiry. Default 30. */
    renewBeforeDays?: number;
    /**
     * Path-length constraint of a generated root: how many intermediate CAs may follow it
     * (`pathlen:n`, n >= 1), or `"none"` for no constraint. Default 1. `0` is refused: the
     * tls provider cannot write `pathlen:0` (see {@link PathLength}).
     */
    maxPathLength?: PathLength;
    /** Use this CA instead of generating one (then subject, key and validity are ignored). Default: generate. */
    import?: ImportedCaArgs;
}

/**
 * A root CA, generated in Pulumi state or imported. The facility has one for its server
 * certificates (HTTPS), and each group has one of its own, the only trust anchor of that group's
 * Dask TLS: group CAs are roots, not intermediates, because Dask trusts any chain up to a trusted
 * root. {@link CertificateAuthority.intermediate} is for sites that want one tree elsewhere.
 */
export class CertificateAuthority extends IssuingAuthority {
    /** The resource type this component registers (its URN's type; the package schema's token). */
    static readonly __pulumiType = "hepaf:pki:CertificateAuthority";
    readonly certPem: pulumi.Output<string>;
    readonly privateKeyPem: pulumi.Output<string>;
    readonly chainPem: pulumi.Output<string>;
    readonly validityHours: number;
    readonly signer: CertificateSigner;

    constructor(name: string, args: CertificateAuthorityArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        const plan = planRoot(name, args);
        super(CertificateAuthority.__pulumiType, name, opts);
        if (plan.kind === "import") {
            this.validityHours = plan.remainingHours;
            this.certPem = pulumi.output(plan.certPem);
            this.privateKeyPem = plan.keyPem;
            this.chainPem = pulumi.output(plan.certPem + plan.parentChainPem);
        } else {
            this.validityHours = plan.validity.validityHours;
            const privateKey = createPrivateKey(`${name}-key`, plan.key, { parent: this });
            const cert = new tls.SelfSignedCert(
                `${name}-cert`,
                {
                    privateKeyPem: privateKey.privateKeyPem,
                    subject: { ...args.subject, commonName: args.subject?.commonName ?? `${name} root CA` },
                    validityPeriodHours: plan.validity.validityHours,
                    earlyRenewalHours: plan.validity.renewBeforeHours,
                    isCaCertificate: true,
                    maxPathLength: providerMaxPathLength(plan.maxPathLength),
                    allowedUses: CA_USES,
                    setSubjectKeyId: true,
                },
                { parent: this, replacementTrigger: rotationEpoch(plan.validity, Date.now()) },
            );
            this.certPem = cert.certPem;
            this.privateKeyPem = pulumi.secret(privateKey.privateKeyPem);
            this.chainPem = cert.certPem;
        }
        this.signer = new StateSigner({ certPem: this.certPem, privateKeyPem: this.privateKeyPem });
        this.registerOutputs({ certPem: this.certPem, chainPem: this.chainPem });
    }

    /**
     * Declares an intermediate CA signed by this root. Its own certificate carries no
     * path-length constraint (the tls provider cannot write `pathlen:0`); under a root of path
     * length 1 (the default) no CA it signs verifies.
     */
    intermediate(
        name: string,
        args: Omit<IntermediateCertificateAuthorityArgs, "parent"> = {},
        opts?: pulumi.ComponentResourceOptions,
    ): IntermediateCertificateAuthority {
        return new IntermediateCertificateAuthority(name, { ...args, parent: this }, { parent: this, ...opts });
    }
}

/** What a root will be, decided and validated before anything is declared. */
type RootPlan =
    | { kind: "import"; certPem: string; parentChainPem: string; remainingHours: number; keyPem: pulumi.Output<string> }
    | { kind: "generate"; key: Required<KeySpec>; validity: Validity; maxPathLength: PathLength };

function planRoot(name: string, args: CertificateAuthorityArgs): RootPlan {
    if (args.import) {
        const imported = importCa(args.import, `${name}.import`);
        return { kind: "import", certPem: args.import.certPem, parentChainPem: args.import.parentChainPem ?? "", ...imported };
    }
    const key = resolveKeySpec(args.key, `${name}.key`);
    const validity = resolveValidity(
        args.validityDays ?? DEFAULTS.rootValidityDays,
        args.renewBeforeDays ?? DEFAULTS.renewBeforeDays,
        name,
    );
    const maxPathLength = args.maxPathLength ?? DEFAULTS.rootMaxPathLength;
    checkPathLength(maxPathLength, `${name}.maxPathLength`);
    return { kind: "generate", key, validity, maxPathLength };
}

/**
 * Checks an imported CA. A plain key is checked now; a key that arrives as an Output (a
 * config secret) is checked when it resolves, and every signature depends on that check, so
 * a mismatched key fails the update before anything is signed with it.
 */
function importCa(args: ImportedCaArgs, argument: string): { remainingHours: number; keyPem: pulumi.Output<string> } {
    check(typeof args.certPem === "string", `${argument}.certPem`, "must be a PEM string");
    const info = inspectImportedCert(args.certPem, `${argument}.certPem`, Date.now());
    if (typeof args.keyPem === "string") {
        requireMatchingKey(args.certPem, args.keyPem, `${argument}.keyPem`);
    }
    const keyPem = pulumi.secret(
        pulumi.output(args.keyPem).apply((pem) => {
            requireMatchingKey(args.certPem, pem, `${argument}.keyPem`);
            return pem;
        }),
    );
    return { remainingHours: info.remainingHours, keyPem };
}
