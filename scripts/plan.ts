/**
 * Prints the plan of a stack without the Pulumi engine: the same program (infra/) runs under
 * Pulumi's mock runtime, and every resource it would declare is listed by type, with the
 * Kubernetes objects by kind and namespace. Nothing is created, written or signed; resources
 * whose values come from a provider (keys, certificates, random tokens) stay unresolved.
 * Used by scripts/up.sh when the real engine is not available on this machine.
 *
 * Usage: node -r ts-node/register/transpile-only scripts/plan.ts [STACK]
 */
import * as path from "path";
import { readStackFile } from "../infra/stack-file";

const stack = process.argv[2] ?? "dev";
const root = path.join(__dirname, "..");
// Encrypted values become placeholders: the plan never needs a secret's value.
const config = readStackFile(stack);
// Stack config as the Pulumi runtime reads it (JSON strings for structured values).
process.env.PULUMI_CONFIG = JSON.stringify(
    Object.fromEntries(Object.entries(config).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)])),
);

// eslint-disable-next-line @typescript-eslint/no-require-imports
const pulumi = require("@pulumi/pulumi") as typeof import("@pulumi/pulumi");
const declared: { type: string; name: string; inputs: any }[] = [];
pulumi.runtime.setMocks(
    {
        newResource: (args) => {
            declared.push({ type: args.type, name: args.name, inputs: args.inputs });
            return { id: `${args.name}-planned`, state: args.inputs };
        },
        call: (args) => args.inputs,
    },
    "hepaf",
    stack,
    true,
);

async function main(): Promise<void> {
    require(path.join(root, "infra"));
    let last = -1;
    while (last !== declared.length) {
        last = declared.length;
        await new Promise((r) => setTimeout(r, 300));
    }
    const byType = new Map<string, number>();
    const byKind = new Map<string, number>();
    for (const r of declared) {
        byType.set(r.type, (byType.get(r.type) ?? 0) + 1);
        if (r.type.startsWith("kubernetes:") && r.inputs?.kind) {
            const key = `${r.inputs.kind} (${r.inputs.metadata?.namespace ?? "cluster"})`;
            byKind.set(key, (byKind.get(key) ?? 0) + 1);
        }
    }
    console.log(`Plan of stack ${stack} (not applied: the Pulumi engine is not available on this machine)`);
    console.log("\nResources by type:");
    for (const [type, n] of [...byType].sort()) console.log(`  ${String(n).padStart(4)}  ${type}`);
    console.log("\nKubernetes objects by kind and namespace:");
    for (const [kind, n] of [...byKind].sort()) console.log(`  ${String(n).padStart(4)}  ${kind}`);
    console.log(`\n  ${declared.length} resources, ${[...byKind.values()].reduce((a, b) => a + b, 0)} Kubernetes objects`);
}

main().catch((err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
});
