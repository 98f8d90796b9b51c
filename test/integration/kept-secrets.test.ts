/**
 * The hub's keeper (hepaf_keeper.py), run by Python: its IDTOKENs are byte for byte what the
 * TypeScript minting (checked against HTCondor's sources) writes, and a pass against an API double
 * makes what is missing, changes nothing on a second run, and never replaces a value a Secret holds.
 */
import { execFileSync } from "child_process";
import * as crypto from "crypto";
import * as path from "path";
import { HEX_32, joinKeptSecrets, KeeperSpec } from "../../components/kept-secrets";
import { mintToken, SUBMIT_SCOPES } from "../../components/htcondor/tokens";

const root = path.join(__dirname, "..", "..");
const python = execFileSync("bash", [path.join(root, "scripts", "python-env.sh")], { encoding: "utf8" }).trim();
const drive = (req: object) => JSON.parse(execFileSync(python, [path.join(root, "test", "python", "keeper_driver.py")], { input: JSON.stringify(req), encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] }));

const tokenSpec = (lifetimeDays: number | null) => ({ kind: "htcondor-token", signingKey: "key", keyId: "POOL", issuer: "pool.example.org", subject: "cms@pool.example.org", scopes: SUBMIT_SCOPES, lifetimeDays });

test.each([[null], [7]])("a token the keeper mints (lifetime %p days) is the token TypeScript mints from the same key and claims", (lifetimeDays) => {
    const keyFile = Buffer.concat([Buffer.from([0xde, 0xad, 0xbe, 0xef]), crypto.randomBytes(60)]);
    const now = 1_800_000_000;
    const { token } = drive({ op: "token", keyFile: keyFile.toString("base64"), spec: tokenSpec(lifetimeDays), now });
    const jti = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString()).jti;
    expect(jti).toMatch(/^[0-9a-f]{32}$/);
    const expected = mintToken(keyFile, "POOL", { subject: "cms@pool.example.org", issuer: "pool.example.org", scopes: SUBMIT_SCOPES, id: jti, issuedAt: now, expiresAt: lifetimeDays === null ? undefined : now + lifetimeDays * 86400 });
    expect(token).toBe(expected);
});

describe("a keeper pass", () => {
    const spec: KeeperSpec = joinKeptSecrets("af/af-hub", [
        { values: { cookie: HEX_32, token: HEX_32, key: { kind: "random", bytes: 64, encoding: "raw" }, group: tokenSpec(null) as any }, secrets: [{ namespace: "af", name: "hub", labels: { a: "b" }, data: { cookie: "cookie", "svc.token": "token" } }] },
        { values: {}, secrets: [{ namespace: "af-cms", name: "copy", labels: {}, data: { token: "token" } }] },
        { values: {}, secrets: [{ namespace: "af", name: "pool-key", labels: {}, data: { POOL: "key" } }, { namespace: "af-cms", name: "pool-token", labels: {}, data: { t: "group" } }] },
    ]);
    const data = (store: any, id: string, key: string) => Buffer.from(store[id].data[key], "base64");

    test("makes every Secret, then keeps them: a second run writes nothing", () => {
        const out = drive({ op: "keep", spec, runs: 2 });
        expect(out.runs[0].map((a: string[]) => a.join(" "))).toEqual(["created af hub", "created af-cms copy", "created af pool-key", "created af-cms pool-token"]);
        expect(out.runs[1].map((a: string[]) => a[0])).toEqual(["kept", "kept", "kept", "kept"]);
        expect(out.calls.filter((c: string) => c !== "GET")).toHaveLength(4);
        const s = out.store;
        expect(data(s, "af/hub", "cookie").toString()).toMatch(/^[0-9a-f]{64}$/);
        expect(data(s, "af-cms/copy", "token").toString()).toBe(data(s, "af/hub", "svc.token").toString());
        expect(data(s, "af/pool-key", "POOL")).toHaveLength(64);
        expect(s["af/hub"].metadata).toMatchObject({ labels: { a: "b" }, annotations: { "hepaf.io/made-by": "af/af-hub" } });
        // The group's token is signed with the key the same pass made.
        const token = data(s, "af-cms/pool-token", "t").toString();
        const claims = JSON.parse(Buffer.from(token.split(".")[1], "base64url").toString());
        expect(token).toBe(mintToken(data(s, "af/pool-key", "POOL"), "POOL", { subject: claims.sub, issuer: claims.iss, scopes: SUBMIT_SCOPES, id: claims.jti, issuedAt: claims.iat }));
    });

    test("a lost Secret is made again with the values its copies still hold; a copy that differs is set back; a missing key is added", () => {
        const first = drive({ op: "keep", spec }).store;
        const store = JSON.parse(JSON.stringify(first));
        delete store["af/hub"];
        store["af-cms/copy"].data.token = Buffer.from("tampered").toString("base64");
        delete store["af-cms/pool-token"].data.t;
        // The hub's token now lives only in the tampered copy: it is read back from there, first in order.
        const out = drive({ op: "keep", spec, store });
        expect(out.runs[0].map((a: string[]) => a[0])).toEqual(["created", "kept", "kept", "completed"]);
        expect(data(out.store, "af/hub", "svc.token").toString()).toBe("tampered");
        expect(data(out.store, "af/hub", "cookie").toString()).not.toBe(data(first, "af/hub", "cookie").toString());
        const restored = { ...first, "af-cms/copy": { ...first["af-cms/copy"], data: { token: Buffer.from("other").toString("base64") } } };
        const back = drive({ op: "keep", spec, store: restored });
        expect(back.runs[0].map((a: string[]) => a[0])).toEqual(["kept", "completed", "kept", "kept"]);
        expect(data(back.store, "af-cms/copy", "token").toString()).toBe(data(first, "af/hub", "svc.token").toString());
        expect(data(back.store, "af-cms/pool-token", "t").toString()).toBe(data(first, "af-cms/pool-token", "t").toString());
    });
});
