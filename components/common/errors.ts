/**
 * The one error type every component throws for bad input. It names the argument (a dotted
 * path such as `groups[1].gateway.maxWorkers`) so the admin knows what to change, and it is
 * thrown at program time, before any resource is registered.
 */
export class InvalidArgumentError extends Error {
    /** Dotted path of the offending argument, e.g. `traefik.service.type`. */
    readonly argument: string;

    constructor(argument: string, message: string) {
        super(`${argument}: ${message}`);
        this.name = "InvalidArgumentError";
        this.argument = argument;
    }
}

/** Throws an {@link InvalidArgumentError} for `argument` unless `condition` holds. */
export function check(condition: unknown, argument: string, message: string): asserts condition {
    if (!condition) {
        throw new InvalidArgumentError(argument, message);
    }
}
