/**
 * Reading the images' requirements and locks (pip's requirement syntax, as uv writes it), for
 * the unit tier's checks of the locks and the live tier's checks of the built images.
 */
import * as fs from "fs";
import * as path from "path";

/** The repository root. */
const ROOT = path.join(__dirname, "..", "..");
const read = (p: string) => fs.readFileSync(path.join(ROOT, p), "utf8");
/** PEP 503 normalised name. */
export const norm = (n: string) => n.toLowerCase().replace(/[-_.]+/g, "-");

export interface Requirement {
    name: string;
    /** The exact version of a `==` pin, if it is one. */
    pinned?: string;
    line: string;
}

/** Requirements of a requirements.in, following `-r` includes (comments and `-c` skipped). */
export function parseIn(file: string): Requirement[] {
    const out: Requirement[] = [];
    for (const raw of read(file).split("\n")) {
        const line = raw.replace(/#.*/, "").trim();
        if (!line || line.startsWith("-c")) continue;
        const include = /^-r\s+(\S+)$/.exec(line);
        if (include) {
            out.push(...parseIn(path.join(path.dirname(file), include[1])));
            continue;
        }
        const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?\s*(==\s*([^\s;]+))?/.exec(line);
        if (!m) throw new Error(`${file}: cannot read "${line}"`);
        out.push({ name: norm(m[1]), pinned: m[4], line });
    }
    return out;
}

/** The pins of a lock (name -> version) and the pins without a hash. */
export function parseLock(file: string): { pins: Map<string, string>; unhashed: string[] } {
    const pins = new Map<string, string>();
    const unhashed: string[] = [];
    const entries = read(file).split(/\n(?=[A-Za-z0-9])/);
    for (const entry of entries) {
        const m = /^([A-Za-z0-9][A-Za-z0-9._-]*)(\[[^\]]*\])?==([^\s\\;]+)/.exec(entry);
        if (!m) continue;
        pins.set(norm(m[1]), m[3]);
        if (!/--hash=sha256:[0-9a-f]{64}/.test(entry)) unhashed.push(m[1]);
    }
    return { pins, unhashed };
}
