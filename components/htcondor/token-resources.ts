import * as command from "@pulumi/command";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { PoolTokenPlan } from "./plan";
import { AuthzLevel, mintToken } from "./tokens";

/** One token to obtain. */
export interface TokenRequest {
    /** Resource name prefix (unique in the component). */
    resourceName: string;
    identity: string;
    scopes: readonly AuthzLevel[];
}

/**
 * `iat` that stays put: a RandomInteger created once with the current time as its only
 * possible value; later runs ignore the moving bounds, so the tokens and their Secrets do not
 * change on every `pulumi up`.
 */
export function stableIssuedAt(resourceName: string, issuedAt: number | undefined, parent: pulumi.Resource): pulumi.Output<number | undefined> {
    if (issuedAt !== undefined) {
        return pulumi.output(issuedAt);
    }
    const now = Math.floor(Date.now() / 1000);
    const record = new random.RandomInteger(resourceName, { min: now, max: now }, { parent, ignoreChanges: ["min", "max"] });
    return record.result as pulumi.Output<number | undefined>;
}

/** Mints a token from `signingKey` (base64 of the key file) in TypeScript; a Pulumi secret. */
export function mintedToken(
    req: TokenRequest,
    signingKey: pulumi.Input<string>,
    keyId: string,
    trustDomain: string,
    issuedAt: pulumi.Output<number | undefined>,
    lifetimeDays: number | undefined,
    parent: pulumi.Resource,
): pulumi.Output<string> {
    // A new jti (and so a new token) when the identity, scopes or key id change.
    const jti = new random.RandomId(`${req.resourceName}-jti`, { byteLength: 16, keepers: { identity: req.identity, scopes: req.scopes.join(" "), keyId } }, { parent });
    const token = pulumi.all([signingKey, jti.hex, issuedAt]).apply(([key, id, iat]) =>
        mintToken(Buffer.from(key, "base64"), keyId, {
            subject: req.identity,
            issuer: trustDomain,
            scopes: req.scopes,
            id,
            issuedAt: iat,
            expiresAt: iat !== undefined && lifetimeDays !== undefined ? iat + lifetimeDays * 86400 : undefined,
        }),
    );
    return pulumi.secret(token);
}

/** Creates a token on the central manager with condor_token_create over SSH; stdout is secret and not logged. */
export function remoteToken(req: TokenRequest, plan: Extract<PoolTokenPlan, { source: "remote" }>, parent: pulumi.Resource): pulumi.Output<string> {
    // Every word is validated (identity, key id, authz levels, integer lifetime): no shell quoting needed.
    const words = ["condor_token_create", "-identity", req.identity, "-key", plan.keyId, ...req.scopes.flatMap((s) => ["-authz", s])];
    if (plan.lifetimeDays !== undefined) {
        words.push("-lifetime", String(plan.lifetimeDays * 86400));
    }
    const cmd = new command.remote.Command(
        `${req.resourceName}-create`,
        { connection: plan.connection, create: words.join(" "), logging: "none" },
        { parent, additionalSecretOutputs: ["stdout"] },
    );
    return pulumi.secret(cmd.stdout.apply((s) => (s ?? "").trim()));
}
