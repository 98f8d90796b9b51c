/**
 * The facility's invariants as pure functions over Kubernetes objects (what a policy sees as
 * `props`), so each is unit-tested with a passing and a failing object. index.ts wraps them
 * in a Pulumi policy pack.
 */

/** A Kubernetes object as the policy engine sees it: Pulumi type and properties. */
export interface K8sResource {
    /** Pulumi type token, e.g. `kubernetes:core/v1:ConfigMap`. */
    type: string;
    /** Object properties (apiVersion, kind, metadata, spec, data, ...). */
    props: Record<string, any>;
}

/** What looks like secret material: private keys, JWTs (HTCondor IDTOKENs), bearer tokens. */
const SECRET_PATTERNS: [RegExp, string][] = [
    [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, "a PEM private key"],
    [/\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/, "a JSON Web Token"],
];
/** Keys whose names say they hold a secret, when their value is a long opaque string. */
const SECRET_KEY = /(^|[._-])(password|passwd|secret|token|api[._-]?key|private[._-]?key|cookie[._-]?secret|crypt[._-]?key)$/i;

/** ConfigMaps hold no secret data (keys, tokens, passwords belong in Secrets). */
export function secretsInConfigMap(r: K8sResource): string[] {
    if (r.type !== "kubernetes:core/v1:ConfigMap") return [];
    const problems: string[] = [];
    for (const [key, value] of Object.entries({ ...(r.props.data ?? {}), ...(r.props.binaryData ?? {}) })) {
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

function podSpecOf(r: K8sResource): any | undefined {
    const kinds: Record<string, (p: any) => any> = {
        "kubernetes:apps/v1:Deployment": (p) => p.spec?.template?.spec,
        "kubernetes:apps/v1:StatefulSet": (p) => p.spec?.template?.spec,
        "kubernetes:apps/v1:DaemonSet": (p) => p.spec?.template?.spec,
    };
    return kinds[r.type]?.(r.props);
}

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
    const rootReason = String(r.props.metadata?.annotations?.[RUNS_AS_ROOT] ?? "").trim();
    const podNonRoot = pod.securityContext?.runAsNonRoot === true || (pod.securityContext?.runAsUser ?? 0) > 0;
    for (const c of [...(pod.initContainers ?? []), ...(pod.containers ?? [])]) {
        const limits = c.resources?.limits ?? {};
        if (limits.cpu === undefined || limits.memory === undefined) {
            problems.push(`container "${c.name}" has no CPU and memory limits`);
        }
        const sc = c.securityContext ?? {};
        const nonRoot = sc.runAsNonRoot === true || (sc.runAsUser ?? 0) > 0 || (podNonRoot && sc.runAsUser !== 0 && sc.runAsNonRoot !== false);
        if (!nonRoot && rootReason.length < 10) problems.push(`container "${c.name}" may run as root (set runAsNonRoot, or give the reason in the ${RUNS_AS_ROOT} annotation)`);
    }
    return problems;
}

/** Every IngressRouteTCP on the Dask entrypoint passes TLS through (the scheduler terminates it). */
export function daskRoutesPassthrough(r: K8sResource, daskEntrypoint: string): string[] {
    if (r.props.kind !== "IngressRouteTCP") return [];
    const entrypoints: string[] = r.props.spec?.entryPoints ?? [];
    if (!entrypoints.includes(daskEntrypoint)) return [];
    return r.props.spec?.tls?.passthrough === true ? [] : [`IngressRouteTCP on "${daskEntrypoint}" must set tls.passthrough: true`];
}

/** Only Traefik's Service may be a LoadBalancer: one IP for the whole facility. */
export function onlyTraefikLoadBalancer(r: K8sResource): string[] {
    if (r.type !== "kubernetes:core/v1:Service" || r.props.spec?.type !== "LoadBalancer") return [];
    return r.props.metadata?.labels?.["app.kubernetes.io/name"] === "traefik"
        ? []
        : [`Service "${r.props.metadata?.name}" is a LoadBalancer; only Traefik's Service may be (route through it instead)`];
}

/** Every group namespace has a NetworkPolicy and a ResourceQuota. */
export function groupNamespacesGuarded(resources: K8sResource[]): string[] {
    const groupNamespaces = resources
        .filter((r) => r.type === "kubernetes:core/v1:Namespace" && r.props.metadata?.labels?.["hepaf.io/group"])
        .map((r) => r.props.metadata.name as string);
    const inNs = (type: string) => new Set(resources.filter((r) => r.type === type).map((r) => r.props.metadata?.namespace));
    const policies = inNs("kubernetes:networking.k8s.io/v1:NetworkPolicy");
    const quotas = inNs("kubernetes:core/v1:ResourceQuota");
    return groupNamespaces.flatMap((ns) => [
        ...(policies.has(ns) ? [] : [`group namespace "${ns}" has no NetworkPolicy`]),
        ...(quotas.has(ns) ? [] : [`group namespace "${ns}" has no ResourceQuota`]),
    ]);
}
