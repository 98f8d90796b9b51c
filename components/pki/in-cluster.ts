/**
 * Authorities made in the cluster by cert-manager (`pki.mode: "cert-manager"`): a self-signed
 * Issuer, the CA's Certificate (cert-manager makes its key and keeps it in a
 * `kubernetes.io/tls` Secret with `tls.crt`, `tls.key` and `ca.crt`, the keys the facility's
 * readers already use), and for the facility root a CA Issuer that signs the edge certificate.
 * No key passes through Pulumi: the program declares only these objects, as pure functions
 * here, and cert-manager renews each certificate `renewBefore` ahead of its expiry.
 *
 * A CA renews with the key it has (`rotationPolicy: Never`): every certificate it signed before
 * still verifies under the renewed certificate (same subject, same key), and a verifier that
 * holds the previous certificate keeps verifying new leaves until that certificate expires,
 * `renewBefore` after the renewal. That is the overlap, with nothing to distribute during it.
 */
import { check } from "../common";
import { CERT_MANAGER_API } from "../https/cert-manager";
import { resolveKeySpec } from "./key";
import { DEFAULTS, KeySpec, SubjectArgs } from "./types";
import { resolveValidity, Validity } from "./validity";

/** Where the facility's keys are made. */
export const PKI_MODES = ["generated", "cert-manager"] as const;
/** One of {@link PKI_MODES}. */
export type PkiMode = (typeof PKI_MODES)[number];

/** Where the facility root, the group CAs and the edge certificate are made. */
export interface PkiArgs {
    /**
     * `generated`: by Pulumi's tls provider, so every key is in Pulumi state (and in a render's
     * files); renewed by the first `pulumi up` after a renewal epoch. For development.
     * `cert-manager`: by the site's cert-manager, in the cluster (self-signed roots, a CA Issuer
     * for the edge certificate), renewed by cert-manager before expiry; nothing secret in state or
     * in a render. Default `generated`.
     */
    mode?: PkiMode;
}

/** An Issuer reference as cert-manager's Certificates take it. */
export interface IssuerRef {
    group: "cert-manager.io";
    kind: "Issuer";
    name: string;
}

/** A CA made by cert-manager, decided before anything is declared. */
export interface InClusterCaPlan {
    namespace: string;
    /** The self-signed Issuer that signs the CA's own certificate. */
    selfSignedIssuer: string;
    /** The Certificate. */
    certificateName: string;
    /** The Secret cert-manager keeps the CA's key pair in. */
    secretName: string;
    subject: SubjectArgs & { commonName: string };
    key: Required<KeySpec>;
    validity: Validity;
    labels: Record<string, string>;
}

/** Checks a CA's settings for cert-manager mode (`ca.*` of a root), naming the argument on bad input. */
export function planInClusterCa(
    plan: Omit<InClusterCaPlan, "key" | "validity"> & { key?: KeySpec; validityDays: number; renewBeforeDays?: number },
    argument: string,
): InClusterCaPlan {
    const { key, validityDays, renewBeforeDays, ...rest } = plan;
    return { ...rest, key: resolveKeySpec(key, `${argument}.key`), validity: resolveValidity(validityDays, renewBeforeDays ?? DEFAULTS.renewBeforeDays, argument) };
}

/** `<n>h`, the duration form cert-manager reads. */
const hours = (h: number) => `${h}h`;

/** cert-manager's `privateKey` for a key spec. */
export function certManagerPrivateKey(key: Required<KeySpec>, rotationPolicy: "Never" | "Always"): Record<string, unknown> {
    const size = key.algorithm === "ECDSA" ? Number(key.ecdsaCurve.slice(1)) : key.rsaBits;
    return { algorithm: key.algorithm, size, rotationPolicy };
}

/** A self-signed Issuer (signs only the CA certificates of its namespace). */
export function selfSignedIssuer(namespace: string, name: string, labels: Record<string, string>): Record<string, any> {
    return { apiVersion: CERT_MANAGER_API, kind: "Issuer", metadata: { name, namespace, labels }, spec: { selfSigned: {} } };
}

/** The CA's Certificate: a self-signed root, renewed with the same key. */
export function caCertificate(plan: InClusterCaPlan): Record<string, any> {
    const { subject } = plan;
    return {
        apiVersion: CERT_MANAGER_API,
        kind: "Certificate",
        metadata: { name: plan.certificateName, namespace: plan.namespace, labels: plan.labels },
        spec: {
            isCA: true,
            commonName: subject.commonName,
            subject: {
                ...(subject.organization ? { organizations: [subject.organization] } : {}),
                ...(subject.organizationalUnit ? { organizationalUnits: [subject.organizationalUnit] } : {}),
                ...(subject.country ? { countries: [subject.country] } : {}),
                ...(subject.locality ? { localities: [subject.locality] } : {}),
                ...(subject.province ? { provinces: [subject.province] } : {}),
            },
            duration: hours(plan.validity.validityHours),
            renewBefore: hours(plan.validity.renewBeforeHours),
            privateKey: certManagerPrivateKey(plan.key, "Never"),
            usages: ["digital signature", "cert sign", "crl sign"],
            secretName: plan.secretName,
            secretTemplate: { labels: plan.labels },
            issuerRef: { group: "cert-manager.io", kind: "Issuer", name: plan.selfSignedIssuer } satisfies IssuerRef,
        },
    };
}

/** An Issuer that signs with the CA in `secretName`. */
export function caIssuer(namespace: string, name: string, secretName: string, labels: Record<string, string>): Record<string, any> {
    return { apiVersion: CERT_MANAGER_API, kind: "Issuer", metadata: { name, namespace, labels }, spec: { ca: { secretName } } };
}

/** A server certificate for `dnsNames`, issued by `issuer` into `secretName`, with a new key at each renewal. */
export function serverCertificate(
    args: { namespace: string; name: string; secretName: string; dnsNames: string[]; issuer: IssuerRef; key: Required<KeySpec>; validityDays: number; renewBeforeDays: number; labels: Record<string, string> },
    argument: string,
): Record<string, any> {
    check(args.dnsNames.length > 0, `${argument}.dnsNames`, "give at least one name");
    const validity = resolveValidity(args.validityDays, args.renewBeforeDays, argument);
    return {
        apiVersion: CERT_MANAGER_API,
        kind: "Certificate",
        metadata: { name: args.name, namespace: args.namespace, labels: args.labels },
        spec: {
            commonName: args.dnsNames[0],
            dnsNames: args.dnsNames,
            duration: hours(validity.validityHours),
            renewBefore: hours(validity.renewBeforeHours),
            privateKey: certManagerPrivateKey(args.key, "Always"),
            usages: ["digital signature", "server auth"],
            secretName: args.secretName,
            secretTemplate: { labels: args.labels },
            issuerRef: args.issuer,
        },
    };
}
