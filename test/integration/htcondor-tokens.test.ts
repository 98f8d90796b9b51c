/** Tokens minted in TypeScript, verified by an independent Python implementation (PyJWT + cryptography's HKDF). */
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as path from "path";
import { mintToken } from "../../components/htcondor/tokens";

const root = path.join(__dirname, "..", "..");
const python = execFileSync("bash", [path.join(root, "scripts", "python-env.sh")], { encoding: "utf8" }).trim();

function verify(keyFile: Buffer, keyId: string, tokens: string[]): { header: any; claims: any }[] {
    const out = execFileSync(python, [path.join(root, "test", "python", "htcondor_token_verify.py")], {
        input: JSON.stringify({ keyFile: keyFile.toString("base64"), keyId, tokens }),
        encoding: "utf8",
        // A refused token ends the driver with PyJWT's traceback: captured into the error, not printed.
        stdio: ["pipe", "pipe", "pipe"],
    });
    return JSON.parse(out);
}

test.each([["POOL"], ["campus-key"]])("tokens signed with key id %s verify in Python: signature, kid, iss, sub, scope", (keyId) => {
    // Include bytes that are NUL after unscrambling (DE AD BE EF): the key must not be cut there.
    const keyFile = Buffer.concat([Buffer.from([0xde, 0xad, 0xbe, 0xef]), crypto.randomBytes(60)]);
    const now = Math.floor(Date.now() / 1000);
    const tokens = [
        mintToken(keyFile, keyId, { subject: "cms@example.edu", issuer: "example.edu", scopes: ["READ", "WRITE"], id: crypto.randomUUID(), issuedAt: now, expiresAt: now + 3600 }),
        mintToken(keyFile, keyId, { subject: "condor@example.edu", issuer: "example.edu", scopes: ["READ", "ADVERTISE_MASTER", "ADVERTISE_STARTD"], id: "0011", issuedAt: now }),
    ];
    const [a, b] = verify(keyFile, keyId, tokens);
    expect(a.header).toEqual({ alg: "HS256", typ: "JWT", kid: keyId });
    expect(a.claims).toMatchObject({ sub: "cms@example.edu", iss: "example.edu", iat: now, exp: now + 3600, scope: "condor:/READ condor:/WRITE" });
    expect(a.claims.jti).toMatch(/^[0-9a-f]{32}$/);
    expect(b.claims).toMatchObject({ sub: "condor@example.edu", scope: "condor:/READ condor:/ADVERTISE_MASTER condor:/ADVERTISE_STARTD", jti: "0011" });
    expect(b.claims.exp).toBeUndefined();
});

test("a token from another key does not verify", () => {
    const token = mintToken(crypto.randomBytes(32), "POOL", { subject: "cms@example.edu", issuer: "example.edu", scopes: ["READ"], id: "1", issuedAt: 1 });
    expect(() => verify(crypto.randomBytes(32), "POOL", [token])).toThrow(/Signature verification failed|InvalidSignature/);
});
