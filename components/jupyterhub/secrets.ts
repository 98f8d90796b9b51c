import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";
import { JupyterHubArgs } from "./args";
import { HubContext } from "./context";
import { renderHubSecrets, ResolvedHubSecrets, HUB_SECRETS_FILE } from "./values";
import { HEX_32, joinKeptSecrets, KeeperSpec, KeptSecrets, KeptValue } from "../kept-secrets";
import type { HubPlan } from "./validate";
import { serviceTokenKey, serviceTokenValueId } from "./secret-names";

/** Keys of the hub Secret. */
export const SECRET_KEYS = {
    cookieSecret: "hub.cookie-secret",
    cryptKey: "hub.crypt-key",
    proxyToken: "proxy.token",
    secretsFile: HUB_SECRETS_FILE,
} as const;

/** The hub's own Secret as the keeper makes it: cookie secret, crypt key, proxy token, each service's token. */
export function hubKeptSecrets(plan: Pick<HubPlan, "name" | "namespace" | "names" | "services">, labels: Record<string, string>): KeptSecrets {
    const values: Record<string, KeptValue> = {
        [`${plan.name}.cookie-secret`]: HEX_32,
        [`${plan.name}.crypt-key`]: HEX_32,
        [`${plan.name}.proxy-token`]: HEX_32,
    };
    const data: Record<string, string> = {
        [SECRET_KEYS.cookieSecret]: `${plan.name}.cookie-secret`,
        [SECRET_KEYS.cryptKey]: `${plan.name}.crypt-key`,
        [SECRET_KEYS.proxyToken]: `${plan.name}.proxy-token`,
    };
    for (const s of plan.services) {
        values[serviceTokenValueId(s.name)] = HEX_32;
        data[serviceTokenKey(s.name)] = serviceTokenValueId(s.name);
    }
    return { values, secrets: [{ namespace: plan.namespace, name: plan.names.secret, labels, data }] };
}

/**
 * The hub's secrets. Made by the program: random resources (stable across updates, kept in
 * state) and the hub Secret. Made in the cluster: the keeper's spec, and no value at all.
 */
export type HubSecrets =
    | { madeBy: "program"; secret: k8s.core.v1.Secret; serviceTokens: Record<string, pulumi.Output<string>> }
    | { madeBy: "cluster"; keeper: KeeperSpec };

/** Declares the hub's secrets as the plan says who makes them. */
export function declareSecrets(ctx: HubContext, args: JupyterHubArgs): HubSecrets {
    const { plan } = ctx;
    if (plan.secrets.madeBy === "cluster") {
        const keeper = joinKeptSecrets(`${plan.namespace}/${plan.names.hub}`, [hubKeptSecrets(plan, ctx.labels("hub")), ...plan.secrets.alsoKeep]);
        return { madeBy: "cluster", keeper };
    }
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
    return { madeBy: "program", secret, serviceTokens };
}
