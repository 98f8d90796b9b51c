/**
 * The one error the program and the plan raise for a stack they refuse: one line per problem,
 * each naming the stack config key (or the file, line and column). Printed as is, without a
 * stack trace: it is the admin's input that is wrong, not the program.
 */
export class StackConfigError extends Error {
    /** One line per problem. */
    readonly problems: string[];

    constructor(problems: string[], heading = "invalid stack config") {
        super(problems.length === 1 && heading === "" ? problems[0] : `${heading}:\n  ${problems.join("\n  ")}`);
        this.name = "StackConfigError";
        this.problems = problems;
    }
}
