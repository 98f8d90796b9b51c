/**
 * A test double of the `@pulumi/tls` provider for Pulumi mocks. Keys and certificates are
 * real: keys come from node's crypto and every certificate is made and signed by openssl, so
 * tests can verify chains, SANs, usages and path lengths with openssl itself.
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

function extSection(inputs: { allowedUses?: string[]; isCaCertificate?: boolean; maxPathLength?: number }): string {
    const uses = inputs.allowedUses ?? [];
    const keyUsage = uses.map((u) => USE_NAMES[u]?.key).filter(Boolean);
    const extUsage = uses.map((u) => USE_NAMES[u]?.ext).filter(Boolean);
    const lines = [
        inputs.isCaCertificate
            ? `basicConstraints=critical,CA:TRUE${inputs.maxPathLength !== undefined ? `,pathlen:${inputs.maxPathLength}` : ""}`
            : "basicConstraints=critical,CA:FALSE",
        "subjectKeyIdentifier=hash",
    ];
    if (keyUsage.length) lines.push(`keyUsage=critical,${keyUsage.join(",")}`);
    if (extUsage.length) lines.push(`extendedKeyUsage=${extUsage.join(",")}`);
    return lines.join("\n");
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
                extSection(inputs),
                sanLine(inputs.dnsNames, inputs.ipAddresses) ?? "",
            ].join("\n"),
        );
        return openssl([
            "req", "-x509", "-new", "-key", path.join(dir, "key.pem"), "-config", path.join(dir, "req.cnf"),
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
        fs.writeFileSync(path.join(dir, "ext.cnf"), ["[ext]", extSection(inputs), "authorityKeyIdentifier=keyid"].join("\n"));
        return openssl([
            "x509", "-req", "-in", path.join(dir, "req.pem"), "-CA", path.join(dir, "ca.pem"), "-CAkey", path.join(dir, "ca-key.pem"),
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
