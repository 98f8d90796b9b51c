import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { check, isDnsName, isIpAddress } from "../common";
import type { IssuingAuthority } from "./authority";
import { createPrivateKey, resolveKeySpec } from "./key";
import { PublishArgs, tlsSecret } from "./publish";
import { CertificateUsage, DEFAULTS, KeySpec, SubjectArgs } from "./types";
import { leafUses } from "./usages";
import { requireWithinIssuer, resolveValidity, Validity } from "./validity";

/** A leaf certificate to issue. */
export interface CertificateArgs {
    /** The authority that signs it. Required. */
    issuer: IssuingAuthority;
    /** `server`, `client` or both. Required. */
    usages: CertificateUsage[];
    /** DNS subject alternative names (may include one-level `*.` wildcards). Default none. */
    dnsNames?: string[];
    /** IP subject alternative names. Default none. */
    ipAddresses?: string[];
    /** Subject; the common name defaults to the first DNS name, else the resource name. */
    subject?: SubjectArgs;
    /** Validity in days; never beyond the issuer's. Default 365. */
    validityDays?: number;
    /** Replace this many days before expiry on an ordinary `pulumi up`. Default 30. */
    renewBeforeDays?: number;
    /** Key algorithm. Default ECDSA P-384. */
    key?: KeySpec;
}

/** Checks SANs, naming the argument on bad input. */
export function checkSans(dnsNames: readonly string[], ipAddresses: readonly string[], argument: string): void {
    dnsNames.forEach((dns, i) => {
        const bare = dns.startsWith("*.") ? dns.slice(2) : dns;
        check(isDnsName(bare), `${argument}.dnsNames[${i}]`, `"${dns}" is not a valid DNS name (a wildcard may only be a leading "*.")`);
    });
    ipAddresses.forEach((ip, i) =>
        check(isIpAddress(ip), `${argument}.ipAddresses[${i}]`, `"${ip}" is not a valid IPv4 or IPv6 address`),
    );
}

/** A key pair and certificate issued by an {@link IssuingAuthority}. */
export class Certificate extends pulumi.ComponentResource {
    /** PEM of the certificate (public). */
    readonly certPem: pulumi.Output<string>;
    /** PEM of the private key (a Pulumi secret). */
    readonly privateKeyPem: pulumi.Output<string>;
    /** PEM chain of the issuer up to the root: what a peer needs to trust this certificate. */
    readonly caPem: pulumi.Output<string>;
    /** Validity of this certificate. */
    readonly validity: Validity;

    private readonly resourceName: string;

    constructor(name: string, args: CertificateArgs, opts?: pulumi.ComponentResourceOptions) {
        const dnsNames = args.dnsNames ?? [];
        const ipAddresses = args.ipAddresses ?? [];
        checkSans(dnsNames, ipAddresses, name);
        const key = resolveKeySpec(args.key, `${name}.key`);
        const uses = leafUses(args.usages, key, `${name}.usages`);
        const validity = resolveValidity(
            args.validityDays ?? DEFAULTS.leafValidityDays,
            args.renewBeforeDays ?? DEFAULTS.renewBeforeDays,
            name,
        );
        requireWithinIssuer(validity, args.issuer.validityHours, name);

        super("hepaf:pki:Certificate", name, {}, opts);
        this.resourceName = name;
        this.validity = validity;

        const privateKey = createPrivateKey(`${name}-key`, key, { parent: this });
        const request = new tls.CertRequest(
            `${name}-csr`,
            {
                privateKeyPem: privateKey.privateKeyPem,
                subject: { ...args.subject, commonName: args.subject?.commonName ?? dnsNames[0] ?? name },
                dnsNames,
                ipAddresses,
            },
            { parent: this },
        );
        this.certPem = args.issuer.signer.sign(
            `${name}-cert`,
            { certRequestPem: request.certRequestPem, validity: this.validity, allowedUses: uses, isCa: false },
            { parent: this },
        );
        this.privateKeyPem = pulumi.secret(privateKey.privateKeyPem);
        this.caPem = args.issuer.chainPem;
        this.registerOutputs({ certPem: this.certPem, caPem: this.caPem });
    }

    /** Publishes the key pair as a `kubernetes.io/tls` Secret with `ca.crt` = the issuer chain. */
    toSecret(args: PublishArgs, opts?: pulumi.CustomResourceOptions) {
        return tlsSecret(
            `${this.resourceName}-${args.namespace}-${args.name}`,
            { ...args, certPem: this.certPem, keyPem: this.privateKeyPem, caPem: this.caPem },
            { parent: this, ...opts },
        );
    }
}
