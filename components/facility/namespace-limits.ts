import { AdmittedContainer } from "../dask-gateway";
import { ProfileArgs } from "../jupyterhub";
import { isQuantity, quantityValue } from "../jupyterhub/quantity";

/**
 * A group namespace has a LimitRange (the policy pack insists), and it applies to every
 * container there, the group's notebooks included. Two things follow, both found by a real API
 * server refusing a notebook pod:
 * - its largest container limit must admit the largest notebook profile;
 * - a profile with a guarantee but no limit would get the LimitRange's default limit, which a
 *   larger guarantee exceeds (request > limit is refused), so such a profile is limited to its
 *   guarantee.
 */

/** The profile with each missing limit set to its guarantee. */
export function limitedProfile(profile: ProfileArgs): ProfileArgs {
    return {
        ...profile,
        cpuLimit: profile.cpuLimit ?? profile.cpuGuarantee,
        memoryLimit: profile.memoryLimit ?? profile.memoryGuarantee,
    };
}

const GiB = 2 ** 30;

/** The largest limits among the profiles (quantities that do not parse are left to the hub's checks), or undefined if none has one. */
export function largestProfile(profiles: ProfileArgs[]): AdmittedContainer | undefined {
    const value = (q?: string) => (q !== undefined && isQuantity(q) ? quantityValue(q) : 0);
    const cpu = Math.max(0, ...profiles.map((p) => value(p.cpuLimit ?? p.cpuGuarantee)));
    const memoryGiB = Math.max(0, ...profiles.map((p) => value(p.memoryLimit ?? p.memoryGuarantee) / GiB));
    return cpu > 0 || memoryGiB > 0 ? { cpu, memoryGiB, what: "the group's largest notebook profile" } : undefined;
}
