/**
 * Validates a raw stack config: the schema (./schema.ts) first, then the checks across keys
 * (./cross-checks.ts). Throws one {@link StackConfigError} listing every problem by key.
 */
import Ajv from "ajv";
import { crossCheck } from "./cross-checks";
import { StackConfigError } from "./errors";
import { groupStackConfigSchema, stackConfigSchema } from "./schema";
import { describeErrors } from "./schema-errors";

// verbose: each error carries its schema (the rule to quote) and data (the value to echo).
const ajv = new Ajv({ allErrors: true, verbose: true, discriminator: true, strict: true, strictRequired: false });
const validate = ajv.compile(stackConfigSchema);
const validateGroupStack = ajv.compile(groupStackConfigSchema);

/** Every problem of `raw`, one line each (empty when it is valid). */
export function stackConfigProblems(raw: unknown): string[] {
    if (!validate(raw)) return describeErrors(validate.errors ?? []);
    return crossCheck(raw as Record<string, unknown>);
}

/** Validates the raw stack config; throws one error listing every problem by key. */
export function validateStackConfig(raw: unknown): void {
    const problems = stackConfigProblems(raw);
    if (problems.length > 0) throw new StackConfigError(problems);
}

/** Validates a group stack's raw config (`hepaf:facilityStack`, `hepaf:group`); throws one error listing every problem by key. */
export function validateGroupStackConfig(raw: unknown): void {
    if (!validateGroupStack(raw)) throw new StackConfigError(describeErrors(validateGroupStack.errors ?? []));
}
