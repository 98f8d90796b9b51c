import * as pulumi from "@pulumi/pulumi";
import * as tls from "@pulumi/tls";
import { requireOneOf } from "../common";
import { DEFAULTS, KeySpec } from "./types";

/** Fills in defaults and checks a key spec, naming `argument` on bad input. */
export function resolveKeySpec(spec: KeySpec | undefined, argument: string): Required<KeySpec> {
    const resolved = { ...DEFAULTS.key, ...(spec ?? {}) };
    requireOneOf(resolved.algorithm, ["ECDSA", "RSA"], `${argument}.algorithm`);
    requireOneOf(resolved.ecdsaCurve, ["P256", "P384", "P521"], `${argument}.ecdsaCurve`);
    requireOneOf(String(resolved.rsaBits), ["2048", "3072", "4096"], `${argument}.rsaBits`);
    return resolved;
}

/** Generates a key pair in Pulumi state; it is created once and stays stable across `up`s. */
export function createPrivateKey(name: string, spec: Required<KeySpec>, opts: pulumi.CustomResourceOptions): tls.PrivateKey {
    return new tls.PrivateKey(
        name,
        spec.algorithm === "ECDSA"
            ? { algorithm: "ECDSA", ecdsaCurve: spec.ecdsaCurve }
            : { algorithm: "RSA", rsaBits: spec.rsaBits },
        opts,
    );
}
