/** openssl as the independent judge of certificates in tests. */
import { execFileSync, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

function tempFiles(files: Record<string, string>): { dir: string; paths: Record<string, string> } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-openssl-"));
    const paths: Record<string, string> = {};
    for (const [name, content] of Object.entries(files)) {
        paths[name] = path.join(dir, name);
        fs.writeFileSync(paths[name], content);
    }
    return { dir, paths };
}

/** Runs `openssl verify` of `leaf` against `root` with `untrusted` intermediates; returns its output and status. */
export function opensslVerify(root: string, leaf: string, untrusted?: string, purpose?: string): { ok: boolean; output: string } {
    const { dir, paths } = tempFiles({ "root.pem": root, "leaf.pem": leaf, ...(untrusted ? { "chain.pem": untrusted } : {}) });
    try {
        const args = ["verify", "-CAfile", paths["root.pem"], ...(untrusted ? ["-untrusted", paths["chain.pem"]] : [])];
        if (purpose) args.push("-purpose", purpose);
        args.push(paths["leaf.pem"]);
        const r = spawnSync("openssl", args, { encoding: "utf8" });
        return { ok: r.status === 0, output: `${r.stdout}${r.stderr}` };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** `openssl x509 -noout -text` of a certificate. */
export function opensslText(cert: string): string {
    const { dir, paths } = tempFiles({ "c.pem": cert });
    try {
        return execFileSync("openssl", ["x509", "-noout", "-text", "-in", paths["c.pem"]], { encoding: "utf8" });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** Makes a CA with openssl (for import tests): returns its certificate and key PEMs. */
export function opensslMakeCa(cn: string, days = 3650, opts: { subjectKeyId?: string } = {}): { certPem: string; keyPem: string } {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-openssl-"));
    try {
        execFileSync("openssl", [
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
            "-keyout", path.join(dir, "k.pem"), "-out", path.join(dir, "c.pem"), "-days", String(days), "-subj", `/CN=${cn}`,
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            // A self-signed certificate with no authority key identifier, as Go writes one.
            ...(opts.subjectKeyId ? ["-addext", `subjectKeyIdentifier=${opts.subjectKeyId}`, "-addext", "authorityKeyIdentifier=none"] : []),
        ], { stdio: "ignore" });
        return { certPem: fs.readFileSync(path.join(dir, "c.pem"), "utf8"), keyPem: fs.readFileSync(path.join(dir, "k.pem"), "utf8") };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** A self-signed certificate that is not a CA, for the key given. */
export function opensslSelfSignedLeaf(keyPem: string): string {
    const { dir, paths } = tempFiles({ "k.pem": keyPem });
    try {
        return execFileSync("openssl", ["req", "-x509", "-key", paths["k.pem"], "-subj", "/CN=leaf", "-days", "2", "-addext", "basicConstraints=CA:FALSE"], {
            encoding: "utf8",
        });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** Signs a fresh client certificate for `cn` with a CA's certificate and key (as the hub does at spawn). */
export function opensslSignLeaf(caCertPem: string, caKeyPem: string, cn: string): string {
    const { dir, paths } = tempFiles({ "ca.pem": caCertPem, "ca-key.pem": caKeyPem, "ext.cnf": "[ext]\nbasicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=clientAuth\n" });
    try {
        execFileSync("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", path.join(dir, "k.pem"), "-out", path.join(dir, "r.csr"), "-subj", `/CN=${cn}`], { stdio: "ignore" });
        return execFileSync("openssl", ["x509", "-req", "-in", path.join(dir, "r.csr"), "-CA", paths["ca.pem"], "-CAkey", paths["ca-key.pem"], "-CAcreateserial", "-days", "1", "-extfile", paths["ext.cnf"], "-extensions", "ext"], { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] });
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** A key pair and certificate made by openssl. */
export interface OpensslPair {
    certPem: string;
    keyPem: string;
}

/**
 * Signs a new key pair with `issuer`: a leaf for TLS servers and clients alike (what a Dask
 * scheduler or worker presents), or with `ca` a CA of its own below the issuer.
 */
export function opensslIssue(issuer: OpensslPair, cn: string, opts: { ca?: boolean } = {}): OpensslPair {
    const ext = opts.ca
        ? "basicConstraints=critical,CA:TRUE\nkeyUsage=critical,keyCertSign,cRLSign\n"
        : "basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth\n";
    const { dir, paths } = tempFiles({ "ca.pem": issuer.certPem, "ca-key.pem": issuer.keyPem, "ext.cnf": `[ext]\n${ext}` });
    try {
        execFileSync("openssl", ["req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", path.join(dir, "k.pem"), "-out", path.join(dir, "r.csr"), "-subj", `/CN=${cn}`], { stdio: "ignore" });
        const certPem = execFileSync(
            "openssl",
            ["x509", "-req", "-in", path.join(dir, "r.csr"), "-CA", paths["ca.pem"], "-CAkey", paths["ca-key.pem"], "-CAcreateserial", "-days", "2", "-extfile", paths["ext.cnf"], "-extensions", "ext"],
            { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
        );
        return { certPem, keyPem: fs.readFileSync(path.join(dir, "k.pem"), "utf8") };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}
