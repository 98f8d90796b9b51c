/**
 * An in-cluster pool's signing key and tokens as the facility hub's keeper makes them (secrets
 * made in the cluster): the same Secrets, names and keys the program declares otherwise, each
 * token minted by the keeper from the key it made (pure).
 */
import { standardLabels } from "../common";
import type { KeptSecret, KeptSecrets, KeptValue } from "../kept-secrets";
import { ROLE_SCOPES } from "./in-cluster";
import { PoolPlan } from "./plan";
import { POOL_KEY_ID, SUBMIT_SCOPES } from "./tokens";

/** What the keeper makes for pool `name` (the pool's resource name), planned as `plan`. */
export function poolKeptSecrets(name: string, plan: PoolPlan, facility: string): KeptSecrets {
    const ic = plan.inCluster;
    if (ic === undefined || ic.secretsMadeBy !== "cluster") return { values: {}, secrets: [] };
    const key = `${name}.signing-key`;
    const lifetimeDays = plan.tokens.source === "mint" ? plan.tokens.lifetimeDays ?? null : null;
    const token = (subject: string, scopes: readonly string[]): KeptValue => ({ kind: "htcondor-token", signingKey: key, keyId: POOL_KEY_ID, issuer: plan.trustDomain, subject, scopes, lifetimeDays });
    const labels = (component: string, group?: string) => standardLabels({ name: "htcondor", instance: name, component, facility, ...(group ? { group } : {}) });
    const values: Record<string, KeptValue> = { [key]: { kind: "random", bytes: 64, encoding: "raw" } };
    // The key first: it is read back from there before any copy.
    const secrets: KeptSecret[] = [{ namespace: ic.namespace, name: `${name}-signing-key`, labels: labels("signing-key"), data: { [POOL_KEY_ID]: key } }];
    for (const role of ["submit", "execute"] as const) {
        values[`${name}.${role}-token`] = token(`condor@${plan.trustDomain}`, ROLE_SCOPES[role]);
        secrets.push({ namespace: ic.namespace, name: `${name}-${role}-token`, labels: labels(role), data: { [role]: `${name}.${role}-token` } });
    }
    for (const g of plan.groups) {
        values[`${name}.group.${g.name}.token`] = token(g.identity, SUBMIT_SCOPES);
        secrets.push({ namespace: g.namespace, name: g.tokenSecretName, labels: labels("client", g.name), data: { [name]: `${name}.group.${g.name}.token` } });
    }
    return { values, secrets };
}
