/**
 * A test double of the `@pulumi/tls` provider for Pulumi mocks. Keys and certificates are
 * real: keys come from node's crypto and every certificate is made and signed by openssl, so
 * tests can verify chains, SANs, usages and path lengths with openssl itself.
 *
 * The extensions are the ones the provider writes (pulumi-tls bridges the Terraform tls
 * provider, whose `createCertificate` fills a Go `x509.Certificate` template):
 * - Basic Constraints on every certificate, critical; `CA:TRUE` for `isCaCertificate`. The
 *   provider sets `MaxPathLen = maxPathLength` but never `MaxPathLenZero`, and Go writes no
 *   path length for `MaxPathLen = 0`: only a `maxPathLength` of 1 or more gives `pathlen:n`.
 * - Key Usage (critical) and Extended Key Usage from `allowedUses`.
 * - Subject Key Identifier (SHA-1 of the public key) on CA certificates and wherever
 *   `setSubjectKeyId` is set; none otherwise.
 * - Authority Key Identifier: on a locally signed certificate, the issuer's Subject Key
 *   Identifier (Go copies it); on a self-signed one only with `setAuthorityKeyId`.
 * - A locally signed certificate takes only the subject and SANs from the request.
 * - The signature digest follows the issuer's key as Go chooses it: SHA-256 for P-256 and
 *   RSA, SHA-384 for P-384, SHA-512 for P-521.
 * One difference remains: openssl 3.0 sets validity in whole days, so `validityPeriodHours`
 * is rounded up to a day (the provider ends exactly that many hours after now).
 */
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const USE_NAMES: Record<string, { key?: string; ext?: string }> = {
    digital_signature: { key: "digitalSignature" },
    key_encipherment: { key: "keyEncipherment" },
    cert_signing: { key: "keyCertSign" },
    crl_signing: { key: "cRLSign" },
    server_auth: { ext: "serverAuth" },
    client_auth: { ext: "clientAuth" },
};

interface Subject {
    commonName?: string;
    organization?: string;
    organizationalUnit?: string;
    country?: string;
    locality?: string;
    province?: string;
}

