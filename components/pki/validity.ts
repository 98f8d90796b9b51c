import { check } from "../common";

/**
 * Validity and rotation. `@pulumi/tls` reports `readyForRenewal` but never replaces a
 * certificate by itself, so rotation is driven here: each certificate carries a rotation
 * epoch as its `replacementTrigger`. Epochs are `validity - renewBefore` long, so a
 * certificate created anywhere inside an epoch is replaced by the first `pulumi up` after the
 * epoch ends, which is at least `renewBefore` before it expires.
 */

/** Hours in a day. */
export const HOURS_PER_DAY = 24;

/** Plain validity numbers of a certificate, in hours. */
export interface Validity {
    /** Total validity from issuance. */
    validityHours: number;
    /** How long before expiry an ordinary `pulumi up` replaces it. */
    renewBeforeHours: number;
}

/** Checks and converts day counts into a {@link Validity}, naming the arguments on bad input. */
export function resolveValidity(validityDays: number, renewBeforeDays: number, argument: string): Validity {
    check(
        Number.isFinite(validityDays) && validityDays > 0,
        `${argument}.validityDays`,
        `${validityDays} must be a number of days > 0`,
    );
    check(
        Number.isFinite(renewBeforeDays) && renewBeforeDays > 0 && renewBeforeDays < validityDays,
        `${argument}.renewBeforeDays`,
        `${renewBeforeDays} must be > 0 and less than validityDays (${validityDays})`,
    );
    return {
        validityHours: Math.round(validityDays * HOURS_PER_DAY),
        renewBeforeHours: Math.round(renewBeforeDays * HOURS_PER_DAY),
    };
}

/**
 * The rotation epoch at `nowMs`: changes every `validity - renewBefore` hours, so using it
 * as a replacement trigger renews the certificate before it is within `renewBefore` of expiry.
 */
export function rotationEpoch(validity: Validity, nowMs: number): number {
    const periodMs = (validity.validityHours - validity.renewBeforeHours) * 3600 * 1000;
    return Math.floor(nowMs / periodMs);
}

/** Refuses a leaf or intermediate that would outlive its issuer. */
export function requireWithinIssuer(validity: Validity, issuerValidityHours: number, argument: string): void {
    check(
        validity.validityHours <= issuerValidityHours,
        `${argument}.validityDays`,
        `${validity.validityHours / HOURS_PER_DAY} days is beyond the issuer's validity of ${
            Math.floor((issuerValidityHours / HOURS_PER_DAY) * 100) / 100
        } days; choose at most that`,
    );
}
