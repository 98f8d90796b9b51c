import { check, requireOneOf } from "../common";
import { CertificateUsage, KeySpec } from "./types";

/**
 * Key usages, as the `@pulumi/tls` `allowedUses` names them. ECDSA keys sign only; RSA server
 * keys also allow key encipherment (RSA key exchange).
 */

/** Usages of a CA certificate. */
export const CA_USES = ["cert_signing", "crl_signing", "digital_signature"];

/** Usages of a leaf certificate for the given purposes and key algorithm. */
export function leafUses(usages: readonly CertificateUsage[], key: Required<KeySpec>, argument: string): string[] {
    check(usages.length > 0, argument, `give at least one usage: "server", "client" or both`);
    usages.forEach((u, i) => requireOneOf(u, ["server", "client"], `${argument}[${i}]`));
    const uses = ["digital_signature"];
    if (key.algorithm === "RSA") {
        uses.push("key_encipherment");
    }
    if (usages.includes("server")) {
        uses.push("server_auth");
    }
    if (usages.includes("client")) {
        uses.push("client_auth");
    }
    return uses;
}
