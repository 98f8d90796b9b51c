import { RE2JS } from "re2js";
import { check, isDnsName } from "../common";

/**
 * Traefik TCP rule strings. Traefik v3's HostSNI takes one host: `*` (any) or a name of
 * letters, digits, '.' and '-' (no wildcards; HostSNIRegexp is for patterns). Values are
 * quoted in backticks, so a backtick may never appear inside one.
 */

/** Checks an SNI host as HostSNI accepts it, naming `argument` on bad input. */
export function requireSniHost(host: string, argument: string): void {
    check(
        typeof host === "string" && (host === "*" || isDnsName(host)),
        argument,
        `"${host}" is not a valid HostSNI host: use "*" or one DNS name of lower-case letters, digits, '-' and '.' (for patterns use hostRegexp)`,
    );
}

/**
 * Checks a HostSNIRegexp pattern, naming `argument` on bad input. Traefik compiles the pattern
 * with Go's regexp package (RE2 syntax: no lookaround, no backreferences), so it is checked
 * with RE2's own rules (re2js, a port of RE2) rather than JavaScript's, which accept more.
 */
export function requireSniRegexp(pattern: string, argument: string): void {
    check(typeof pattern === "string" && pattern.length > 0, argument, "must be a non-empty regular expression");
    check(!pattern.includes("`"), argument, "must not contain a backtick (Traefik quotes rule values in backticks)");
    try {
        RE2JS.compile(anchored(pattern));
    } catch (err) {
        check(false, argument, `"${pattern}" is not a regular expression Traefik (Go, RE2 syntax) accepts: ${(err as Error).message}`);
    }
}

/**
 * The pattern as the whole SNI name must match it. Go's MatchString, which Traefik uses, finds
 * a match anywhere in the name, so `[a-z]+\.dask\.example\.org` alone would also route
 * `a.dask.example.org.attacker.example.net`.
 */
export function anchored(pattern: string): string {
    return `^(?:${pattern})$`;
}

/** `HostSNI(\`host\`)`. */
export function hostSniRule(host: string): string {
    return `HostSNI(\`${host}\`)`;
}

/** `HostSNIRegexp(\`^(?:pattern)$\`)`: the pattern anchored, so it must match the whole name. */
export function hostSniRegexpRule(pattern: string): string {
    return `HostSNIRegexp(\`${anchored(pattern)}\`)`;
}

/** `Host(\`host\`)` for HTTP routers. */
export function hostRule(host: string): string {
    return `Host(\`${host}\`)`;
}
