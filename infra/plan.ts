/**
 * The plan of a stack without the Pulumi engine: its stack file is read and checked exactly as
 * the program checks it, then the program (infra/) runs under Pulumi's mock runtime, and the
 * plan lists the stack's outputs (hub URL, Dask endpoint, the Dask access page, each group's
 * gateway and pool, the image of every role) and every resource it would declare. Nothing is created, written or signed; values that come
 * from a provider (keys, certificates, random tokens) stay unresolved.
 */
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { isGroupStack, poolGroupsOf, ProgramConfig, ProgramEnv, rawStackConfig, stackKeyOfArgument, toGroupStackConfig, toProgramConfig } from "./config";
import { StackConfigError } from "./errors";
import { waitForRegistrations } from "./registrations";
import { asPulumiConfig, readStackFile, STACKS_DIR } from "./stack-file";

/** Which stack to plan, and where its inputs come from. */
export interface PlanOptions {
    /** Stack name (`stacks/Pulumi.<stack>.yaml`). Required. */
    stack: string;
    /** Directory of the stack files. Default the project's `stacks/`. */
    stacksDir?: string;
    /** Inputs besides stack config (the Traefik CRD file of the scripts). Default none. */
    env?: ProgramEnv;
}

/**
 * Reads and checks a stack file as the program would, declaring nothing: the program's config,
 * or a {@link StackConfigError} naming every bad key (or the file, line and column).
 */
export function checkStack(options: PlanOptions): { fileConfig: Record<string, unknown>; config: ProgramConfig } {
    const fileConfig = readStackFile(options.stack, options.stacksDir ?? STACKS_DIR);
    const raw = rawStackConfig(asPulumiConfig(fileConfig));
    if (isGroupStack(raw)) {
        const group = toGroupStackConfig(raw);
        throw new StackConfigError([
            `hepaf:facilityStack: stack ${options.stack} is group ${group.group}'s own stack: it declares what stack ${group.facilityStack} exports (groupParts), which only the Pulumi engine reads; plan the facility's stack instead`,
        ]);
    }
    const config = toProgramConfig(raw, options.env);
    return { fileConfig, config };
}

/** A resource the program declared under the mocks. */
interface Declared {
    type: string;
    inputs: any;
}

/** The program's exports (infra/index.ts), as far as the plan shows them. */
interface ProgramOutputs {
    hubUrl: pulumi.Input<string>;
    daskEndpoint: pulumi.Input<string>;
    daskAccessUrl: string | null;
    images: Record<string, string>;
    groups: Record<string, pulumi.Input<{ namespace: string; gatewayAddress: string; pool: string | null }>>;
}

let planned = false;

/**
 * An error raised while declaring, as one line under its stack config key where it has one:
 * `af-edge.crds.url: cannot download ...` becomes `hepaf:traefik.crds.url: cannot download ...`
 * (the prefix the SDK puts on other errors that reject a resource's input,
 * `error serializing property "<name>": `, is dropped).
 */
function declarationError(err: unknown, config: ProgramConfig, stack: string): Error {
    const message = (err instanceof Error ? err.message : String(err)).replace(/^error serializing property "[^"]*": /, "");
    const m = /^([^\s:]+): ([^]*)$/.exec(message);
    if (m) {
        const key = stackKeyOfArgument(m[1], config.name, Object.keys(config.facility.htcondor?.pools ?? {}), poolGroupsOf(config));
        if (key.startsWith("hepaf:")) return new StackConfigError([`${key}: ${m[2]}`], `stack ${stack} cannot be planned`);
    }
    return err instanceof Error ? err : new Error(message);
}

/** Resolves an output; unknown (computed at `up`) becomes `undefined`. */
function resolved<T>(value: pulumi.Input<T>): Promise<T | undefined> {
    return new Promise((resolve) => pulumi.output(value).apply((v) => resolve(v as T)));
}

/** Describes a group's pool from the stack's pools: `campus (external, collector cm.example.org)`. */
function poolText(pool: string | null, config: ProgramConfig): string {
    if (pool === null) return "no HTCondor pool";
    const spec = config.facility.htcondor?.pools[pool];
    if (!spec) return pool;
    return spec.mode === "external" ? `${pool} (external, collector ${spec.collector})` : `${pool} (in-cluster)`;
}

