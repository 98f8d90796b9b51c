/**
 * Where the hub's HTTPS certificate (Traefik's default certificate, served for `<domain>`) comes
 * from. One flat shape with a `mode` and each mode's settings beside it, so it reads the same in
 * every language the components are offered in.
 */

/** The ways the facility gets its HTTPS certificate. */
export const HTTPS_MODES = ["generated", "secret", "acme"] as const;
/** One of {@link HTTPS_MODES}. */
export type HttpsMode = (typeof HTTPS_MODES)[number];

/** The facility's HTTPS certificate. */
export interface HttpsArgs {
    /**
     * `generated`: signed by the facility root (browsers warn until users trust `root-ca.crt`;
     * for development). `secret`: a `kubernetes.io/tls` Secret the site manages (its own CA's,
     * or its campus certificate service's), named by `secretName`. `acme`: cert-manager, installed
     * in the cluster by the site, obtains it from an ACME server (Let's Encrypt, a campus ACME
     * service) and renews it, answering HTTP-01 through the facility's own Traefik. Default
     * `generated`.
     */
    mode?: HttpsMode;
    /** Mode `secret`: name of the `kubernetes.io/tls` Secret in the facility namespace (`tls.crt`, `tls.key`). Required there. */
    secretName?: string;
    /** Mode `acme`: the ACME server and account. Required there. */
    acme?: AcmeArgs;
}

/** An ACME account and server for cert-manager. */
export interface AcmeArgs {
    /** The server's directory URL, `https://` (Let's Encrypt: `https://acme-v02.api.letsencrypt.org/directory`). Required. */
    server: string;
    /** The account's e-mail address: where the ACME server sends expiry and policy notices. Required. */
    email: string;
    /** PEM of the CA that signs the ACME server's own HTTPS certificate, for a private ACME server. Default none (the system's roots, which public servers need). */
    caBundlePem?: string;
    /** Ingress class of the Ingress cert-manager's HTTP-01 solver makes, which the facility's Traefik serves on its `web` entrypoint. Default `<facility>-acme`. */
    ingressClass?: string;
}