function withTemp<T>(fn: (dir: string) => T): T {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-tls-"));
    try {
        return fn(dir);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function openssl(args: string[]): string {
    return execFileSync("openssl", args, { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
}

function dnSection(subject: Subject | undefined): string {
    const s = subject ?? {};
    const lines = [
        s.country && `C=${s.country}`,
        s.province && `ST=${s.province}`,
        s.locality && `L=${s.locality}`,
        s.organization && `O=${s.organization}`,
        s.organizationalUnit && `OU=${s.organizationalUnit}`,
        `CN=${s.commonName ?? "unnamed"}`,
    ].filter(Boolean);
    return lines.join("\n");
}

/** What the provider's inputs say about a certificate's extensions. */
interface CertExtensionInputs {
    allowedUses?: string[];
    isCaCertificate?: boolean;
    maxPathLength?: number;
    setSubjectKeyId?: boolean;
    setAuthorityKeyId?: boolean;
}

/**
 * The Basic Constraints the provider writes: Go's `MaxPathLen = n` without `MaxPathLenZero`
 * means "no constraint" for 0, so only n >= 1 appears as `pathlen:n`.
 */
export function basicConstraints(inputs: Pick<CertExtensionInputs, "isCaCertificate" | "maxPathLength">): string {
    if (!inputs.isCaCertificate) return "critical,CA:FALSE";
    const n = inputs.maxPathLength;
    return n !== undefined && n > 0 ? `critical,CA:TRUE,pathlen:${n}` : "critical,CA:TRUE";
}

function extSection(inputs: CertExtensionInputs, signed: "self" | "issuer"): string {
    const uses = inputs.allowedUses ?? [];
    const keyUsage = uses.map((u) => USE_NAMES[u]?.key).filter(Boolean);
    const extUsage = uses.map((u) => USE_NAMES[u]?.ext).filter(Boolean);
    const ski = inputs.isCaCertificate || inputs.setSubjectKeyId;
    const aki = signed === "issuer" ? "keyid" : inputs.setAuthorityKeyId ? "keyid:always" : "none";
    const lines = [`basicConstraints=${basicConstraints(inputs)}`, `subjectKeyIdentifier=${ski ? "hash" : "none"}`, `authorityKeyIdentifier=${aki}`];
    if (keyUsage.length) lines.push(`keyUsage=critical,${keyUsage.join(",")}`);
    if (extUsage.length) lines.push(`extendedKeyUsage=${extUsage.join(",")}`);
    return lines.join("\n");
}

/** The digest Go signs with for the issuer's key (`x509.CreateCertificate`'s default). */
function digestFor(signerKeyPem: string): string {
    const details = crypto.createPrivateKey(signerKeyPem).asymmetricKeyDetails ?? {};
    const byCurve: Record<string, string> = { prime256v1: "-sha256", secp384r1: "-sha384", secp521r1: "-sha512" };
    return details.namedCurve ? (byCurve[details.namedCurve] ?? "-sha256") : "-sha256";
}

function sanLine(dnsNames?: string[], ipAddresses?: string[]): string | undefined {
    const sans = [...(dnsNames ?? []).map((d) => `DNS:${d}`), ...(ipAddresses ?? []).map((ip) => `IP:${ip}`)];
    return sans.length ? `subjectAltName=${sans.join(",")}` : undefined;
}

function days(hours: number): string {
    return String(Math.max(1, Math.ceil(hours / 24)));
}

/** `tls:index/privateKey:PrivateKey`: a real key pair. */
export function privateKey(inputs: { algorithm: string; ecdsaCurve?: string; rsaBits?: number }) {
    const curves: Record<string, string> = { P224: "secp224r1", P256: "prime256v1", P384: "secp384r1", P521: "secp521r1" };
    const pair =
        inputs.algorithm === "RSA"
            ? crypto.generateKeyPairSync("rsa", { modulusLength: inputs.rsaBits ?? 2048 })
            : crypto.generateKeyPairSync("ec", { namedCurve: curves[inputs.ecdsaCurve ?? "P224"] });
    return {
        ...inputs,
        privateKeyPem: pair.privateKey.export({ type: inputs.algorithm === "RSA" ? "pkcs1" : "sec1", format: "pem" }),
        privateKeyPemPkcs8: pair.privateKey.export({ type: "pkcs8", format: "pem" }),
        publicKeyPem: pair.publicKey.export({ type: "spki", format: "pem" }),
    };
}

/** `tls:index/selfSignedCert:SelfSignedCert`: a self-signed certificate made by openssl. */
export function selfSignedCert(inputs: any) {
    const certPem = withTemp((dir) => {
        fs.writeFileSync(path.join(dir, "key.pem"), inputs.privateKeyPem);
        fs.writeFileSync(
            path.join(dir, "req.cnf"),
            [
                "[req]",
                "distinguished_name=dn",
                "x509_extensions=ext",
                "prompt=no",
                "[dn]",
                dnSection(inputs.subject),
                "[ext]",
                extSection(inputs, "self"),
                sanLine(inputs.dnsNames, inputs.ipAddresses) ?? "",
            ].join("\n"),
        );
        return openssl([
            "req", "-x509", "-new", "-key", path.join(dir, "key.pem"), "-config", path.join(dir, "req.cnf"), digestFor(inputs.privateKeyPem),
            "-days", days(inputs.validityPeriodHours), "-set_serial", "0x" + crypto.randomBytes(16).toString("hex"),
        ]);
    });
    return { ...inputs, certPem };
}

/** `tls:index/certRequest:CertRequest`: a PKCS#10 request made by openssl. */
export function certRequest(inputs: any) {
    const certRequestPem = withTemp((dir) => {
        fs.writeFileSync(path.join(dir, "key.pem"), inputs.privateKeyPem);
        const san = sanLine(inputs.dnsNames, inputs.ipAddresses);
        fs.writeFileSync(
            path.join(dir, "req.cnf"),
            ["[req]", "distinguished_name=dn", "prompt=no", ...(san ? ["req_extensions=ext"] : []), "[dn]", dnSection(inputs.subject), "[ext]", san ?? ""].join("\n"),
        );
        return openssl(["req", "-new", "-key", path.join(dir, "key.pem"), "-config", path.join(dir, "req.cnf")]);
    });
    return { ...inputs, certRequestPem };
}

/** `tls:index/locallySignedCert:LocallySignedCert`: the request signed by the CA with openssl. */
export function locallySignedCert(inputs: any) {
    const certPem = withTemp((dir) => {
        fs.writeFileSync(path.join(dir, "req.pem"), inputs.certRequestPem);
        fs.writeFileSync(path.join(dir, "ca.pem"), inputs.caCertPem);
        fs.writeFileSync(path.join(dir, "ca-key.pem"), inputs.caPrivateKeyPem);
        fs.writeFileSync(path.join(dir, "ext.cnf"), ["[ext]", extSection(inputs, "issuer")].join("\n"));
        // The request (made by certRequest below) carries only its subject and SANs, all the provider takes from it.
        return openssl([
            "x509", "-req", "-in", path.join(dir, "req.pem"), "-CA", path.join(dir, "ca.pem"), "-CAkey", path.join(dir, "ca-key.pem"),
            digestFor(inputs.caPrivateKeyPem),
            "-set_serial", "0x" + crypto.randomBytes(16).toString("hex"), "-days", days(inputs.validityPeriodHours),
            "-extfile", path.join(dir, "ext.cnf"), "-extensions", "ext", "-copy_extensions", "copyall",
        ]);
    });
    return { ...inputs, certPem };
}

/** Dispatches a tls resource type to its double, or undefined for other types. */
export function tlsDouble(type: string, inputs: any): Record<string, unknown> | undefined {
    switch (type) {
        case "tls:index/privateKey:PrivateKey":
            return privateKey(inputs);
        case "tls:index/selfSignedCert:SelfSignedCert":
            return selfSignedCert(inputs);
        case "tls:index/certRequest:CertRequest":
            return certRequest(inputs);
        case "tls:index/locallySignedCert:LocallySignedCert":
            return locallySignedCert(inputs);
        default:
            return undefined;
    }
}
