import { check } from "../common";

/**
 * A CA's path-length constraint: how many intermediate CAs may follow it in a chain
 * (`pathlen:n`, n >= 1), or `"none"` for no constraint.
 *
 * There is no `0`: `@pulumi/tls` sets Go's `MaxPathLen` from `maxPathLength` but never
 * `MaxPathLenZero`, and Go writes no constraint at all for `MaxPathLen = 0`. Asking the
 * provider for 0 yields an unconstrained CA, so 0 is refused rather than silently ignored.
 */
export type PathLength = number | "none";

/** Checks a path length, naming the argument: an integer >= 1 or `"none"`. */
export function checkPathLength(value: PathLength, argument: string): void {
    check(
        value !== 0,
        argument,
        '0 cannot be written: the tls provider writes no path-length constraint for 0 (Go\'s MaxPathLen = 0 without MaxPathLenZero); give 1 or more, or "none"',
    );
    check(value === "none" || (Number.isInteger(value) && value >= 1), argument, `${JSON.stringify(value)} must be an integer >= 1 or "none"`);
}

/**
 * What to hand the tls provider's `maxPathLength`. `"none"` becomes 0, which the provider
 * turns into no constraint, and which is also what stacks made before `"none"` existed hold
 * in their state (so their CAs are not replaced).
 */
export function providerMaxPathLength(value: PathLength): number {
    return value === "none" ? 0 : value;
}