/**
 * Plans a stack: checks it (a refusal throws {@link StackConfigError} before anything runs),
 * runs the program under mocks, and returns the lines of the plan. Once per process: the
 * program is a module that runs when first loaded.
 */
export async function planStack(options: PlanOptions): Promise<string[]> {
    const { fileConfig, config } = checkStack(options);
    if (planned) throw new Error("planStack runs the program once per process");
    planned = true;

    // The program reads its config as the engine hands it over; secrets are placeholders.
    pulumi.runtime.setAllConfig(asPulumiConfig(fileConfig));
    if (options.env?.traefikCrdsFile) process.env.HEPAF_TRAEFIK_CRDS_FILE = options.env.traefikCrdsFile;
    const declared: Declared[] = [];
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                declared.push({ type: args.type, inputs: args.inputs });
                return { id: `${args.name}-planned`, state: args.inputs };
            },
            call: (args) => args.inputs,
        },
        "hepaf",
        options.stack,
        true,
    );
    // What fails while the program declares (a CRD download) reaches the SDK as a rejected
    // output, and arrives here as an unhandled rejection once the queue has drained.
    const failures: unknown[] = [];
    const collect = (err: unknown) => failures.push(err);
    process.on("unhandledRejection", collect);
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const program = require(path.join(__dirname, "index")) as ProgramOutputs;
    await waitForRegistrations();
    await new Promise((r) => setImmediate(r));
    process.off("unhandledRejection", collect);
    if (failures.length > 0) throw declarationError(failures[0], config, options.stack);

    const lines = [`Plan of stack ${options.stack} (nothing is created or written)`, "", "Outputs:"];
    lines.push(`  hubUrl        ${await resolved(program.hubUrl)}`);
    lines.push(`  daskEndpoint  ${await resolved(program.daskEndpoint)}`);
    lines.push(`  daskAccess    ${program.daskAccessUrl ?? "off"}`);
    lines.push("  groups:");
    const width = Math.max(...Object.keys(program.groups).map((g) => g.length));
    for (const [name, value] of Object.entries(program.groups)) {
        const g = await resolved(value);
        lines.push(`    ${name.padEnd(width)}  namespace ${g?.namespace}, gateway ${g?.gatewayAddress}, pool ${poolText(g?.pool ?? null, config)}`);
    }
    lines.push("  images:");
    const roleWidth = Math.max(...Object.keys(program.images).map((r) => r.length));
    for (const [role, ref] of Object.entries(program.images)) lines.push(`    ${role.padEnd(roleWidth)}  ${ref}`);
    lines.push(config.renderDir ? `  renderDir     ${config.renderDir} (manifests are written there by pulumi up)` : "  cluster       the kubeconfig's current context");

    const byType = new Map<string, number>();
    const byKind = new Map<string, number>();
    for (const r of declared) {
        byType.set(r.type, (byType.get(r.type) ?? 0) + 1);
        if (r.type.startsWith("kubernetes:") && r.inputs?.kind) {
            const key = `${r.inputs.kind} (${r.inputs.metadata?.namespace ?? "cluster"})`;
            byKind.set(key, (byKind.get(key) ?? 0) + 1);
        }
    }
    lines.push("", "Resources by type:");
    for (const [type, n] of [...byType].sort()) lines.push(`  ${String(n).padStart(4)}  ${type}`);
    lines.push("", "Kubernetes objects by kind and namespace:");
    for (const [kind, n] of [...byKind].sort()) lines.push(`  ${String(n).padStart(4)}  ${kind}`);
    // Counted as `pulumi up` counts them ("+ N created"): what the program declares (components
    // and the explicit provider included) and the stack itself; the engine's default providers,
    // which it keeps in the state, it does not count.
    const objects = [...byKind.values()].reduce((a, b) => a + b, 0);
    lines.push("", `  ${declared.length + 1} resources as pulumi up counts them (the stack and the ${declared.length} the program declares), ${objects} Kubernetes objects`);
    return lines;
}
