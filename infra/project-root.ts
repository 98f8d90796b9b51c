import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";

/**
 * The project root: the nearest directory at or above `start` that holds Pulumi.yaml. The real
 * engine runs the program with the `main` folder of Pulumi.yaml (`infra/`) as its working
 * directory, so paths from stack config are resolved against this, never against the cwd.
 */
export function findProjectRoot(start: string): string {
    let dir = path.resolve(start);
    for (;;) {
        if (fs.existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
        const parent = path.dirname(dir);
        // A refusal of where the program runs, not a fault of the program: no stack trace.
        if (parent === dir) throw new pulumi.RunError(`no Pulumi.yaml at or above ${path.resolve(start)}: the program must run inside its project`);
        dir = parent;
    }
}

/** `hepaf:renderDir` as an absolute path: relative values are relative to the project root. */
export function resolveRenderDir(renderDir: string, projectRoot: string): string {
    return path.resolve(projectRoot, renderDir);
}
