/**
 * Prints the plan of a stack without the Pulumi engine (infra/plan.ts): its outputs and every
 * resource the program would declare; nothing is created or written. Used by scripts/up.sh
 * where the real engine is not available. A stack it refuses is one line per problem, naming
 * the key (or the file, line and column), and exit code 2.
 *
 * Usage: node -r ts-node/register/transpile-only scripts/plan.ts [STACK]   (default dev)
 */
import { StackConfigError } from "../infra/errors";
import { planStack } from "../infra/plan";

/**
 * Runs the plan of `stack` (from `stacksDir`, default the project's stacks/) and prints it;
 * returns the exit code: 0 planned, 2 refused, 1 the program failed.
 */
export async function main(stack: string, stacksDir?: string): Promise<number> {
    try {
        const lines = await planStack({ stack, stacksDir, env: { traefikCrdsFile: process.env.HEPAF_TRAEFIK_CRDS_FILE } });
        console.log(lines.join("\n"));
        return 0;
    } catch (err) {
        if (err instanceof StackConfigError) {
            console.error(err.message);
            return 2;
        }
        // Not the admin's input: the program itself failed; its stack trace helps fix it.
        console.error(`plan of stack ${stack} failed:`, err);
        return 1;
    }
}

if (require.main === module) {
    main(process.argv[2] ?? "dev").then((code) => process.exit(code));
}
