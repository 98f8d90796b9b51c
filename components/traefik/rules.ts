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

/** Checks a HostSNIRegexp pattern, naming `argument` on bad input. */
export function requireSniRegexp(pattern: string, argument: string): void {
    check(typeof pattern === "string" && pattern.length > 0, argument, "must be a non-empty regular expression");
    check(!pattern.includes("`"), argument, "must not contain a backtick (Traefik quotes rule values in backticks)");
    try {
        new RegExp(pattern);
    } catch (err) {
        check(false, argument, `"${pattern}" is not a valid regular expression (${(err as Error).message})`);
    }
}

/** `HostSNI(\`host\`)`. */
export function hostSniRule(host: string): string {
    return `HostSNI(\`${host}\`)`;
}

/** `HostSNIRegexp(\`pattern\`)`. */
export function hostSniRegexpRule(pattern: string): string {
    return `HostSNIRegexp(\`${pattern}\`)`;
}

/** `Host(\`host\`)` for HTTP routers. */
export function hostRule(host: string): string {
    return `Host(\`${host}\`)`;
}
