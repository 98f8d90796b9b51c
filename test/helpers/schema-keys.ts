/**
 * Every stack config key the schema accepts, as the README's config table spells them:
 * `groups[].gateway.maxWorkers`, `htcondor.pools.<name>.mode`, `poolSigningKeys.<pool>`.
 * A mapping of free names to strings (annotations, a node selector) is one key; so is
 * `traefik.crds`, whose forms the table describes.
 */
export function schemaKeys(schema: any, prefix = ""): string[] {
    const join = (key: string) => (prefix ? `${prefix}.${key}` : key);
    if (schema.if) return [prefix];
    if (schema.type === "array" && schema.items?.type === "object") return schemaKeys(schema.items, `${prefix}[]`);
    const branches: any[] = schema.oneOf ?? [schema];
    const properties = Object.assign({}, ...branches.map((b) => b.properties ?? {}));
    if (Object.keys(properties).length > 0) {
        return [...new Set(Object.entries(properties).flatMap(([k, s]) => schemaKeys(s, join(k))))];
    }
    if (schema.type === "object" && schema.propertyNames && typeof schema.additionalProperties === "object") {
        const name = MAP_NAMES[prefix] ?? "<name>";
        return schemaKeys(schema.additionalProperties, `${prefix}.${name}`);
    }
    return [prefix];
}

/** How the table names the free keys of each mapping. */
const MAP_NAMES: Record<string, string> = {
    "htcondor.pools": "<name>",
    poolSigningKeys: "<pool>",
    poolTokens: "<pool>",
    "poolTokens.<pool>": "<group>",
};

/** The keys of the README's config table: in each row's first cell, a full key, then `.x` siblings. */
export function readmeKeys(readme: string): string[] {
    const section = readme.slice(readme.indexOf("## Stack config"), readme.indexOf("\n## ", readme.indexOf("## Stack config") + 1));
    const rows = section.split("\n").filter((l) => l.startsWith("| `"));
    return rows.flatMap((row) => {
        const tokens = [...row.split("|")[1].matchAll(/`([^`]+)`/g)].map((m) => m[1]);
        const first = tokens[0];
        const parent = first.includes(".") ? first.slice(0, first.lastIndexOf(".")) : "";
        return tokens.map((t) => (t.startsWith(".") ? parent + t : t));
    });
}
