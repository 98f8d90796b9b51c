/**
 * A committed stack's Kubernetes objects (rendered by render-stack.ts in a child process), and
 * applying them to the live API server the way a deployment tool does: server-side apply with
 * one field manager, CRDs first (then waiting until they are Established), namespaces next.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Kubectl } from "./kubectl";
import { ROOT } from "./tools";

/** A Kubernetes object as declared. */
export interface K8sObject {
    apiVersion: string;
    kind: string;
    metadata: { name: string; namespace?: string; [k: string]: any };
    [key: string]: any;
}

/** The official Traefik CRDs file of the pinned version (downloaded once through the Go module proxy). */
export function traefikCrdsFile(): string {
    return execFileSync("bash", [path.join(ROOT, "scripts", "traefik-crds.sh")], { encoding: "utf8" }).trim();
}

/**
 * Every Kubernetes object stack `stack` declares (stacks/Pulumi.<stack>.yaml), with `config`
 * (full keys, e.g. `hepaf:monitoring`) set over the stack file's, as `pulumi config set` would.
 */
export function stackObjects(stack: string, config: Record<string, unknown> = {}): K8sObject[] {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-render-"));
    try {
        const out = path.join(dir, "objects.json");
        execFileSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(__dirname, "render-stack.ts"), stack, out], {
            cwd: ROOT,
            env: { ...process.env, HEPAF_TRAEFIK_CRDS_FILE: traefikCrdsFile(), HEPAF_STACK_CONFIG: JSON.stringify(config), TS_NODE_PROJECT: path.join(ROOT, "tsconfig.json") },
            stdio: ["ignore", "ignore", "pipe"],
            timeout: 300000,
        });
        return JSON.parse(fs.readFileSync(out, "utf8"));
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

/** The kubectl resource of an object's kind, qualified by its API group (`deployment.apps`, `configmap`). */
export function resourceOf(o: Pick<K8sObject, "apiVersion" | "kind">): string {
    const group = o.apiVersion.includes("/") ? o.apiVersion.split("/")[0] : "";
    return group ? `${o.kind.toLowerCase()}.${group}` : o.kind.toLowerCase();
}

/** The live objects of the kinds of `objects` that have their identities (one kubectl call). */
export function liveObjects(kubectl: Kubectl, objects: K8sObject[]): Map<string, any> {
    const ids = new Set(objects.map(objectId));
    const kinds = [...new Set(objects.map(resourceOf))];
    const items: any[] = kubectl.json<{ items: any[] }>(["get", kinds.join(","), "-A", "--ignore-not-found"]).items;
    return new Map(items.filter((o) => ids.has(objectId(o))).map((o) => [objectId(o), o]));
}

/** `kind/namespace/name` of an object. */
export function objectId(o: K8sObject): string {
    return `${o.kind}/${o.metadata.namespace ?? "-"}/${o.metadata.name}`;
}

/** What one apply said. */
export interface ApplyResult {
    /** kubectl's stdout lines ("<kind>/<name> serverside-applied" or "... unchanged"). */
    lines: string[];
    /** The API server's warnings ("Warning: ..." lines on stderr). */
    warnings: string[];
}

const FIELD_MANAGER = "hepaf";

/** Server-side applies `objects` (one List); throws with the server's message, naming the object. */
export function applyObjects(kubectl: Kubectl, objects: K8sObject[], opts: { dryRun?: boolean; serverValidationOnly?: boolean } = {}): ApplyResult {
    if (objects.length === 0) return { lines: [], warnings: [] };
    const args = ["apply", "--server-side", `--field-manager=${FIELD_MANAGER}`, "--force-conflicts", "-f", "-"];
    if (opts.dryRun) args.push("--dry-run=server");
    // kubectl checks objects against the server's OpenAPI first; without that, only the API server judges.
    if (opts.serverValidationOnly) args.push("--validate=false");
    const r = kubectl.run(args, JSON.stringify({ apiVersion: "v1", kind: "List", items: objects }), 300000);
    const warnings = r.stderr.split("\n").filter((l) => /^Warning:/.test(l));
    if (r.status !== 0) {
        throw new Error(`the API server refused objects:\n${r.stderr.split("\n").filter((l) => l && !/^Warning:/.test(l)).join("\n")}`);
    }
    return { lines: r.stdout.trim().split("\n").filter(Boolean), warnings };
}

/** Applies a whole stack: CRDs (and waits until Established), namespaces, then everything else. */
export function applyStack(kubectl: Kubectl, objects: K8sObject[]): ApplyResult {
    const crds = objects.filter((o) => o.kind === "CustomResourceDefinition");
    const namespaces = objects.filter((o) => o.kind === "Namespace");
    const rest = objects.filter((o) => o.kind !== "CustomResourceDefinition" && o.kind !== "Namespace");
    const first = applyObjects(kubectl, crds);
    if (crds.length) kubectl.ok(["wait", "--for=condition=Established", "--timeout=60s", ...crds.map((c) => `crd/${c.metadata.name}`)]);
    const second = applyObjects(kubectl, namespaces);
    const third = applyObjects(kubectl, rest);
    return { lines: [...first.lines, ...second.lines, ...third.lines], warnings: [...first.warnings, ...second.warnings, ...third.warnings] };
}
