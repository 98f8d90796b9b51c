/**
 * The control plane's own certificates, made with openssl: a cluster CA, the API server's
 * serving certificate, client certificates (admin, controller-manager, scheduler, kwok), a
 * front-proxy CA and client, and the service-account signing key pair.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** Files of a certificate and its key. */
export interface CertFiles {
    cert: string;
    key: string;
}

function openssl(args: string[]): void {
    execFileSync("openssl", args, { stdio: ["ignore", "ignore", "pipe"] });
}

/** A self-signed CA (EC P-256), valid for a day. */
export function makeCa(dir: string, name: string, cn: string): CertFiles {
    const files = { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
    openssl([
        "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", files.key, "-out", files.cert,
        "-days", "1", "-subj", `/CN=${cn}`, "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    return files;
}

/** What a leaf certificate says. */
export interface LeafSpec {
    /** Subject common name (the user name for client certificates). */
    cn: string;
    /** Subject organizations (groups for client certificates). */
    organizations?: string[];
    /** DNS names and IP addresses (server certificates). */
    dnsNames?: string[];
    ipAddresses?: string[];
    /** `server`, `client` or both. */
    usage: "server" | "client" | "both";
}

/** Issues a leaf certificate signed by `ca`. */
export function issue(dir: string, ca: CertFiles, name: string, spec: LeafSpec): CertFiles {
    const files = { cert: path.join(dir, `${name}.crt`), key: path.join(dir, `${name}.key`) };
    const csr = path.join(dir, `${name}.csr`);
    const ext = path.join(dir, `${name}.ext`);
    const eku = { server: "serverAuth", client: "clientAuth", both: "serverAuth,clientAuth" }[spec.usage];
    const sans = [...(spec.dnsNames ?? []).map((d) => `DNS:${d}`), ...(spec.ipAddresses ?? []).map((i) => `IP:${i}`)];
    fs.writeFileSync(
        ext,
        ["basicConstraints=critical,CA:FALSE", "keyUsage=critical,digitalSignature,keyEncipherment", `extendedKeyUsage=${eku}`, ...(sans.length ? [`subjectAltName=${sans.join(",")}`] : [])].join("\n") + "\n",
    );
    const subject = [...(spec.organizations ?? []).map((o) => `/O=${o}`), `/CN=${spec.cn}`].join("");
    openssl(["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", files.key, "-out", csr, "-subj", subject]);
    openssl(["x509", "-req", "-in", csr, "-CA", ca.cert, "-CAkey", ca.key, "-CAcreateserial", "-days", "1", "-extfile", ext, "-out", files.cert]);
    return files;
}

/** The service-account token signing key pair (RSA 2048). */
export function serviceAccountKeys(dir: string): { key: string; pub: string } {
    const key = path.join(dir, "sa.key");
    const pub = path.join(dir, "sa.pub");
    openssl(["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048", "-out", key]);
    openssl(["pkey", "-in", key, "-pubout", "-out", pub]);
    return { key, pub };
}
