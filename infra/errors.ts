import * as pulumi from "@pulumi/pulumi";

/**
 * The one error the program and the plan raise for a stack they refuse: one line per problem,
 * each naming the stack config key (or the file, line and column). It is the admin's input
 * that is wrong, not the program, so it prints without a stack trace: the plan prints the
 * message alone, and the engine shows a {@link pulumi.RunError} without its stack.
 */
export class StackConfigError extends pulumi.RunError {
    /** One line per problem. */
    readonly problems: string[];

    constructor(problems: string[], heading = "invalid stack config") {
        super(problems.length === 1 && heading === "" ? problems[0] : `${heading}:\n  ${problems.join("\n  ")}`);
        this.name = "StackConfigError";
        this.problems = problems;
    }
}
