/**
 * The facility's invariants as pure functions over Kubernetes objects (what a policy sees as
 * `props`), so each is unit-tested with a passing and a failing object. index.ts wraps them
 * in a Pulumi policy pack.
 *
 * During a preview some values are not known yet (a certificate the tls provider has not made);
 * index.ts hands them to the rules as `UNKNOWN` (see known.ts). A rule decides only on what is
 * known: an unknown value is never a violation, and `pulumi up`, where every input is resolved,
 * judges it.
 */

/** A Kubernetes object as the policy engine sees it: Pulumi type and properties. */
export interface K8sResource {
    /** Pulumi type token, e.g. `kubernetes:core/v1:ConfigMap`. */
    type: string;
    /** Object properties (apiVersion, kind, metadata, spec, data, ...). */
    props: Record<string, any>;
}

/** Stands for a value that cannot be known during preview. */
export const UNKNOWN: unique symbol = Symbol("unknown during preview");

/** True when `v` is a value that cannot be known during preview. */
export const isUnknown = (v: unknown): v is typeof UNKNOWN => v === UNKNOWN;

/** `v` when it is an object, else `{}` (absent; `UNKNOWN` is checked for before). */
const obj = (v: unknown): Record<string, any> => (v !== null && typeof v === "object" ? (v as Record<string, any>) : {});
/** A value for a message: `v`, or a note that it is not known yet. */
const shown = (v: unknown) => (isUnknown(v) ? "(not known yet)" : String(v));
/** `v` when it is an array, else `[]`. */
const list = (v: unknown): any[] => (Array.isArray(v) ? v : []);

