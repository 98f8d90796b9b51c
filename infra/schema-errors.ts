/**
 * ajv's errors as one line each, naming the stack config key, the rule that applies (the
 * schema's `description`), the value found (never a secret's) and, for a near miss, what was
 * probably meant.
 */
import type { ErrorObject } from "ajv";
import { SECRET_KEYS } from "./schema";
import { nearest } from "./suggest";

/** `/groups/1/gateway/maxWorkers` → `groups[1].gateway.maxWorkers`. */
export function configKeyPath(instancePath: string): string {
    return instancePath
        .split("/")
        .filter(Boolean)
        .map((part) => part.replace(/~1/g, "/").replace(/~0/g, "~"))
        .map((part) => (/^\d+$/.test(part) ? `[${part}]` : `.${part}`))
        .join("")
        .replace(/^\./, "");
}

/** `hepaf:` and the path, with `child` appended (a key inside the object at `path`). */
export function stackKey(path: string, child?: string | number): string {
    const tail = child === undefined ? "" : typeof child === "number" ? `[${child}]` : path ? `.${child}` : child;
    return `hepaf:${path}${tail}`;
}

/** True when the path lies under a secret setting, whose value is never shown. */
export function isSecretPath(path: string): boolean {
    const top = path.split(/[.[]/)[0];
    return (SECRET_KEYS as readonly string[]).includes(top);
}

/** A short rendering of a value found in the stack config. */
export function echo(value: unknown): string {
    if (typeof value === "string") {
        const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
        return JSON.stringify(shown);
    }
    if (Array.isArray(value)) return "a list";
    if (value === null) return "null";
    if (typeof value === "object") return "a mapping";
    return String(value);
}

/** `, got <value>`, or that the value is not shown. */
function got(path: string, value: unknown): string {
    return isSecretPath(path) ? " (value not shown: a secret)" : `, got ${echo(value)}`;
}

const quoted = (values: readonly unknown[]) => values.map((v) => JSON.stringify(v)).join(", ");

function didYouMean(word: string, candidates: readonly string[]): string {
    const near = nearest(word, candidates);
    return near === undefined ? "" : `; did you mean ${JSON.stringify(near)}?`;
}

/** Keys an object schema (or the branch of a discriminated one) knows. */
function knownKeys(schema: any, data: any): string[] {
    if (schema?.properties) return Object.keys(schema.properties);
    if (schema?.discriminator && Array.isArray(schema.oneOf)) {
        const tag = schema.discriminator.propertyName;
        const branch = schema.oneOf.find((b: any) => b.properties?.[tag]?.const === data?.[tag]);
        return branch ? Object.keys(branch.properties) : [tag];
    }
    return [];
}

/** The discriminated kinds' tag values (`"external"`, `"in-cluster"`). */
function tagValues(schema: any): string[] {
    const tag = schema.discriminator.propertyName;
    return schema.oneOf.map((b: any) => b.properties[tag].const);
}

/** One line for one ajv error (ajv run with `verbose: true`, so each carries its schema and data). */
export function describeError(e: ErrorObject): string {
    const at = configKeyPath(e.instancePath);
    const params = e.params as Record<string, any>;
    const schema = e.parentSchema as Record<string, any> | undefined;
    switch (e.keyword) {
        case "required":
            return `${stackKey(at, params.missingProperty)} is required`;
        case "additionalProperties": {
            const key: string = params.additionalProperty;
            const known = knownKeys(schema, e.data);
            const hint = didYouMean(key, known) || (known.length > 0 && known.length <= 12 ? `; settings here: ${known.join(", ")}` : "");
            // In one kind of a discriminated object (a login type, a pool mode), say which kind.
            const tag = Object.entries<any>(schema?.properties ?? {}).find(([, s]) => s?.const !== undefined);
            const kind = tag ? ` with ${tag[0]} ${JSON.stringify(tag[1].const)}` : "";
            return `${stackKey(at, key)} is not a known setting${kind ? ` of ${stackKey(at)}${kind}` : ""}${hint}`;
        }
        case "enum": {
            const allowed: unknown[] = params.allowedValues;
            const rule = schema?.description ?? `one of ${quoted(allowed)}`;
            const hint = typeof e.data === "string" ? didYouMean(e.data, allowed.map(String)) : "";
            return `${stackKey(at)} must be ${rule}${got(at, e.data)}${hint}`;
        }
        case "discriminator": {
            const tag: string = params.tag;
            const value = (e.data as Record<string, unknown> | undefined)?.[tag];
            if (value === undefined) {
                // Missing, or misspelt: then the misspelt key is what to name.
                const misspelt = Object.keys((e.data as object) ?? {}).find((k) => nearest(k, [tag]) === tag);
                return misspelt
                    ? `${stackKey(at, misspelt)} is not a known setting; did you mean "${tag}"? (${stackKey(at, tag)} is required)`
                    : `${stackKey(at, tag)} is required`;
            }
            const allowed = tagValues(schema);
            const hint = typeof value === "string" ? didYouMean(value, allowed) : "";
            return `${stackKey(at, tag)} must be one of ${quoted(allowed)}${got(at, value)}${hint}`;
        }
        case "uniqueItems": {
            const [first, second] = [params.j, params.i].sort((a: number, b: number) => a - b);
            const value = isSecretPath(at) ? "" : ` (${echo((e.data as unknown[])[second])})`;
            return `${stackKey(at, second)} repeats ${stackKey(at, first)}${value}`;
        }
        case "minItems":
            return `${stackKey(at)} must list at least ${params.limit} item${params.limit === 1 ? "" : "s"}`;
        default: {
            if (e.propertyName !== undefined) {
                // A mapping's key broke its rule (a pool name that is not a DNS label).
                return `${stackKey(at, e.propertyName)}: the name ${JSON.stringify(e.propertyName)} must be ${schema?.description ?? e.message}`;
            }
            const rule = schema?.description ?? e.message;
            return `${stackKey(at)} must be ${rule}${got(at, e.data)}`;
        }
    }
}

/** Every error once, in order, dropping the ones that only repeat another (`if`, `propertyNames`). */
export function describeErrors(errors: readonly ErrorObject[]): string[] {
    const lines = errors.filter((e) => e.keyword !== "if" && e.keyword !== "propertyNames").map(describeError);
    return [...new Set(lines)];
}
