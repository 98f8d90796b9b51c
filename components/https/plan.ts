/**
 * The HTTPS certificate's plan, validated before anything is declared: which mode, and the names
 * of what each mode makes or reads.
 */
import { check, isEmailAddress, requireDnsLabel, requireDnsName, requireOneOf } from "../common";
import { AcmeArgs, HTTPS_MODES, HttpsArgs } from "./args";

/** What the facility declares for its HTTPS certificate. */
export type HttpsPlan =
    | { mode: "generated" }
    | { mode: "secret"; secretName: string }
    | {
          mode: "acme";
          /** The Secret cert-manager writes the certificate into (Traefik's default certificate). */
          secretName: string;
          /** The namespaced ACME Issuer. */
          issuerName: string;
          /** The Secret cert-manager keeps the ACME account key in. */
          accountSecretName: string;
          /** The Certificate. */
          certificateName: string;
          server: string;
          email: string;
          caBundlePem?: string;
          ingressClass: string;
          /** The name the certificate is for. */
          domain: string;
      };

/** Validates `args` (reported as `argument.*`) for the facility `name` serving `domain`. */
export function planHttps(name: string, domain: string, args: HttpsArgs | undefined, argument = "https"): HttpsPlan {
    const mode = args?.mode ?? "generated";
    requireOneOf(mode, HTTPS_MODES, `${argument}.mode`);
    check(mode === "secret" || args?.secretName === undefined, `${argument}.secretName`, `is read only with mode "secret", not "${mode}"`);
    check(mode === "acme" || args?.acme === undefined, `${argument}.acme`, `is read only with mode "acme", not "${mode}"`);
    if (mode === "generated") return { mode };
    if (mode === "secret") {
        check(args?.secretName !== undefined, `${argument}.secretName`, `is required with mode "secret": the name of the kubernetes.io/tls Secret the site keeps in the facility namespace`);
        requireDnsName(args!.secretName!, `${argument}.secretName`);
        return { mode, secretName: args!.secretName! };
    }
    const acme: Partial<AcmeArgs> = args?.acme ?? {};
    check(args?.acme !== undefined, `${argument}.acme`, `is required with mode "acme": { server: <ACME directory URL>, email: <account e-mail> }`);
    check(typeof acme.server === "string" && isHttpsUrl(acme.server), `${argument}.acme.server`,
        `must be the ACME server's directory URL starting with https:// (e.g. "https://acme-v02.api.letsencrypt.org/directory"), got ${JSON.stringify(acme.server)}`);
    check(typeof acme.email === "string" && isEmailAddress(acme.email), `${argument}.acme.email`, `must be an e-mail address such as "admin@example.edu", got ${JSON.stringify(acme.email)}`);
    check(acme.caBundlePem === undefined || /-----BEGIN CERTIFICATE-----/.test(acme.caBundlePem), `${argument}.acme.caBundlePem`, "must hold PEM certificates (-----BEGIN CERTIFICATE-----)");
    const ingressClass = acme.ingressClass ?? `${name}-acme`;
    requireDnsLabel(ingressClass, `${argument}.acme.ingressClass`);
    return {
        mode,
        secretName: `${name}-edge-tls`,
        issuerName: `${name}-acme`,
        accountSecretName: `${name}-acme-account`,
        certificateName: `${name}-edge`,
        server: acme.server!,
        email: acme.email!,
        ...(acme.caBundlePem !== undefined ? { caBundlePem: acme.caBundlePem } : {}),
        ingressClass,
        domain,
    };
}

function isHttpsUrl(value: string): boolean {
    try {
        const u = new URL(value);
        return u.protocol === "https:" && u.hostname !== "" && !/\s/.test(value);
    } catch {
        return false;
    }
}
