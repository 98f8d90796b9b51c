import { check } from "./errors";
import { requireDnsLabel } from "./validate";

/**
 * Every per-facility and per-group name is derived here, in one place, so no component
 * re-spells another's names.
 */

/** The namespace of a facility's shared parts (hub, Traefik, root CA): the facility name. */
export function facilityNamespace(facility: string): string {
    requireDnsLabel(facility, "facility");
    return facility;
}

/** The namespace of one group: `<facility>-<group>`, itself a DNS label. */
export function groupNamespace(facility: string, group: string): string {
    requireDnsLabel(facility, "facility");
    requireDnsLabel(group, "group");
    const name = `${facility}-${group}`;
    check(
        name.length <= 63,
        "group",
        `namespace "${name}" (facility "${facility}" + group "${group}") is longer than 63 characters; shorten one of them`,
    );
    return name;
}

/** The JupyterHub service name of a group's Dask Gateway: `dask-gateway-<group>`. */
export function gatewayServiceName(group: string): string {
    requireDnsLabel(group, "group");
    return `dask-gateway-${group}`;
}

/** The Kubernetes Service of a group's Dask Gateway API server, in the group namespace. */
export const GATEWAY_API_SERVICE = "dask-gateway-api";
/** The port of the Dask Gateway API server Service. */
export const GATEWAY_API_PORT = 8000;

/** In-cluster URL of a group's Dask Gateway API server. */
export function gatewayApiUrl(facility: string, group: string): string {
    return `http://${GATEWAY_API_SERVICE}.${groupNamespace(facility, group)}.svc.cluster.local:${GATEWAY_API_PORT}`;
}
