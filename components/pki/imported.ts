import * as crypto from "crypto";
import { check, InvalidArgumentError } from "../common";

/** What can be learned of an imported CA certificate without its key. */
export interface ImportedCertInfo {
    /** Hours from now until the certificate expires. */
    remainingHours: number;
}

/** Parses an imported CA certificate, refusing one that is not a CA or has expired. */
export function inspectImportedCert(certPem: string, argument: string, nowMs: number): ImportedCertInfo {
    let cert: crypto.X509Certificate;
    try {
        cert = new crypto.X509Certificate(certPem);
    } catch (err) {
        throw new InvalidArgumentError(argument, `is not a PEM X.509 certificate (${(err as Error).message})`);
    }
    check(cert.ca, argument, "is not a CA certificate (basicConstraints CA:TRUE is missing)");
    const remainingHours = (Date.parse(cert.validTo) - nowMs) / 3600_000;
    check(remainingHours > 0, argument, `expired on ${cert.validTo}`);
    return { remainingHours: Math.floor(remainingHours) };
}

/** Refuses a private key that does not belong to the imported certificate. */
export function requireMatchingKey(certPem: string, keyPem: string, argument: string): void {
    let key: crypto.KeyObject;
    try {
        key = crypto.createPrivateKey(keyPem);
    } catch {
        // Never echo the key or the parser's message about it.
        throw new InvalidArgumentError(argument, "is not a PEM private key");
    }
    check(
        new crypto.X509Certificate(certPem).checkPrivateKey(key),
        argument,
        "does not match the imported certificate (its public key differs)",
    );
}
