import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { PathLength, providerMaxPathLength } from "./path-length";
import { IssuerMaterial } from "./types";
import { rotationEpoch, Validity } from "./validity";

/**
 * The issuing seam: who signs a certificate request. Callers (`issue`, `intermediate`) only
 * ever hand a request to a {@link CertificateSigner}; today the signer is this CA's key in
 * Pulumi state, and an in-cluster issuer (cert-manager, a hub-side signer) can implement the
 * same interface without changing them.
 */

/** One request to sign. */
export interface SigningRequest {
    /** PEM of the PKCS#10 request (carries subject, SANs and public key). */
    certRequestPem: pulumi.Input<string>;
    /** Validity and renewal window. */
    validity: Validity;
    /** `@pulumi/tls` usage names to grant. */
    allowedUses: string[];
    /** Whether the result may sign certificates. */
    isCa: boolean;
    /** For CAs: how many intermediates may follow (`"none"`: no constraint). */
    maxPathLength?: PathLength;
}

/** Anything that can turn a request into a signed certificate. */
export interface CertificateSigner {
    /** Signs `request`, declaring whatever resources that takes under `opts.parent`. */
    sign(name: string, request: SigningRequest, opts: pulumi.CustomResourceOptions): pulumi.Output<string>;
}

/** Signs with a CA key held in Pulumi state, through `tls.LocallySignedCert`. */
export class StateSigner implements CertificateSigner {
    constructor(private readonly issuer: IssuerMaterial) {}

    sign(name: string, request: SigningRequest, opts: pulumi.CustomResourceOptions): pulumi.Output<string> {
        const cert = new tls.LocallySignedCert(
            name,
            {
                certRequestPem: request.certRequestPem,
                caCertPem: this.issuer.certPem,
                caPrivateKeyPem: this.issuer.privateKeyPem,
                validityPeriodHours: request.validity.validityHours,
                earlyRenewalHours: request.validity.renewBeforeHours,
                allowedUses: request.allowedUses,
                isCaCertificate: request.isCa,
                maxPathLength: request.isCa && request.maxPathLength !== undefined ? providerMaxPathLength(request.maxPathLength) : undefined,
                setSubjectKeyId: true,
            },
            { ...opts, replacementTrigger: rotationEpoch(request.validity, Date.now()) },
        );
        return cert.certPem;
    }
}
