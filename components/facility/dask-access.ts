import type { ScraperRef } from "../common/metrics";
import { gatewayServiceName, groupNamespace } from "../common";
import { DaskAccessArgs } from "../dask-sessions";
import { AnalysisFacilityArgs } from "./args";

/** A group's Dask Gateway API, as its users reach it: `https://<domain>/services/dask-gateway-<group>`. */
export function gatewayAddress(domain: string, group: string): string {
    return `https://${domain}/services/${gatewayServiceName(group)}`;
}

/** Where dask-gateway clients reach the groups' schedulers: `gateway://<domain>:<daskPort>`, Traefik's one Dask port. */
export function gatewayProxyAddress(domain: string, daskPort: number): string {
    return `gateway://${domain}:${daskPort}`;
}

/**
 * The Dask access service's args for a facility (all but the hub, which exists later), or
 * undefined when `daskAccess.enabled` is false: every group, with sessions where it has an
 * HTCondor pool (its notebooks run their own schedulers) and its gateway. The service runs
 * `daskAccess.image`, else `hubImage` (the facility's hub image).
 */
export function facilityDaskAccess(
    name: string,
    args: AnalysisFacilityArgs,
    traefik: { namespace: string; websecure: string; routeLabels: Record<string, string>; daskPort: number },
    hubImage?: string,
    scraper?: ScraperRef,
): Omit<DaskAccessArgs, "hub"> | undefined {
    const a = args.daskAccess ?? {};
    if (a.enabled === false) return undefined;
    return {
        facility: name,
        namespace: traefik.namespace,
        domain: args.domain,
        daskPort: traefik.daskPort,
        groups: args.groups.map((g) => ({
            name: g.name,
            namespace: groupNamespace(name, g.name),
            sessions: g.htcondor !== undefined,
            gateway: { address: gatewayAddress(args.domain, g.name), proxyAddress: gatewayProxyAddress(args.domain, traefik.daskPort) },
        })),
        certificateValidityDays: a.certificateValidityDays,
        mintsPerDay: a.mintsPerDay,
        image: a.image ?? hubImage,
        traefik: { namespace: traefik.namespace, entrypoints: { websecure: traefik.websecure }, routeLabels: traefik.routeLabels },
        ...(scraper ? { scraper } : {}),
    };
}
