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
import { KeptSecrets, SecretsMadeBy } from "../kept-secrets";
import { MonitoringPlan, monitoringHubTokenSecret } from "../monitoring";
import { AnalysisFacilityArgs } from "./args";
import { FacilityPkiPlan } from "./pki-plan";

/** The consumers of the hub's service tokens, as the facility declares them. */
export interface TokenConsumers {
    /** Each group's gateway: its group, namespace and hub service. */
    gateways: { group: string; namespace: string; service: string }[];
    /** The Dask access service, if it runs. */
    access?: { namespace: string; secretName: string; service: string };
    /** The monitoring plan and the facility namespace: where the scraper reads its token, if something scrapes. */
    monitoring: { plan: MonitoringPlan; facilityNamespace: string; service: string };
    /** In-cluster pools' signing keys and tokens. */
    pools: KeptSecrets[];
}

/** Who makes the hub's secrets (and an in-cluster pool's): `cluster` with `pki.mode: cert-manager`, else as `hub.secrets.madeBy` says. */
export function secretsMadeBy(args: Pick<AnalysisFacilityArgs, "hub" | "htcondor">, pki: Pick<FacilityPkiPlan, "mode">): SecretsMadeBy {
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

/** The hub's `secrets` args for the facility, once {@link secretsMadeBy} has said who makes them. */
export function planHubSecrets(name: string, args: Pick<AnalysisFacilityArgs, "hub">, madeBy: SecretsMadeBy, consumers: TokenConsumers): HubSecretsArgs {
    if (madeBy === "program") return { ...args.hub.secrets, madeBy };
    const labels = (part: string, group?: string) => standardLabels({ name: part, instance: name, component: "credentials", facility: name, ...(group ? { group } : {}) });
    const { plan, facilityNamespace, service } = consumers.monitoring;
    const scraperToken = monitoringHubTokenSecret(plan, facilityNamespace, serviceTokenValueId(service), labels("hepaf-monitoring"));
    const alsoKeep: KeptSecrets[] = [
        ...consumers.gateways.map((g) => ({ values: {}, secrets: [gatewayHubTokenSecret(g.namespace, serviceTokenValueId(g.service), labels("dask-gateway", g.group))] })),
        ...(consumers.access ? [daskAccessKeptSecrets(consumers.access.namespace, consumers.access.secretName, serviceTokenValueId(consumers.access.service), labels("dask-access"))] : []),
        ...(scraperToken ? [{ values: {}, secrets: [scraperToken] }] : []),
        ...consumers.pools,
    ];
    return { ...args.hub.secrets, madeBy, alsoKeep };
}
