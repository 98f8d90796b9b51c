import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { isMap, LineCounter, parseDocument } from "yaml";
import { StackConfigError } from "./errors";

/** Where the committed stack files are (Pulumi.yaml's `stackConfigDir`). */
export const STACKS_DIR = path.join(__dirname, "..", "stacks");

/** The stacks that have a file in `stacksDir` (`Pulumi.<stack>.yaml`). */
export function stackNames(stacksDir = STACKS_DIR): string[] {
    if (!fs.existsSync(stacksDir)) return [];
    return fs
        .readdirSync(stacksDir)
        .map((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1])
        .filter((s): s is string => s !== undefined)
        .sort();
}

/** A path as the admin would type it: relative to the working directory when inside it. */
function shown(file: string): string {
    const rel = path.relative(process.cwd(), file);
    return rel && !rel.startsWith("..") && !path.isAbsolute(rel) ? rel : file;
}

/**
 * Reads a committed stack file (stacks/Pulumi.<stack>.yaml) without the Pulumi engine, for the
 * plan and the tests: its `config` mapping, keys as written. Encrypted values (`secure: v1:...`)
 * cannot be read without the engine; each becomes a random placeholder of the same kind
 * (base64), never the secret itself. An unknown stack, a YAML syntax error or a file without a
 * `config` mapping is one line ({@link StackConfigError}), a syntax error with file, line and column.
 */
export function readStackFile(stack: string, stacksDir = STACKS_DIR): Record<string, unknown> {
    const file = path.join(stacksDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        const known = stackNames(stacksDir);
        throw new StackConfigError([`stack "${stack}" not found: there is no ${shown(file)} (stacks: ${known.join(", ") || "none"})`], "");
    }
    const lines = new LineCounter();
    const doc = parseDocument(fs.readFileSync(file, "utf8"), { lineCounter: lines, prettyErrors: false });
    const error = doc.errors[0];
    if (error) {
        const { line, col } = lines.linePos(error.pos[0]);
        throw new StackConfigError([`${shown(file)}:${line}:${col}: ${error.message.split("\n")[0]}`], "");
    }
    const config = doc.get("config");
    if (config === undefined || config === null) return {};
    if (!isMap(config)) throw new StackConfigError([`${shown(file)}: "config" must be a mapping of settings (hepaf:<key>: value)`], "");
    const values = doc.toJS().config as Record<string, unknown>;
    return Object.fromEntries(Object.entries(values).map(([k, v]) => [k, placeholders(v)]));
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

/** The stack file's config as Pulumi hands it to the program: JSON text for structured values. */
export function asPulumiConfig(config: Record<string, unknown>): Record<string, string> {
    // An empty value (`hepaf:domain:`) is the empty string, as `pulumi config set` would store it.
    return Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : v === null ? "" : JSON.stringify(v)]));
}
