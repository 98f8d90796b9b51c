import * as pulumi from "@pulumi/pulumi";

/** Key algorithm and size of a key pair. */
export interface KeySpec {
    /** `ECDSA` or `RSA`. Default `ECDSA`. */
    algorithm?: "ECDSA" | "RSA";
    /** Curve for ECDSA keys: `P256`, `P384` or `P521`. Default `P384`. */
    ecdsaCurve?: "P256" | "P384" | "P521";
    /** Modulus size for RSA keys: 2048, 3072 or 4096. Default 3072. */
    rsaBits?: 2048 | 3072 | 4096;
}

/** X.509 subject of a certificate. */
export interface SubjectArgs {
    /** Common name (CN). Default: derived from the resource name. */
    commonName?: string;
    /** Organization (O). Default none. */
    organization?: string;
    /** Organizational unit (OU). Default none. */
    organizationalUnit?: string;
    /** Two-letter country code (C). Default none. */
    country?: string;
    /** Locality (L). Default none. */
    locality?: string;
    /** State or province (ST). Default none. */
    province?: string;
}

/** What a leaf certificate is for. */
export type CertificateUsage = "server" | "client";

/** The public and private material of an issuing authority, as another issuer needs it. */
export interface IssuerMaterial {
    /** PEM of the issuer's certificate. */
    certPem: pulumi.Output<string>;
    /** PEM of the issuer's private key (a Pulumi secret). */
    privateKeyPem: pulumi.Output<string>;
}

/** Defaults, in one place. */
export const DEFAULTS = {
    key: { algorithm: "ECDSA", ecdsaCurve: "P384", rsaBits: 3072 } as Required<KeySpec>,
    rootValidityDays: 3650,
    intermediateValidityDays: 1825,
    leafValidityDays: 365,
    renewBeforeDays: 30,
    rootMaxPathLength: 1,
};
