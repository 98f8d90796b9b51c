/**
 * Shared set-up for unit tests under Pulumi mocks: a recorder of every registered resource,
 * output unwrapping, and waiting until every started registration has finished.
 */
import * as pulumi from "@pulumi/pulumi";
import { waitForRegistrations } from "../../infra/registrations";
import { tlsDouble } from "./tls-double";

/** A resource as the mocks saw it. */
export interface Recorded {
    type: string;
    name: string;
    /** Inputs with Pulumi secrets unwrapped to their values. */
    inputs: any;
    /** Inputs as sent, secrets still marked (see {@link isSecretValue}). */
    rawInputs: any;
    state: any;
}

/** The signature Pulumi puts on serialized secret values. */
const SECRET_SIG = "4dabf18193072939515e22adb298388d";
const SECRET_SIG_VALUE = "1b47061264138c4ac30d75fd1eb44270";

/** True when a raw input value is a Pulumi secret. */
export function isSecretValue(value: any): boolean {
    return value !== null && typeof value === "object" && value[SECRET_SIG] === SECRET_SIG_VALUE;
}

/** Replaces every secret marker in `value` by the value it wraps. */
export function unwrapSecrets(value: any): any {
    if (isSecretValue(value)) {
        return unwrapSecrets(value.value);
    }
    if (Array.isArray(value)) {
        return value.map(unwrapSecrets);
    }
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
    }
    return value;
}

/** What `setupMocks` returns: the recorded resources and ways to query them. */
export interface Recorder {
    resources: Recorded[];
    ofType(type: string): Recorded[];
    named(name: string): Recorded;
    reset(): void;
}

/**
 * Installs Pulumi mocks. Resources echo their inputs; `@pulumi/tls` resources go to the tls
 * double (real keys and openssl-signed certificates); `@pulumi/random` resources get random
 * values from node's crypto.
 */
export function setupMocks(): Recorder {
    const resources: Recorded[] = [];
    pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs) {
                const inputs = unwrapSecrets(args.inputs);
                const state = tlsDouble(args.type, inputs) ?? randomDouble(args.type, inputs) ?? { ...inputs };
                resources.push({ type: args.type, name: args.name, inputs, rawInputs: args.inputs, state });
                return { id: `${args.name}-id`, state };
            },
            call(args: pulumi.runtime.MockCallArgs) {
                return args.inputs;
            },
        },
        "hepaf",
        "test",
        false,
    );
    return {
        resources,
        ofType: (type) => resources.filter((r) => r.type === type),
        named: (name) => {
            const found = resources.filter((r) => r.name === name);
            if (found.length !== 1) {
                throw new Error(`expected one resource named ${name}, found ${found.length}: ${resources.map((r) => r.name).join(", ")}`);
            }
            return found[0];
        },
        reset: () => {
            resources.length = 0;
        },
    };
}

function randomDouble(type: string, inputs: any): Record<string, unknown> | undefined {
    if (type === "random:index/randomPassword:RandomPassword" || type === "random:index/randomString:RandomString") {
        const length = inputs.length ?? 32;
        const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
        const bytes = require("crypto").randomBytes(length);
        return { ...inputs, result: Array.from(bytes as Buffer, (b) => alphabet[b % alphabet.length]).join("") };
    }
    if (type === "random:index/randomBytes:RandomBytes") {
        const bytes: Buffer = require("crypto").randomBytes(inputs.length);
        return { ...inputs, hex: bytes.toString("hex"), base64: bytes.toString("base64") };
    }
    if (type === "random:index/randomId:RandomId") {
        const bytes: Buffer = require("crypto").randomBytes(inputs.byteLength);
        return { ...inputs, hex: bytes.toString("hex"), b64Std: bytes.toString("base64"), b64Url: bytes.toString("base64url") };
    }
    return undefined;
}

/** Resolves an Output (secret or not) to its value. */
export function valueOf<T>(output: pulumi.Input<T> | pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => pulumi.output(output).apply((v) => resolve(v as T)));
}

/**
 * Waits until every registration started so far has finished (the SDK's queue of resource
 * RPCs has drained), then for `outputs`, then drains again: a test awaits the outputs whose
 * values decide what else gets declared. No wall-clock window.
 */
export async function settled(...outputs: pulumi.Input<unknown>[]): Promise<void> {
    await waitForRegistrations();
    if (outputs.length > 0) {
        await Promise.all(outputs.map((o) => valueOf(o)));
        await waitForRegistrations();
    }
}

/** Runs `fn` and returns the message of the error it throws (fails when it does not throw). */
export function errorOf(fn: () => unknown): string {
    try {
        fn();
    } catch (err) {
        return (err as Error).message;
    }
    throw new Error("expected an error, but none was thrown");
}
