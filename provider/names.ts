/**
 * Property names on the wire: the TypeScript name, but for the binary units `GiB` and `MiB`,
 * written `Gib` and `Mib` there, so that Pulumi's Python generator, which splits a name at
 * each capital, makes `memory_gib` of `memoryGiB` (not `memory_gi_b`). The provider maps them
 * back; nothing else is renamed.
 */
const UNIT = /(Gi|Mi)B(?=[A-Z]|$)/g;
const WIRE_UNIT = /(Gi|Mi)b(?=[A-Z]|$)/g;

/** The schema's (and the engine's) name of a TypeScript property. */
export function wireName(tsName: string): string {
    return tsName.replace(UNIT, "$1b");
}

/** The TypeScript property of a schema name. */
export function tsName(wire: string): string {
    return wire.replace(WIRE_UNIT, "$1B");
}
