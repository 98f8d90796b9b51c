import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AcmeContext, acmeCertificate, acmeIssuer, AcmePlan, acmeSolverPolicy } from "./acme";

/** The args of {@link AcmeCertificate}: a validated `acme` plan and where its objects go. */
export interface AcmeCertificateArgs extends AcmeContext {
    /** The plan (`planHttps` with mode `acme`). Required. */
    plan: AcmePlan;
}

/**
 * The hub's certificate from an ACME server through cert-manager (installed by the site): the
 * Issuer, the Certificate, the solver's NetworkPolicy. cert-manager writes the key pair into
 * `secretName` and renews it; Traefik serves it as its default certificate, and picks up each
 * renewal from the Secret it watches.
 */
export class AcmeCertificate extends pulumi.ComponentResource {
    /** The Secret cert-manager writes (`kubernetes.io/tls`), for Traefik's TLSStore. */
    readonly secretName: string;

    constructor(name: string, args: AcmeCertificateArgs, opts?: pulumi.ComponentResourceOptions) {
        super("hepaf:https:AcmeCertificate", name, {}, opts);
        const child = { parent: this };
        const issuer = new k8s.apiextensions.CustomResource(`${name}-issuer`, acmeIssuer(args.plan, args) as k8s.apiextensions.CustomResourceArgs, child);
        new k8s.apiextensions.CustomResource(`${name}-certificate`, acmeCertificate(args.plan, args) as k8s.apiextensions.CustomResourceArgs, { parent: this, dependsOn: [issuer] });
        new k8s.networking.v1.NetworkPolicy(`${name}-solver-policy`, acmeSolverPolicy(`${name}-solver`, args), child);
        this.secretName = args.plan.secretName;
        this.registerOutputs({ secretName: this.secretName });
    }
}
