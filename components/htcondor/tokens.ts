import * as crypto from "crypto";
import { check, isDnsName } from "../common";

/**
 * IDTOKEN minting as HTCondor does it (verified against htcondor/htcondor sources:
 * `simple_scramble` in condor_utils/secure_file.cpp, `getTokenSigningKey` in
 * condor_utils/store_cred.cpp, the `hkdf(..., "htcondor", "master jwt", ...)` call in
 * condor_io/condor_auth_passwd.cpp):
 *
 *  1. the signing key file's bytes are XOR-ed with the repeating bytes DE AD BE EF;
 *  2. for the pool key (key id `POOL`, the file named by SEC_TOKEN_POOL_SIGNING_KEY_FILE)
 *     the unscrambled bytes are doubled (key + key), for compatibility with old pools;
 *  3. HKDF-SHA256(ikm = those bytes, salt = "htcondor", info = "master jwt", 32 bytes);
 *  4. an HS256 JWT, header `kid` = key id, claims `iss` (trust domain), `sub`, `iat`, `jti`,
 *     optional `exp` and `scope` (`condor:/READ condor:/WRITE`).
 *
 * Written on node's crypto (HMAC-SHA256 and HKDF) since no JWT library is installed; a
 * JWT library would only replace the three lines of {@link signHs256}.
 */

/** Authorization levels an IDTOKEN may be limited to (HTCondor's `-authz` values). */
export const AUTHZ_LEVELS = [
    "READ", "WRITE", "ADMINISTRATOR", "DAEMON", "NEGOTIATOR", "CONFIG",
    "ADVERTISE_MASTER", "ADVERTISE_STARTD", "ADVERTISE_SCHEDD",
] as const;
/** One authorization level. */
export type AuthzLevel = (typeof AUTHZ_LEVELS)[number];

/** The least scopes for submitting jobs and watching them. */
export const SUBMIT_SCOPES: readonly AuthzLevel[] = ["READ", "WRITE"];

/** What a token says. */
export interface TokenClaims {
    /** `sub`: the identity, `user@trust.domain`. */
    subject: string;
    /** `iss`: the pool's trust domain. */
    issuer: string;
    /** Authorization limits; written as `condor:/<LEVEL>` space-separated in `scope`. */
    scopes: readonly AuthzLevel[];
    /** `iat`, seconds since the epoch. */
    issuedAt?: number;
    /** `exp`, seconds since the epoch. Default: none (no expiry). */
    expiresAt?: number;
    /** `jti`, a unique id (hex, without dashes, as HTCondor writes it). */
    id: string;
}

/** The key id of the pool signing key (SEC_TOKEN_POOL_SIGNING_KEY_FILE). */
export const POOL_KEY_ID = "POOL";

/** The `scope` claim for authorization levels. */
export function scopeClaim(scopes: readonly AuthzLevel[]): string {
    return scopes.map((s) => `condor:/${s}`).join(" ");
}

/** Undoes HTCondor's trivial scramble of key files (XOR with DE AD BE EF, repeating). */
export function unscramble(bytes: Uint8Array): Buffer {
    const pad = [0xde, 0xad, 0xbe, 0xef];
    return Buffer.from(bytes.map((b, i) => b ^ pad[i % 4]));
}

/** The 32-byte HMAC key HTCondor derives from a signing key file's contents. */
export function jwtKey(keyFile: Uint8Array, keyId: string): Buffer {
    let ikm = unscramble(keyFile);
    if (keyId === POOL_KEY_ID) {
        ikm = Buffer.concat([ikm, ikm]);
    }
    return Buffer.from(crypto.hkdfSync("sha256", ikm, Buffer.from("htcondor"), Buffer.from("master jwt"), 32));
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString("base64url");

/** HS256 compact JWS of a header and payload object. */
function signHs256(header: object, payload: object, key: Buffer): string {
    const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(payload))}`;
    return `${input}.${crypto.createHmac("sha256", key).update(input).digest("base64url")}`;
}

/** Checks claims before minting, naming `argument` on bad input. */
export function checkClaims(claims: TokenClaims, argument: string): void {
    const [user, domain, ...rest] = claims.subject.split("@");
    check(
        rest.length === 0 && /^[A-Za-z0-9_.-]+$/.test(user ?? "") && domain !== undefined && isDnsName(domain),
        `${argument}.identity`,
        `"${claims.subject}" is not a valid token identity (user@trust.domain)`,
    );
    check(isDnsName(claims.issuer), `${argument}.trustDomain`, `"${claims.issuer}" is not a valid trust domain (a DNS host name)`);
    check(claims.scopes.length > 0, `${argument}.scopes`, "give at least one authorization level");
    claims.scopes.forEach((s, i) =>
        check((AUTHZ_LEVELS as readonly string[]).includes(s), `${argument}.scopes[${i}]`, `"${s}" is not an HTCondor authorization level`),
    );
}

/**
 * Mints an IDTOKEN from the contents of a signing key file (as it lies on the central
 * manager, still scrambled) and its key id.
 */
export function mintToken(keyFile: Uint8Array, keyId: string, claims: TokenClaims): string {
    check(keyFile.length > 0, "signingKey", "the signing key is empty");
    const payload: Record<string, unknown> = { sub: claims.subject, iss: claims.issuer };
    if (claims.issuedAt !== undefined) {
        payload.iat = claims.issuedAt;
    }
    payload.jti = claims.id.replace(/-/g, "");
    if (claims.expiresAt !== undefined) {
        payload.exp = claims.expiresAt;
    }
    payload.scope = scopeClaim(claims.scopes);
    return signHs256({ alg: "HS256", typ: "JWT", kid: keyId }, payload, jwtKey(keyFile, keyId));
}
