/**
 * Where the facility's authorities are made (`pki.mode`), and the names of what cert-manager
 * mode declares: the facility root and its CA Issuer in the facility namespace, the edge
 * certificate (HTTPS mode `generated`) issued by that Issuer, and each group's CA in its own
 * namespace, in the Secret the hub and the Dask access service sign with.
 */
import { check, requireOneOf } from "../common";
import { GROUP_CA_SECRET } from "../dask-sessions";
import { CertificateAuthorityArgs, DEFAULTS, InClusterCaPlan, PKI_MODES, PkiArgs, PkiMode, planInClusterCa } from "../pki";

/** The Secret the facility root's key pair is in (cert-manager mode; facility namespace). */
export const ROOT_CA_SECRET = "hepaf-root-ca-keypair";
/** Each group's CA Certificate (cert-manager mode; group namespace). */
export const GROUP_CA_CERTIFICATE = "hepaf-group-ca";
/** The self-signed Issuer of a namespace's CA (cert-manager mode). */
export const SELF_SIGNED_ISSUER = "hepaf-selfsigned";

/** What cert-manager mode declares in the facility namespace. */
export interface InClusterRootPlan {
    root: InClusterCaPlan;
    /** The CA Issuer that signs with the root. */
    issuerName: string;
    /** The edge certificate, when the facility makes it (HTTPS `generated`, no `traefik.defaultCertificate`). */
    edge?: { certificateName: string; secretName: string; dnsNames: string[] };
}

/** The facility's PKI, decided before anything is declared. */
export type FacilityPkiPlan = { mode: "generated" } | ({ mode: "cert-manager" } & InClusterRootPlan);

/** Validates `pki` (and, in cert-manager mode, which of `ca` it reads) for the facility `name`. */
export function planPki(
    name: string,
    args: { pki?: PkiArgs; ca?: CertificateAuthorityArgs; domain: string; namespace: string; makesEdge: boolean; labels: Record<string, string> },
): FacilityPkiPlan {
    const mode: PkiMode = args.pki?.mode ?? "generated";
    requireOneOf(mode, PKI_MODES, "pki.mode");
    if (mode === "generated") return { mode };
    check(args.ca?.import === undefined, "ca.import", 'is a root of the site\'s own, and pki.mode "cert-manager" makes the facility root in the cluster: give one of them');
    check(args.ca?.maxPathLength === undefined, "ca.maxPathLength", 'cannot be set with pki.mode "cert-manager": cert-manager writes no path-length constraint (every leaf it signs is CA:FALSE)');
    const subject = args.ca?.subject ?? { organization: name };
    const root = planInClusterCa(
        {
            namespace: args.namespace,
            selfSignedIssuer: SELF_SIGNED_ISSUER,
            certificateName: `${name}-root-ca`,
            secretName: ROOT_CA_SECRET,
            subject: { ...subject, commonName: subject.commonName ?? `${name} root CA` },
            key: args.ca?.key,
            validityDays: args.ca?.validityDays ?? DEFAULTS.rootValidityDays,
            renewBeforeDays: args.ca?.renewBeforeDays,
            labels: args.labels,
        },
        "ca",
    );
    return {
        mode,
        root,
        issuerName: `${name}-root`,
        ...(args.makesEdge ? { edge: { certificateName: `${name}-edge`, secretName: `${name}-edge-tls`, dnsNames: [args.domain, `*.${args.domain}`] } } : {}),
    };
}

/** A group's CA in cert-manager mode: self-signed in the group namespace, in the Secret the hub and the access service read. */
export function groupCaPlan(group: { namespace: string; subject: InClusterCaPlan["subject"]; validityDays: number; labels: Record<string, string> }): InClusterCaPlan {
    return planInClusterCa(
        {
            namespace: group.namespace,
            selfSignedIssuer: SELF_SIGNED_ISSUER,
            certificateName: GROUP_CA_CERTIFICATE,
            secretName: GROUP_CA_SECRET,
            subject: group.subject,
            validityDays: group.validityDays,
            labels: group.labels,
        },
        `group CA of ${group.namespace}`,
    );
}
