import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";

/**
 * Reads a committed stack file (stacks/Pulumi.<stack>.yaml) without the Pulumi engine, for the
 * plan and the tests. Encrypted values (`secure: v1:...`) cannot be read without the engine;
 * each becomes a random placeholder of the same kind (base64), never the secret itself.
 */
export function readStackFile(stack: string, stacksDir = path.join(__dirname, "..", "stacks")): Record<string, unknown> {
    const doc = parse(fs.readFileSync(path.join(stacksDir, `Pulumi.${stack}.yaml`), "utf8"));
    return Object.fromEntries(Object.entries<unknown>(doc?.config ?? {}).map(([k, v]) => [k, placeholders(v)]));
}

function placeholders(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(placeholders);
    if (value !== null && typeof value === "object") {
        const entries = Object.entries(value as Record<string, unknown>);
        if (entries.length === 1 && entries[0][0] === "secure") {
            return crypto.randomBytes(48).toString("base64");
        }
        return Object.fromEntries(entries.map(([k, v]) => [k, placeholders(v)]));
    }
    return value;
}
