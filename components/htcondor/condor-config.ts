import { check } from "../common";

/**
 * A serializer for HTCondor configuration files (condor_config syntax), from an ordered map of
 * knobs. Hand-written because no npm package writes condor_config, and the format is small:
 * one `NAME = value` per line, `#` starts a comment line, a trailing backslash continues a
 * line, and `$(NAME)` / `$ENV(NAME)` are macro references. The language has no escape
 * sequences, so instead of escaping, values that the parser would read differently from what
 * was meant (line breaks, a trailing backslash, edge whitespace, stray `$`) are refused.
 */

/** A knob value: strings, numbers, booleans, or a list (written comma-separated). */
export type KnobValue = string | number | boolean | readonly string[];

/** Ordered knobs: insertion order is the order in the file. */
export type Knobs = ReadonlyArray<readonly [string, KnobValue]>;

/** Knob names: letters, digits, `_`, and `.` for `SUBSYSTEM.NAME` prefixes. */
const KNOB_NAME = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;
/** The only `$` forms allowed in a value: a macro reference `$(NAME)` or `$ENV(NAME)`. */
const MACRO = /\$(ENV)?\(([A-Za-z_][A-Za-z0-9_.]*)\)/g;

/** True when `name` is a valid condor_config knob name. */
export function isKnobName(name: string): boolean {
    return KNOB_NAME.test(name);
}

/** Checks one knob value, naming `argument` on bad input; returns its text. */
export function knobText(value: KnobValue, argument: string): string {
    let text: string;
    if (Array.isArray(value)) {
        (value as readonly string[]).forEach((v, i) => {
            check(typeof v === "string" && !v.includes(","), `${argument}[${i}]`, `list items must be strings without ','`);
        });
        text = (value as readonly string[]).join(", ");
    } else if (typeof value === "boolean") {
        text = value ? "true" : "false";
    } else if (typeof value === "number") {
        check(Number.isFinite(value), argument, `${value} is not a finite number`);
        text = String(value);
    } else {
        check(typeof value === "string", argument, "must be a string, number, boolean or list of strings");
        text = value as string;
    }
    check(!/[\r\n\0]/.test(text), argument, "a condor_config value must be one line (no CR, LF or NUL)");
    check(text === text.trim(), argument, "a condor_config value must not start or end with whitespace (HTCondor trims it)");
    check(!text.endsWith("\\"), argument, "a condor_config value must not end with '\\' (it would continue the line)");
    check(!text.replace(MACRO, "").includes("$"), argument, "'$' is only allowed in a macro reference $(NAME) or $ENV(NAME)");
    return text;
}

/**
 * Renders knobs as condor_config text. `header` lines become `#` comments. Refuses bad
 * names, duplicates and values the parser would misread, naming `argument`.
 */
export function renderCondorConfig(knobs: Knobs, argument: string, header: readonly string[] = []): string {
    const seen = new Set<string>();
    const lines = header.map((h) => {
        check(!/[\r\n]/.test(h), `${argument}.header`, "comment lines must be one line each");
        return `# ${h}`.trimEnd();
    });
    for (const [name, value] of knobs) {
        check(isKnobName(name), `${argument}.${name}`, `"${name}" is not a valid condor_config knob name (letters, digits, '_', '.')`);
        const key = name.toUpperCase(); // knob names are case-insensitive
        check(!seen.has(key), `${argument}.${name}`, `knob "${name}" is set twice`);
        seen.add(key);
        lines.push(`${name} = ${knobText(value, `${argument}.${name}`)}`);
    }
    return lines.join("\n") + "\n";
}
