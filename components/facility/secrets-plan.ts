/**
 * Who makes the facility's secrets (pure). With `pki.mode: cert-manager` nothing secret passes
 * through the program: cert-manager makes the keys, and the hub's keeper makes, at the hub's first
 * start, its own secrets and each hub service's copy of its token (a group's gateway, the Dask
 * access service with its cookie secret, the scraper's metrics token). Otherwise the program makes
 * them (random resources, in Pulumi state), unless the site asks for the keeper.
 */
import { check, standardLabels } from "../common";
import { gatewayHubTokenSecret } from "../dask-gateway";
import { daskAccessKeptSecrets } from "../dask-sessions";
import { HubSecretsArgs, serviceTokenValueId } from "../jupyterhub";
import { KeptSecret, KeptSecrets } from "../kept-secrets";
import { AnalysisFacilityArgs } from "./args";
import { FacilityPkiPlan } from "./pki-plan";

/** The consumers of the hub's service tokens, as the facility declares them. */
export interface TokenConsumers {
    /** Each group's gateway: its namespace and hub service. */
    gateways: { namespace: string; service: string }[];
    /** The Dask access service, if it runs. */
    access?: { namespace: string; secretName: string; service: string };
    /** The scraper's token Secret, if something scrapes. */
    monitoring?: KeptSecret;
    /** In-cluster pools' signing keys and tokens. */
    pools: KeptSecrets[];
}

/** Who makes the hub's secrets (and an in-cluster pool's): `cluster` with `pki.mode: cert-manager`, else as `hub.secrets.madeBy` says. */
export function secretsMadeBy(args: Pick<AnalysisFacilityArgs, "hub" | "htcondor">, pki: Pick<FacilityPkiPlan, "mode">): "program" | "cluster" {
    const asked = args.hub.secrets?.madeBy;
    check(
        !(pki.mode === "cert-manager" && asked === "program"),
        "hub.secrets.madeBy",
        '"program" cannot be used with pki.mode "cert-manager", which keeps every secret in the cluster; use "cluster" or leave it out',
    );
    check(!(args.hub.secrets?.alsoKeep ?? []).length, "hub.secrets.alsoKeep", "is set by the facility (its parts' Secrets); leave it out");
    if (pki.mode === "cert-manager") {
        for (const [pool, spec] of Object.entries(args.htcondor?.pools ?? {})) {
            const source = spec.mode === "external" ? spec.tokens?.source : "site";
            check(
                source === "site",
                `htcondor.pools.${pool}.tokens.source`,
                `"${source}" puts the group tokens (or the key they are minted with) in the program; with pki.mode "cert-manager" use "site" (the site keeps each group's token in the Secret htcondor-<facility>-${pool}-token of the group namespace)`,
            );
        }
    }
    return asked ?? (pki.mode === "cert-manager" ? "cluster" : "program");
}

/** The hub's `secrets` args for the facility. */
export function planHubSecrets(name: string, args: Pick<AnalysisFacilityArgs, "hub" | "htcondor">, pki: Pick<FacilityPkiPlan, "mode">, consumers: TokenConsumers): HubSecretsArgs {
    const madeBy = secretsMadeBy(args, pki);
    if (madeBy === "program") return { ...args.hub.secrets, madeBy };
    const labels = (part: string, group?: string) => standardLabels({ name: part, instance: name, component: "credentials", facility: name, ...(group ? { group } : {}) });
    const alsoKeep: KeptSecrets[] = [
        ...consumers.gateways.map((g) => ({
            values: {},
            secrets: [gatewayHubTokenSecret(g.namespace, serviceTokenValueId(g.service), labels("dask-gateway", g.namespace.slice(name.length + 1)))],
        })),
        ...(consumers.access ? [daskAccessKeptSecrets(consumers.access.namespace, consumers.access.secretName, serviceTokenValueId(consumers.access.service), labels("dask-access"))] : []),
        ...(consumers.monitoring ? [{ values: {}, secrets: [consumers.monitoring] }] : []),
        ...consumers.pools,
    ];
    return { ...args.hub.secrets, madeBy, alsoKeep };
}
