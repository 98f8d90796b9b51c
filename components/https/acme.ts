/**
 * The cert-manager objects of mode `acme`, as pure functions of the plan: an ACME Issuer whose
 * HTTP-01 solver Ingress the facility's Traefik serves on `web`, the Certificate of the hub's
 * name, and the NetworkPolicy that lets only Traefik reach the solver pods.
 */
import { ACME_SOLVER_LABEL, ACME_SOLVER_PORT, CERT_MANAGER_API } from "./cert-manager";
import type { HttpsPlan } from "./plan";

/** The `acme` plan. */
export type AcmePlan = Extract<HttpsPlan, { mode: "acme" }>;

/** Where the objects go and how Traefik finds the solver's Ingress. */
export interface AcmeContext {
    /** The facility namespace (Traefik's, where its default certificate must be). */
    namespace: string;
    /** Labels of every object. */
    labels: Record<string, string>;
    /** Labels Traefik's providers select on: the solver's Ingress carries them. */
    routeLabels: Record<string, string>;
    /** Traefik's plain-HTTP entrypoint, which lets ACME challenges through its HTTPS redirect. */
    webEntrypoint: string;
    /** Labels of Traefik's pods (the only peers of the solver). */
    traefikPodLabels: Record<string, string>;
}

/** The namespaced ACME Issuer. */
export function acmeIssuer(plan: AcmePlan, ctx: AcmeContext): Record<string, any> {
    return {
        apiVersion: CERT_MANAGER_API,
        kind: "Issuer",
        metadata: { name: plan.issuerName, namespace: ctx.namespace, labels: ctx.labels },
        spec: {
            acme: {
                server: plan.server,
                email: plan.email,
                privateKeySecretRef: { name: plan.accountSecretName },
                ...(plan.caBundlePem !== undefined ? { caBundle: Buffer.from(plan.caBundlePem).toString("base64") } : {}),
                solvers: [
                    {
                        http01: {
                            ingress: {
                                // The annotation, not an IngressClass: Traefik then needs no cluster-wide reads.
                                class: plan.ingressClass,
                                serviceType: "ClusterIP",
                                ingressTemplate: {
                                    metadata: {
                                        labels: { ...ctx.labels, ...ctx.routeLabels },
                                        annotations: { "traefik.ingress.kubernetes.io/router.entrypoints": ctx.webEntrypoint },
                                    },
                                },
                                podTemplate: { metadata: { labels: ctx.labels } },
                            },
                        },
                    },
                ],
            },
        },
    };
}

/** The Certificate of the hub's name, written into Traefik's default-certificate Secret. */
export function acmeCertificate(plan: AcmePlan, ctx: AcmeContext): Record<string, any> {
    return {
        apiVersion: CERT_MANAGER_API,
        kind: "Certificate",
        metadata: { name: plan.certificateName, namespace: ctx.namespace, labels: ctx.labels },
        spec: {
            secretName: plan.secretName,
            secretTemplate: { labels: ctx.labels },
            dnsNames: [plan.domain],
            issuerRef: { group: "cert-manager.io", kind: "Issuer", name: plan.issuerName },
            // A new key at every renewal.
            privateKey: { algorithm: "ECDSA", size: 256, rotationPolicy: "Always" },
        },
    };
}

/** Only Traefik's pods reach the solver pods, on the solver's port; the solvers reach nothing. */
export function acmeSolverPolicy(name: string, ctx: AcmeContext): Record<string, any> {
    return {
        metadata: { name, namespace: ctx.namespace, labels: ctx.labels },
        spec: {
            podSelector: { matchLabels: { [ACME_SOLVER_LABEL]: "true" } },
            policyTypes: ["Ingress", "Egress"],
            ingress: [{ from: [{ podSelector: { matchLabels: ctx.traefikPodLabels } }], ports: [{ port: ACME_SOLVER_PORT, protocol: "TCP" }] }],
            // Egress in policyTypes with no egress rules: nothing out (an empty list would be
            // dropped by the API server, and each apply would write it again).
        },
    };
}
