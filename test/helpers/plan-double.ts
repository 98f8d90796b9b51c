/**
 * A test double of the plan the Pulumi engine makes with the Kubernetes provider, for the unit
 * tier (the real engine cannot run here). It follows the rules read from their sources:
 *
 * - The provider (pulumi-kubernetes, `provider/pkg/provider/diff.go`, `forceNewProperties`)
 *   replaces an object instead of updating it when a change touches `metadata.name` or
 *   `metadata.namespace`, or a kind's own fields: a ConfigMap's `data`/`binaryData` (unless the
 *   provider sets `enableConfigMapMutable`), a Secret's `type`/`data`/`stringData` (unless
 *   `enableSecretMutable`), a Deployment's `spec.selector`, a RoleBinding's `roleRef`, a
 *   Service's `spec.clusterIP`, a PersistentVolumeClaim's `spec`. Its Diff asks to delete
 *   first when the object has a fixed name that stays the same (it always does here).
 * - The engine (step generator, `calculateDependentReplacements`), before deleting a resource
 *   replaced delete-first, looks at every resource whose *property dependencies* name it: it
 *   marks those input properties unknown and asks the provider's Diff again; a dependent whose
 *   diff then replaces is deleted and re-created too. `dependsOn` alone never does this.
 */

/** One resource as the engine sees it. */
export interface PlannedResource {
    urn: string;
    type: string;
    inputs: any;
    /** Per top-level input property, the URNs its value came from. */
    propertyDependencies: Record<string, string[]>;
    /** Input properties whose changes the engine ignores (the `ignoreChanges` option). */
    ignoreChanges?: string[];
}

/** The provider's switches that change what it replaces. */
export interface ProviderSwitches {
    enableConfigMapMutable?: boolean;
    enableSecretMutable?: boolean;
}

/** An operation of the plan. */
export type PlannedOp = { op: "update"; paths: string[] } | { op: "replace"; deleteFirst: boolean; paths: string[]; because?: string };

/** A marker for an input the engine treats as unknown. */
const UNKNOWN = Symbol("unknown");

/** Fields whose change makes the provider replace an object of a kind (besides its name and namespace). */
export function forceNewFields(kind: string, sw: ProviderSwitches): string[] {
    const byKind: Record<string, string[]> = {
        ConfigMap: sw.enableConfigMapMutable ? [] : ["data", "binaryData"],
        Secret: sw.enableSecretMutable ? ["type"] : ["type", "stringData", "data"],
        Deployment: ["spec.selector"],
        StatefulSet: ["spec.selector", "spec.serviceName", "spec.volumeClaimTemplates", "spec.podManagementPolicy", "spec.revisionHistoryLimit"],
        DaemonSet: ["spec.selector"],
        RoleBinding: ["roleRef"],
        ClusterRoleBinding: ["roleRef"],
        Service: ["spec.clusterIP"],
        PersistentVolumeClaim: ["spec"],
        Job: ["spec.completions", "spec.parallelism", "spec.selector", "spec.template"],
    };
    return ["metadata.name", "metadata.namespace", ...(byKind[kind] ?? [])];
}

/** Paths (dotted) where two input trees differ; an unknown value differs from anything. */
export function changedPaths(before: any, after: any, at = ""): string[] {
    if (after === UNKNOWN) return [at];
    const isObj = (v: any) => v !== null && typeof v === "object";
    if (isObj(before) && isObj(after) && Array.isArray(before) === Array.isArray(after)) {
        const keys = new Set([...Object.keys(before), ...Object.keys(after)]);
        return [...keys].flatMap((k) => changedPaths(before[k], after[k], at ? `${at}.${k}` : k));
    }
    return JSON.stringify(before) === JSON.stringify(after) ? [] : [at];
}

/** True when a change at `path` touches a force-new field (one contains the other). */
function touches(path: string, field: string): boolean {
    return path === field || path.startsWith(`${field}.`) || field.startsWith(`${path}.`) || path === "";
}

function kindOf(r: PlannedResource): string | undefined {
    return r.type.startsWith("kubernetes:") ? r.inputs?.kind : undefined;
}

/** The provider's diff of one object: update or replace, and the paths that changed. */
function providerDiff(before: PlannedResource, after: PlannedResource, sw: ProviderSwitches): PlannedOp | undefined {
    const ignored = after.ignoreChanges ?? [];
    const paths = changedPaths(before.inputs, after.inputs).filter((p) => !ignored.some((i) => p === i || p.startsWith(`${i}.`)));
    if (paths.length === 0) return undefined;
    const kind = kindOf(after);
    if (kind === undefined) return { op: "update", paths };
    const fields = forceNewFields(kind, sw);
    const replaces = paths.some((p) => fields.some((f) => touches(p, f)));
    if (!replaces) return { op: "update", paths };
    // Fixed names (every object here has one): the same name cannot exist twice, so delete first.
    const sameName = after.inputs?.metadata?.name !== undefined && before.inputs?.metadata?.name === after.inputs?.metadata?.name;
    return { op: "replace", deleteFirst: sameName, paths };
}

/**
 * The plan of going from `before` to `after` (matched by URN): each changed resource's
 * operation, including dependents the engine replaces because a resource they take outputs
 * from is replaced delete-first. Resources only in one of the two are reported as create/delete
 * by the caller's own check; here they must match.
 */
export function planChange(before: PlannedResource[], after: PlannedResource[], sw: ProviderSwitches): Map<string, PlannedOp> {
    const old = new Map(before.map((r) => [r.urn, r]));
    const plan = new Map<string, PlannedOp>();
    for (const r of after) {
        const prev = old.get(r.urn);
        if (!prev) throw new Error(`${r.urn} is new: the change creates it`);
        const op = providerDiff(prev, r, sw);
        if (op) plan.set(r.urn, op);
    }
    // Dependents of resources replaced delete-first, until nothing more is added.
    for (let grew = true; grew; ) {
        grew = false;
        const deletedFirst = new Set([...plan].filter(([, op]) => op.op === "replace" && op.deleteFirst).map(([urn]) => urn));
        for (const r of after) {
            if (plan.get(r.urn)?.op === "replace") continue;
            const unknownProps = Object.entries(r.propertyDependencies).filter(([, urns]) => urns.some((u) => deletedFirst.has(u))).map(([k]) => k);
            if (unknownProps.length === 0) continue;
            const withUnknowns = { ...r, inputs: { ...r.inputs, ...Object.fromEntries(unknownProps.map((k) => [k, UNKNOWN])) } };
            const op = providerDiff(old.get(r.urn)!, withUnknowns, sw);
            if (op?.op === "replace") {
                plan.set(r.urn, { ...op, because: `takes ${unknownProps.join(", ")} from a resource replaced delete-first` });
                grew = true;
            }
        }
    }
    return plan;
}
