/**
 * Judging a preview's steps as the real engine reports them, kept free of the engine so the
 * unit tier tests it on step data shaped like the engine's.
 *
 * What the engine reports for an update: the step's `op`, and its detailed diff, a map from
 * property path (`spec.template.metadata.annotations["hepaf.io/config-sha256"]`,
 * `data["gateway.yaml"]`) to the kind of change. The kubernetes provider answers a diff with a
 * detailed diff only, so the step's `diffs` (the list of changed top-level keys) stays empty;
 * nothing here reads it. The same map is in the Automation API's `resourcePreEvent.metadata`
 * (`detailedDiff`, entries `{ diffKind, inputDiff }`) and in `pulumi preview --json`'s `steps`
 * (`detailedDiff`, entries `{ kind, inputDiff }`); both shapes are read.
 */

/** One step as the engine reports it (the fields judged here). */
export interface EngineStep {
    op: string;
    urn: string;
    /** The resource's type; taken from the URN when absent. */
    type?: string;
    detailedDiff?: Record<string, { diffKind?: string; kind?: string; inputDiff?: boolean }>;
}

/** An update the plan must hold: the resource, and the property paths its change may touch. */
export interface ExpectedUpdate {
    type: string;
    name: string;
    /** Property paths (prefixes) the detailed diff may touch, e.g. `spec.template` or `data`. */
    under: string[];
}

/** A URN ends in `<parent types>$<type>::<name>`. */
export function typeAndName(urn: string): { type: string; name: string } {
    const parts = urn.split("::");
    if (parts.length < 2) throw new Error(`not a URN: ${urn}`);
    const name = parts[parts.length - 1];
    const type = parts[parts.length - 2].split("$").pop() as string;
    return { type, name };
}

/** True when `path` is `prefix` or a property path inside it (`prefix.x`, `prefix["x"]`, `prefix[0]`). */
export function isUnder(path: string, prefix: string): boolean {
    return path === prefix || path.startsWith(`${prefix}.`) || path.startsWith(`${prefix}[`);
}

/** Kinds of a property change that make the engine replace the resource. */
const REPLACING = new Set(["add-replace", "delete-replace", "update-replace"]);

/**
 * Every way the steps differ from exactly `expected` as in-place updates: a step that is not an
 * update (a create, replace, delete, ...), a resource not expected, an expected update missing,
 * an update without a detailed diff, a changed path outside the expected ones, a change that
 * needs a replacement. Steps whose op is `same` are not changes. Empty when the plan is exactly
 * the expected updates.
 */
export function judgeUpdates(steps: EngineStep[], expected: ExpectedUpdate[]): string[] {
    const problems: string[] = [];
    const key = (type: string, name: string) => `${type}::${name}`;
    const wanted = new Map(expected.map((e) => [key(e.type, e.name), e]));
    const seen = new Set<string>();
    for (const step of steps) {
        if (step.op === "same") continue;
        const { type: urnType, name } = typeAndName(step.urn);
        const type = step.type ?? urnType;
        const id = key(type, name);
        const want = wanted.get(id);
        if (!want) {
            problems.push(`${id}: ${step.op}, a resource the plan should not touch`);
            continue;
        }
        if (seen.has(id)) problems.push(`${id}: a second step (${step.op})`);
        seen.add(id);
        if (step.op !== "update") {
            problems.push(`${id}: ${step.op}, where an in-place update is expected`);
            continue;
        }
        const diff = Object.entries(step.detailedDiff ?? {});
        if (diff.length === 0) problems.push(`${id}: an update without a detailed diff`);
        for (const [path, change] of diff) {
            const kind = change.diffKind ?? change.kind ?? "?";
            if (REPLACING.has(kind)) problems.push(`${id}: ${path} is a change that replaces the resource (${kind})`);
            if (!want.under.some((prefix) => isUnder(path, prefix))) {
                problems.push(`${id}: ${path} changed, outside ${want.under.join(", ")}`);
            }
        }
    }
    for (const [id] of wanted) if (!seen.has(id)) problems.push(`${id}: no step, where an in-place update is expected`);
    return problems;
}

/** A policy's finding (a violation, or an advisory: the engine's "warning") as one line. */
export function policyFinding(e: { policyName: string; enforcementLevel: string; message: string; resourceUrn?: string }): string {
    const where = e.resourceUrn ? ` on ${typeAndName(e.resourceUrn).type}::${typeAndName(e.resourceUrn).name}` : "";
    return `${e.policyName} (${e.enforcementLevel})${where}: ${e.message}`;
}
