/**
 * What a policy may decide on during a preview. The SDK hands a policy the resource's
 * properties behind a proxy that throws `UnknownValueError` when a value the engine does not
 * know yet is read (a certificate the tls provider has not made, an ID not allocated), and turns
 * that throw into a "can't run policy ... during preview" advisory. `knownProps` reads every
 * value once, catching that throw, and gives back plain data in which each unknown value is
 * `UNKNOWN`, so the rules judge what is known and leave the rest to `pulumi up`, where the
 * engine hands the policy every input resolved.
 */
import { UnknownValueError } from "@pulumi/policy";
import { K8sResource, UNKNOWN } from "./rules";

/** Reads `obj[key]`; `UNKNOWN` where the SDK's proxy says the value is not known yet. */
function read(obj: any, key: string): unknown {
    try {
        return obj[key];
    } catch (e) {
        if (e instanceof UnknownValueError) return UNKNOWN;
        throw e;
    }
}

/** A plain copy of `value` (the SDK's proxied props, or any JSON) with unknown values as `UNKNOWN`. */
export function knownProps(value: unknown): any {
    if (value === null || typeof value !== "object") return value;
    if (Array.isArray(value)) return Array.from({ length: value.length }, (_, i) => knownProps(read(value, String(i))));
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value)) out[key] = knownProps(read(value, key));
    return out;
}

/** The resource a rule judges: its type, and its properties with unknown values as `UNKNOWN`. */
export const knownResource = (r: { type: string; props: unknown }): K8sResource => ({ type: r.type, props: knownProps(r.props) });
