import * as pulumi from "@pulumi/pulumi";

/**
 * The one error type every component throws for bad input. It names the argument (a dotted
 * path such as `groups[1].gateway.maxWorkers`) so the admin knows what to change, and it is
 * thrown at program time, before any resource is registered.
 *
 * It is a {@link pulumi.ResourceError} that hides its stack: the Node.js language host prints
 * such an error as its message alone (no JavaScript frames, no "unhandled exception"), under
 * the resource it names. A refusal made before its component is registered names no resource
 * and is shown under the stack; one made later (a CRD download) names its component.
 */
export class InvalidArgumentError extends pulumi.ResourceError {
    /** Dotted path of the offending argument, e.g. `traefik.service.type`. */
    readonly argument: string;

    /**
     * @param argument dotted path of the offending argument.
     * @param message what is wrong and what would be valid.
     * @param resource the component the argument belongs to, once it is registered. Default none (the stack).
     */
    constructor(argument: string, message: string, resource?: pulumi.Resource) {
        const text = `${argument}: ${message}`;
        super(text, resource, true);
        this.name = "InvalidArgumentError";
        this.argument = argument;
        // The message stays as written. When a refusal flows through a resource's input (a
        // CRD download awaited by a registration), the SDK prefixes the message with its own
        // serialization path (`error serializing property "outputs": ...`), which names no
        // argument of the site's; that write is dropped so the message still starts with the
        // argument path.
        Object.defineProperty(this, "message", { get: () => text, set: () => undefined, enumerable: false, configurable: true });
    }
}

/** Throws an {@link InvalidArgumentError} for `argument` unless `condition` holds. */
export function check(condition: unknown, argument: string, message: string): asserts condition {
    if (!condition) {
        throw new InvalidArgumentError(argument, message);
    }
}