/** What looks like secret material: private keys, JWTs (HTCondor IDTOKENs), bearer tokens. */
const SECRET_PATTERNS: [RegExp, string][] = [
    [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a PEM private key"],
    [/\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/, "a JSON Web Token"],
];
/** Keys whose names say they hold a secret, when their value is a long opaque string. */
const SECRET_KEY = /(^|[._-])(password|passwd|secret|token|api[._-]?key|private[._-]?key|cookie[._-]?secret|crypt[._-]?key)$/i;

/**
 * ConfigMaps hold no secret data (keys, tokens, passwords belong in Secrets). A value not known
 * during preview (a trust bundle's certificate the tls provider has not made yet) is judged
 * when it is known.
 */
export function secretsInConfigMap(r: K8sResource): string[] {
    if (r.type !== "kubernetes:core/v1:ConfigMap") return [];
    const problems: string[] = [];
    for (const [key, value] of [...Object.entries(obj(r.props.data)), ...Object.entries(obj(r.props.binaryData))]) {
        if (isUnknown(value)) continue;
        const text = String(value ?? "");
        for (const [pattern, what] of SECRET_PATTERNS) {
            if (pattern.test(text)) problems.push(`ConfigMap key "${key}" holds ${what}; put it in a Secret`);
        }
        if (SECRET_KEY.test(key) && /^[A-Za-z0-9+/=_-]{16,}$/.test(text.trim())) {
            problems.push(`ConfigMap key "${key}" looks like a secret value; put it in a Secret`);
        }
    }
    return problems;
}

/** The pod template's spec of a workload; undefined for other types, or where it is not known. */
function podSpecOf(r: K8sResource): Record<string, any> | undefined {
    const workloads = ["kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:DaemonSet"];
    if (!workloads.includes(r.type)) return undefined;
    const spec = obj(obj(obj(r.props.spec).template).spec);
    return Object.keys(spec).length > 0 ? spec : undefined;
}

const positive = (v: unknown) => typeof v === "number" && v > 0;

/** The annotation that exempts a workload from non-root when its value gives a reason. */
export const RUNS_AS_ROOT = "hepaf.io/runs-as-root";

/**
 * Every workload container has CPU and memory limits and runs as non-root, unless the
 * workload says why it must run as root in the `hepaf.io/runs-as-root` annotation.
 */
export function limitsAndNonRoot(r: K8sResource): string[] {
    const pod = podSpecOf(r);
    if (!pod) return [];
    const problems: string[] = [];
    const reason = obj(obj(r.props.metadata).annotations)[RUNS_AS_ROOT];
    const rootReason = isUnknown(reason) ? "" : String(reason ?? "").trim();
    const psc = obj(pod.securityContext);
    const podNonRoot = psc.runAsNonRoot === true || positive(psc.runAsUser);
    const podUnknown = [pod.securityContext, psc.runAsNonRoot, psc.runAsUser, reason].some(isUnknown);
    for (const c of [...list(pod.initContainers), ...list(pod.containers)]) {
        if (isUnknown(c)) continue;
        const resources = obj(c.resources);
        const limits = obj(resources.limits);
        const limitsUnknown = [c.resources, resources.limits].some(isUnknown);
        if (!limitsUnknown && (limits.cpu === undefined || limits.memory === undefined)) {
            problems.push(`container "${shown(c.name)}" has no CPU and memory limits`);
        }
        const sc = obj(c.securityContext);
        const nonRoot = sc.runAsNonRoot === true || positive(sc.runAsUser) || (podNonRoot && sc.runAsUser !== 0 && sc.runAsNonRoot !== false);
        const unknown = podUnknown || [c.securityContext, sc.runAsNonRoot, sc.runAsUser].some(isUnknown);
        if (!nonRoot && !unknown && rootReason.length < 10) problems.push(`container "${shown(c.name)}" may run as root (set runAsNonRoot, or give the reason in the ${RUNS_AS_ROOT} annotation)`);
    }
    return problems;
}

/** Every IngressRouteTCP on the Dask entrypoint passes TLS through (the scheduler terminates it). */
export function daskRoutesPassthrough(r: K8sResource, daskEntrypoint: string): string[] {
    if (r.props.kind !== "IngressRouteTCP") return [];
    const spec = obj(r.props.spec);
    if (!list(spec.entryPoints).includes(daskEntrypoint)) return [];
    const passthrough = isUnknown(spec.tls) ? UNKNOWN : obj(spec.tls).passthrough;
    return passthrough === true || isUnknown(passthrough) ? [] : [`IngressRouteTCP on "${daskEntrypoint}" must set tls.passthrough: true`];
}

/** Only Traefik's Service may be a LoadBalancer: one IP for the whole facility. */
export function onlyTraefikLoadBalancer(r: K8sResource): string[] {
    if (r.type !== "kubernetes:core/v1:Service" || obj(r.props.spec).type !== "LoadBalancer") return [];
    const metadata = obj(r.props.metadata);
    const name = isUnknown(metadata.labels) ? UNKNOWN : obj(metadata.labels)["app.kubernetes.io/name"];
    return name === "traefik" || isUnknown(name)
        ? []
        : [`Service "${shown(metadata.name)}" is a LoadBalancer; only Traefik's Service may be (route through it instead)`];
}

/**
 * Every group namespace has a NetworkPolicy and a ResourceQuota. A namespace whose name or
 * labels are not known is not judged; nor is a missing object while one of its kind has a
 * namespace not known yet (it may be that one).
 */
export function groupNamespacesGuarded(resources: K8sResource[]): string[] {
    const metadata = (r: K8sResource) => obj(r.props.metadata);
    const groupNamespaces = resources
        .filter((r) => r.type === "kubernetes:core/v1:Namespace")
        .filter((r) => !isUnknown(metadata(r).labels) && !isUnknown(metadata(r).name))
        .filter((r) => { const group = obj(metadata(r).labels)["hepaf.io/group"]; return group && !isUnknown(group); })
        .map((r) => metadata(r).name as string);
    const inNs = (type: string) => {
        const namespaces = resources.filter((r) => r.type === type).map((r) => (isUnknown(r.props.metadata) ? UNKNOWN : metadata(r).namespace));
        return { has: (ns: string) => namespaces.includes(ns) || namespaces.some(isUnknown) };
    };
    const policies = inNs("kubernetes:networking.k8s.io/v1:NetworkPolicy");
    const quotas = inNs("kubernetes:core/v1:ResourceQuota");
    return groupNamespaces.flatMap((ns) => [
        ...(policies.has(ns) ? [] : [`group namespace "${ns}" has no NetworkPolicy`]),
        ...(quotas.has(ns) ? [] : [`group namespace "${ns}" has no ResourceQuota`]),
    ]);
}
