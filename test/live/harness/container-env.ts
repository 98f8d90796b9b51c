/**
 * A container's environment and command line as the kubelet computes them: `env` in order
 * (values, secretKeyRef, configMapKeyRef, fieldRef), `envFrom`, and `$(VAR)` references in
 * env values, command and args (`$$` escapes a `$`).
 */
import { ApiClient } from "./api";
import { fieldValue, SourceMissing } from "./volumes";

/** Expands `$(VAR)` references the way the kubelet does; unknown references stay as written. */
export function expandRefs(value: string, env: Record<string, string>): string {
    return value.replace(/\$\$|\$\(([A-Za-z_][A-Za-z0-9_]*)\)/g, (m, name) => (m === "$$" ? "$" : name in env ? env[name] : m));
}

async function keyOf(api: ApiClient, kind: "configmaps" | "secrets", ns: string, ref: { name: string; key: string; optional?: boolean }): Promise<string | undefined> {
    const r = await api.request("GET", `/api/v1/namespaces/${ns}/${kind}/${ref.name}`);
    if (r.status === 404 && ref.optional) return undefined;
    // As the kubelet: CreateContainerConfigError, and the container is created once the object is there.
    if (r.status === 404) throw new SourceMissing(`env: ${kind.slice(0, -1)} ${ns}/${ref.name} not found (CreateContainerConfigError; the kubelet tries again)`);
    if (r.status !== 200) throw new Error(`env: ${kind.slice(0, -1)} ${ns}/${ref.name}: HTTP ${r.status}`);
    const data = r.body.data ?? {};
    if (!(ref.key in data)) {
        if (ref.optional) return undefined;
        throw new SourceMissing(`env: ${kind.slice(0, -1)} ${ns}/${ref.name} has no key "${ref.key}" (CreateContainerConfigError; the kubelet tries again)`);
    }
    return kind === "secrets" ? Buffer.from(data[ref.key], "base64").toString("utf8") : data[ref.key];
}

/** The environment of `container` in `pod`, over `base` (e.g. the Kubernetes service variables). */
export async function containerEnv(api: ApiClient, pod: any, container: any, base: Record<string, string>): Promise<Record<string, string>> {
    const ns = pod.metadata.namespace;
    const env: Record<string, string> = { ...base };
    for (const from of container.envFrom ?? []) {
        const ref = from.configMapRef ?? from.secretRef;
        const kind = from.configMapRef ? "configmaps" : "secrets";
        const r = await api.request("GET", `/api/v1/namespaces/${ns}/${kind}/${ref.name}`);
        if (r.status !== 200) {
            if (ref.optional) continue;
            throw new Error(`envFrom: ${kind} ${ns}/${ref.name}: HTTP ${r.status}`);
        }
        for (const [k, v] of Object.entries<string>(r.body.data ?? {})) {
            env[`${from.prefix ?? ""}${k}`] = kind === "secrets" ? Buffer.from(v, "base64").toString("utf8") : v;
        }
    }
    for (const e of container.env ?? []) {
        let value: string | undefined;
        if (e.valueFrom?.secretKeyRef) value = await keyOf(api, "secrets", ns, e.valueFrom.secretKeyRef);
        else if (e.valueFrom?.configMapKeyRef) value = await keyOf(api, "configmaps", ns, e.valueFrom.configMapKeyRef);
        else if (e.valueFrom?.fieldRef) value = fieldValue(pod, e.valueFrom.fieldRef.fieldPath);
        else if (e.valueFrom) throw new Error(`env ${e.name}: ${Object.keys(e.valueFrom).join(",")} is not supported by the kubelet double`);
        else value = expandRefs(e.value ?? "", env);
        if (value !== undefined) env[e.name] = value;
    }
    return env;
}

/**
 * The command line as the kubelet and runtime make it from the pod and the image: `command`
 * replaces the image's Entrypoint and, when given, drops its Cmd; `args` replaces the Cmd.
 * `$(VAR)` references are expanded.
 */
export function commandLine(container: any, image: { Entrypoint?: string[] | null; Cmd?: string[] | null }, env: Record<string, string>): string[] {
    const entrypoint = container.command ?? image.Entrypoint ?? [];
    const args = container.args ?? (container.command ? [] : image.Cmd ?? []);
    const argv = [...entrypoint, ...args];
    if (!argv.length) throw new Error(`container ${container.name}: no command specified (the pod gives none and the image has no Entrypoint or Cmd)`);
    return argv.map((a: string) => expandRefs(a, env));
}
