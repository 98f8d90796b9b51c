import { check } from "./errors";

/**
 * Validators for names that end up on the wire or in Kubernetes. Hand-written because each is
 * one regular expression from an RFC or from the consuming software, and the messages must
 * name the argument; a schema library would add a dependency for no extra safety.
 */

/** RFC 1123 label: lower-case alphanumerics and '-', starts and ends alphanumeric, 1..63. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** True when `value` is an RFC 1123 DNS label (what Kubernetes requires of namespace names). */
export function isDnsLabel(value: string): boolean {
    return DNS_LABEL.test(value);
}

/** True when `value` is an RFC 1123 host name: dot-separated labels, 253 characters at most. */
export function isDnsName(value: string): boolean {
    if (value.length === 0 || value.length > 253) {
        return false;
    }
    return value.split(".").every((label) => DNS_LABEL.test(label));
}

/**
 * True when `value` is an e-mail address as ACME servers take them: an RFC 5322 dot-atom local
 * part, `@`, and a DNS name with at least one dot.
 */
export function isEmailAddress(value: string): boolean {
    const m = /^([A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*)@([^@]+)$/.exec(value);
    return m !== null && m[3].includes(".") && isDnsName(m[3].toLowerCase());
}

/** True when `value` is a dotted-quad IPv4 or an IPv6 address. */
export function isIpAddress(value: string): boolean {
    const v4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
    if (v4.test(value)) {
        return true;
    }
    // IPv6: hex groups with at most one '::'; URL parsing does the rest of the grammar.
    if (!/^[0-9a-fA-F:]+$/.test(value) || !value.includes(":")) {
        return false;
    }
    try {
        return new URL(`http://[${value}]/`).hostname.length > 2;
    } catch {
        return false;
    }
}

/** Asserts `value` is a DNS label, naming `argument` in the error. */
export function requireDnsLabel(value: string, argument: string): void {
    check(
        typeof value === "string" && isDnsLabel(value),
        argument,
        `"${value}" is not a valid DNS label (lower-case letters, digits and '-', starting and ending with a letter or digit, at most 63 characters)`,
    );
}

/** Asserts `value` is a DNS host name, naming `argument` in the error. */
export function requireDnsName(value: string, argument: string): void {
    check(
        typeof value === "string" && isDnsName(value),
        argument,
        `"${value}" is not a valid DNS name (dot-separated lower-case labels of letters, digits and '-', at most 253 characters)`,
    );
}

/** Asserts `value` is a TCP port number, naming `argument` in the error. */
export function requirePort(value: number, argument: string): void {
    check(
        Number.isInteger(value) && value >= 1 && value <= 65535,
        argument,
        `${value} is not a valid port (an integer from 1 to 65535)`,
    );
}

/** Asserts `value` is a positive integer, naming `argument` in the error. */
export function requirePositiveInteger(value: number, argument: string): void {
    check(Number.isInteger(value) && value >= 1, argument, `${value} must be an integer >= 1`);
}

/** Asserts `value` is one of `allowed`, naming `argument` and the valid values in the error. */
export function requireOneOf<T extends string>(value: string, allowed: readonly T[], argument: string): asserts value is T {
    check(
        (allowed as readonly string[]).includes(value),
        argument,
        `"${value}" is not valid; use one of ${allowed.map((a) => `"${a}"`).join(", ")}`,
    );
}

/** Asserts no value occurs twice in `values`, naming `argument` and the duplicate. */
export function requireUnique(values: readonly string[], argument: string, what: string): void {
    const seen = new Set<string>();
    for (const value of values) {
        check(!seen.has(value), argument, `duplicate ${what} "${value}"`);
        seen.add(value);
    }
}
