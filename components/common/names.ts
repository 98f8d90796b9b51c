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
