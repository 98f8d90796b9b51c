import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { JupyterHubArgs } from "./args";
import { HubContext } from "./context";
import { renderHubSecrets, ResolvedHubSecrets, HUB_SECRETS_FILE } from "./values";

/** Keys of the hub Secret. */
export const SECRET_KEYS = {
    cookieSecret: "hub.cookie-secret",
    cryptKey: "hub.crypt-key",
    proxyToken: "proxy.token",
    secretsFile: HUB_SECRETS_FILE,
} as const;

/** Generated secrets, stable across updates (random resources keep their state). */
export interface HubSecrets {
    secret: k8s.core.v1.Secret;
    proxyToken: pulumi.Output<string>;
    serviceTokens: Record<string, pulumi.Output<string>>;
}

/** Declares the random values and the one hub Secret holding every secret the hub reads. */
export function declareSecrets(ctx: HubContext, args: JupyterHubArgs): HubSecrets {
    const { plan } = ctx;
    const parent = { parent: ctx.inNs.parent };
    // 32 bytes each, hex: what JupyterHub expects of JPY_COOKIE_SECRET and JUPYTERHUB_CRYPT_KEY.
    const cookie = new random.RandomBytes(`${plan.name}-cookie-secret`, { length: 32 }, parent);
    const crypt = new random.RandomBytes(`${plan.name}-crypt-key`, { length: 32 }, parent);
    const proxy = new random.RandomPassword(`${plan.name}-proxy-token`, { length: 64, special: false }, parent);
    const serviceTokens: Record<string, pulumi.Output<string>> = {};
    for (const s of plan.services) {
        serviceTokens[s.name] = pulumi.secret(
            new random.RandomPassword(`${plan.name}-service-${s.name}-token`, { length: 64, special: false }, parent).result,
        );
    }
    const login = args.login;
    const groupEnv = Object.fromEntries(
        args.groups.map((g) => [g.name, pulumi.all(g.env ?? {}) as pulumi.Output<Record<string, string>>]),
    );
    const file = pulumi
        .all({
            clientId: login.type === "dummy" ? undefined : login.clientId,
            clientSecret: login.type === "dummy" ? undefined : login.clientSecret,
            dummyPassword: login.type === "dummy" ? login.password : undefined,
            databaseUrl: args.databaseUrl,
            serviceTokens: pulumi.all(serviceTokens),
            groupEnv: pulumi.all(groupEnv),
        })
        .apply((resolved) => renderHubSecrets(resolved as unknown as ResolvedHubSecrets));
    const secret = new k8s.core.v1.Secret(
        `${plan.name}-hub-secret`,
        {
            metadata: { name: plan.names.secret, namespace: plan.namespace, labels: ctx.labels("hub") },
            type: "Opaque",
            stringData: {
                [SECRET_KEYS.cookieSecret]: pulumi.secret(cookie.hex),
                [SECRET_KEYS.cryptKey]: pulumi.secret(crypt.hex),
                [SECRET_KEYS.proxyToken]: pulumi.secret(proxy.result),
                [SECRET_KEYS.secretsFile]: pulumi.secret(file),
            },
        },
        ctx.inNs,
    );
    return { secret, proxyToken: pulumi.secret(proxy.result), serviceTokens };
}
