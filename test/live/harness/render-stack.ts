/**
 * Prints (as JSON, to the file given) every Kubernetes object a committed stack declares:
 * the program in infra/ runs under Pulumi's mock runtime with the same doubles as the unit tier
 * (the tls double signs real certificates with openssl; random values from node's crypto), and
 * each registered Kubernetes resource's inputs are the object as it would be applied.
 * Encrypted stack values become placeholders of the same kind (infra/stack-file.ts).
 *
 * Usage (a child process of the live tier): node -r ts-node/register/transpile-only
 *   test/live/harness/render-stack.ts STACK OUT.json
 * Needs HEPAF_TRAEFIK_CRDS_FILE (the official Traefik CRDs, scripts/traefik-crds.sh); takes
 * HEPAF_STACK_CONFIG (JSON of config keys set over the stack file's; null removes a key).
 */
import * as fs from "fs";
import * as path from "path";
import { readStackFile } from "../../../infra/stack-file";

const [stack, out] = process.argv.slice(2);
if (!stack || !out) {
    console.error("usage: render-stack.ts STACK OUT.json");
    process.exit(2);
}
// HEPAF_STACK_CONFIG: keys a test sets over the stack file's (JSON), as `pulumi config set` would.
// A key set to null is removed, as `pulumi config rm` removes it.
const config = Object.fromEntries(
    Object.entries({ ...readStackFile(stack), ...JSON.parse(process.env.HEPAF_STACK_CONFIG || "{}") }).filter(([, v]) => v !== null),
);
process.env.PULUMI_CONFIG = JSON.stringify(
    Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])),
);

// eslint-disable-next-line @typescript-eslint/no-require-imports
const { setupMocks } = require("../../helpers/pulumi") as typeof import("../../helpers/pulumi");
// eslint-disable-next-line @typescript-eslint/no-require-imports
const settings = require("@pulumi/pulumi/runtime/settings") as { waitForRPCs(): Promise<void> };
const recorder = setupMocks();

async function main(): Promise<void> {
    require(path.join(__dirname, "..", "..", "..", "infra"));
    // Registration ends when the RPC queue is drained and stays drained: registrations that
    // outputs trigger later (after the CRD file is read, after certificates resolve) keep it busy.
    let stable = 0;
    let last = -1;
    for (let round = 0; round < 600 && stable < 5; round++) {
        await settings.waitForRPCs();
        await new Promise((r) => setTimeout(r, 20));
        stable = recorder.resources.length === last ? stable + 1 : 0;
        last = recorder.resources.length;
    }
    const objects = recorder.resources
        .filter((r) => r.type.startsWith("kubernetes:") && r.type !== "pulumi:providers:kubernetes" && r.inputs?.kind)
        .map((r) => r.inputs);
    fs.writeFileSync(out, JSON.stringify(objects));
}

main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
});
