/**
 * Shared set-up for unit tests under Pulumi mocks: a recorder of every registered resource
 * (inputs and the options the engine would receive), output unwrapping, and waiting until
 * every started registration has finished.
 */
import * as pulumi from "@pulumi/pulumi";
import { waitForRegistrations } from "../../infra/registrations";
import { tlsDouble } from "./tls-double";

/**
 * A resource's options as the engine receives them in its registration, which the mocks'
 * `newResource` does not show: read from the request the SDK sends to the mock monitor.
 */
export interface RecordedOptions {
    urn: string;
    /** URNs this resource waits for: its `dependsOn` and every resource its inputs came from. */
    dependencies: string[];
    /**
     * Per top-level input property, the URNs of the resources whose outputs its value came
     * from. When a resource is replaced delete-first, the engine treats these properties of its
     * dependents as unknown and replaces a dependent if that makes its provider ask for it.
     */
    propertyDependencies: Record<string, string[]>;
    deleteBeforeReplace: boolean;
    replaceOnChanges: string[];
    ignoreChanges: string[];
}

/** A resource as the mocks saw it. */
export interface Recorded {
    type: string;
    name: string;
    /** Inputs with Pulumi secrets unwrapped to their values (in preview, unknowns stay {@link pulumi.unknown}). */
    inputs: any;
    /** Inputs as sent, secrets still marked (see {@link isSecretValue}). */
    rawInputs: any;
    state: any;
    /** Set once the registration has completed (after {@link settled}). */
    options: RecordedOptions;
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
    if (pulumi.isUnknown(value)) {
        return value;
    }
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

/** How the mocks behave. */
export interface MockOptions {
    /**
     * Run as a preview (`dryRun`): every resource's outputs are unknown, as the engine hands a
     * program the outputs of resources still to be created or being replaced (certificates,
     * keys, random values, and any Kubernetes object's `metadata`). Default false.
     */
    preview?: boolean;
    /**
     * Keep provider state like the engine: a resource declared again with the same type, name
     * and inputs (its `ignoreChanges` aside) gets the outputs it got before, so a program run
     * twice differs only where its inputs differ. Default false (fresh keys and values).
     */
    keepState?: boolean;
    /**
     * The stacks a `pulumi.StackReference` may read, by stack name: their outputs, and which of
     * them are secrets, as the engine reads them from the referenced stack's state. Default none
     * (a reference reads no outputs).
     */
    stacks?: Record<string, { outputs: Record<string, unknown>; secretOutputNames?: string[] }>;
}

/**
 * Installs Pulumi mocks. Resources echo their inputs; `@pulumi/tls` resources go to the tls
 * double (real keys and openssl-signed certificates); `@pulumi/random` resources get random
 * values from node's crypto. In preview every output is unknown (see {@link MockOptions}).
 */
export function setupMocks(opts: MockOptions = {}): Recorder {
    const preview = opts.preview ?? false;
    const resources: Recorded[] = [];
    const kept = new Map<string, any>();
    // The options of the registration in flight: the monitor hands them over just before it calls newResource.
    let pending: RecordedOptions | undefined;
    pulumi.runtime.setMocks(
        {
            newResource(args: pulumi.runtime.MockResourceArgs) {
                const inputs = unwrapSecrets(args.inputs);
                // Reads (`Resource.get`) do not pass through registerResource: no options to show.
                const options = pending ?? { urn: "", dependencies: [], propertyDependencies: {}, deleteBeforeReplace: false, replaceOnChanges: [], ignoreChanges: [] };
                pending = undefined;
                const key = opts.keepState ? stateKey(args.type, args.name, inputs, options.ignoreChanges) : "";
                // A stack reference's outputs are read from the other stack, known at preview too.
                const referenced = args.type === "pulumi:pulumi:StackReference" ? opts.stacks?.[inputs.name] : undefined;
                const state = referenced
                    ? { name: inputs.name, outputs: referenced.outputs, secretOutputNames: referenced.secretOutputNames ?? [] }
                    : preview
                      ? {}
                      : (opts.keepState && kept.get(key)) || (tlsDouble(args.type, inputs) ?? randomDouble(args.type, inputs) ?? { ...inputs });
                if (opts.keepState && !preview) kept.set(key, state);
                resources.push({ type: args.type, name: args.name, inputs, rawInputs: args.inputs, state, options });
                return { id: preview ? "" : `${args.name}-id`, state };
            },
            call(args: pulumi.runtime.MockCallArgs) {
                return args.inputs;
            },
        },
        "hepaf",
        "test",
        preview,
    );
    recordOptions((options) => (pending = options));
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

/**
 * Wraps the mock monitor's registerResource to read each registration's options (dependsOn,
 * property dependencies, deleteBeforeReplace, replaceOnChanges, ignoreChanges). The monitor
 * calls newResource synchronously on entry, so `onRequest` runs right before it; the URN is
 * filled in when the registration completes.
 */
function recordOptions(onRequest: (options: RecordedOptions) => void): void {
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const monitor = require("@pulumi/pulumi/runtime/settings").getMonitor();
    const register = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req: any, callback: (err: unknown, resp: any) => void) => {
        const o = req.toObject();
        const options: RecordedOptions = {
            urn: "",
            dependencies: o.dependenciesList,
            propertyDependencies: Object.fromEntries((o.propertydependenciesMap as [string, { urnsList: string[] }][]).map(([k, v]) => [k, v.urnsList])),
            deleteBeforeReplace: o.deletebeforereplace,
            replaceOnChanges: o.replaceonchangesList,
            ignoreChanges: o.ignorechangesList,
        };
        onRequest(options);
        register(req, (err: unknown, resp: any) => {
            if (resp) options.urn = resp.getUrn();
            callback(err, resp);
        });
    };
}

/** Identity of a resource's provider state: type, name and the inputs a change of which the engine would act on. */
function stateKey(type: string, name: string, inputs: any, ignoreChanges: string[]): string {
    const relevant = Object.fromEntries(Object.entries(inputs ?? {}).filter(([k]) => !ignoreChanges.includes(k)));
    return `${type}::${name}::${stableJson(relevant)}`;
}

function stableJson(value: any): string {
    if (Array.isArray(value)) return `[${value.map(stableJson).join(",")}]`;
    if (value !== null && typeof value === "object") {
        return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${stableJson(value[k])}`).join(",")}}`;
    }
    return JSON.stringify(value) ?? "null";
}

/** `value` without its unknown parts (in preview): what can already be checked. */
export function knownPart<T>(value: T): T {
    if (Array.isArray(value)) return value.filter((v) => !pulumi.isUnknown(v)).map(knownPart) as T;
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).filter(([, v]) => !pulumi.isUnknown(v)).map(([k, v]) => [k, knownPart(v)])) as T;
    }
    return value;
}

/** Paths of the unknown values (in preview) inside `value`, e.g. `stringData["tls.crt"]`. */
export function unknownPaths(value: any, at = ""): string[] {
    if (pulumi.isUnknown(value)) return [at];
    if (Array.isArray(value)) return value.flatMap((v, i) => unknownPaths(v, `${at}[${i}]`));
    if (value !== null && typeof value === "object") {
        return Object.entries(value).flatMap(([k, v]) => unknownPaths(v, /^[A-Za-z_][A-Za-z0-9_]*$/.test(k) ? (at ? `${at}.${k}` : k) : `${at}[${JSON.stringify(k)}]`));
    }
    return [];
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

/**
 * A value as the engine delivers one that came from another resource to a provider's construct:
 * an Output (so it carries a dependency), secret or unknown (at preview, not made yet) as asked.
 */
export function engineOutput<T>(v: T, opts: { secret?: boolean; known?: boolean } = {}): pulumi.Output<T> {
    const known = opts.known !== false;
    return new (pulumi.Output as any)(new Set(), Promise.resolve(known ? v : undefined), Promise.resolve(known), Promise.resolve(opts.secret ?? false), Promise.resolve([]));
}
