/**
 * Pod volumes as the kubelet makes them, for the kubelet double: configMap, secret, projected
 * (service-account token, configMap, secret, downwardAPI), downwardAPI, emptyDir and
 * persistentVolumeClaim, written to host directories with the kubelet's modes and fsGroup
 * ownership (files root:<fsGroup>, group-readable; read-write volumes group-writable).
 */
import * as fs from "fs";
import * as path from "path";
import { ApiClient } from "./api";

/** What a volume needs from outside: the API, the pod, where PVC data lives, tokens. */
export interface VolumeContext {
    api: ApiClient;
    pod: any;
    /** Directory for this pod's volumes. */
    dir: string;
    /** Directory for persistent claims (kept across pods). */
    claimsDir: string;
    /** A bound ServiceAccount token for the pod (TokenRequest), for projected token sources. */
    token(audience?: string, expirationSeconds?: number): Promise<string>;
    /** The cluster CA (for kube-root-ca.crt projections). */
    caPem: string;
}

type Files = { path: string; content: Buffer; mode?: number }[];

/**
 * A Secret or ConfigMap a pod needs (a volume's, or a container's environment's) that does not
 * exist yet: the kubelet keeps the pod waiting (ContainerCreating, CreateContainerConfigError) and
 * tries again, so the double queues the pod again instead of failing it.
 */
export class SourceMissing extends Error {}

async function getObject(api: ApiClient, kind: "configmaps" | "secrets", ns: string, name: string, optional: boolean): Promise<any | undefined> {
    const r = await api.request("GET", `/api/v1/namespaces/${ns}/${kind}/${name}`);
    if (r.status === 404 && optional) return undefined;
    if (r.status === 404) throw new SourceMissing(`volume: ${kind.slice(0, -1)} ${ns}/${name} not found (the kubelet keeps the pod in ContainerCreating and mounts it once it exists)`);
    if (r.status !== 200) throw new Error(`volume: ${kind.slice(0, -1)} ${ns}/${name}: HTTP ${r.status} (the kubelet would keep the pod in ContainerCreating)`);
    return r.body;
}

function keyFiles(data: Record<string, Buffer>, items: { key: string; path: string; mode?: number }[] | undefined, optional: boolean, what: string): Files {
    if (!items) return Object.entries(data).map(([k, v]) => ({ path: k, content: v }));
    return items.flatMap((it) => {
        if (!(it.key in data)) {
            if (optional) return [];
            throw new Error(`volume: ${what} has no key "${it.key}"`);
        }
        return [{ path: it.path, content: data[it.key], mode: it.mode }];
    });
}

const text = (d: Record<string, string> | undefined) => Object.fromEntries(Object.entries(d ?? {}).map(([k, v]) => [k, Buffer.from(v, "utf8")]));
const b64 = (d: Record<string, string> | undefined) => Object.fromEntries(Object.entries(d ?? {}).map(([k, v]) => [k, Buffer.from(v, "base64")]));

async function configMapFiles(ctx: VolumeContext, src: any): Promise<Files> {
    const cm = await getObject(ctx.api, "configmaps", ctx.pod.metadata.namespace, src.name, !!src.optional);
    if (!cm) return [];
    return keyFiles({ ...text(cm.data), ...b64(cm.binaryData) }, src.items, !!src.optional, `configMap ${src.name}`);
}

async function secretFiles(ctx: VolumeContext, src: any): Promise<Files> {
    const name = src.secretName ?? src.name;
    const s = await getObject(ctx.api, "secrets", ctx.pod.metadata.namespace, name, !!src.optional);
    if (!s) return [];
    return keyFiles(b64(s.data), src.items, !!src.optional, `secret ${name}`);
}

/** The value of a downward-API field path of the pod. */
export function fieldValue(pod: any, fieldPath: string): string {
    const label = /^metadata\.(labels|annotations)\['(.+)'\]$/.exec(fieldPath);
    if (label) return String(pod.metadata[label[1]]?.[label[2]] ?? "");
    const known: Record<string, unknown> = {
        "metadata.name": pod.metadata.name,
        "metadata.namespace": pod.metadata.namespace,
        "metadata.uid": pod.metadata.uid,
        "spec.nodeName": pod.spec.nodeName,
        "spec.serviceAccountName": pod.spec.serviceAccountName,
        "status.podIP": pod.status?.podIP,
        "status.hostIP": pod.status?.hostIP,
    };
    if (!(fieldPath in known)) throw new Error(`fieldRef ${fieldPath} is not supported by the kubelet double`);
    return String(known[fieldPath] ?? "");
}

async function projectedFiles(ctx: VolumeContext, sources: any[]): Promise<Files> {
    const out: Files = [];
    for (const s of sources) {
        if (s.serviceAccountToken) {
            out.push({ path: s.serviceAccountToken.path, content: Buffer.from(await ctx.token(s.serviceAccountToken.audience, s.serviceAccountToken.expirationSeconds)) });
        } else if (s.configMap) {
            out.push(...(s.configMap.name === "kube-root-ca.crt" ? [{ path: "ca.crt", content: Buffer.from(ctx.caPem) }] : await configMapFiles(ctx, s.configMap)));
        } else if (s.secret) {
            out.push(...(await secretFiles(ctx, s.secret)));
        } else if (s.downwardAPI) {
            out.push(...s.downwardAPI.items.map((it: any) => ({ path: it.path, content: Buffer.from(fieldValue(ctx.pod, it.fieldRef.fieldPath)), mode: it.mode })));
        } else {
            throw new Error(`projected source ${Object.keys(s).join(",")} is not supported by the kubelet double`);
        }
    }
    return out;
}

function writeFiles(dir: string, files: Files, defaultMode: number, fsGroup: number | undefined): void {
    fs.mkdirSync(dir, { recursive: true });
    for (const f of files) {
        const file = path.join(dir, f.path);
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, f.content);
        // The kubelet: mode as given; with fsGroup, owned by root:<fsGroup> and group-readable.
        let mode = f.mode ?? defaultMode;
        if (fsGroup !== undefined) {
            fs.chownSync(file, 0, fsGroup);
            mode |= 0o440;
        }
        fs.chmodSync(file, mode);
    }
    groupDirs(dir, fsGroup, 0o550);
}

function groupDirs(dir: string, fsGroup: number | undefined, bits: number): void {
    if (fsGroup === undefined) return;
    fs.chownSync(dir, 0, fsGroup);
    fs.chmodSync(dir, (fs.statSync(dir).mode & 0o7777) | bits | 0o2000);
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
        if (e.isDirectory()) groupDirs(path.join(dir, e.name), fsGroup, bits);
    }
}

/** Makes volume `vol` of the pod; returns its host directory. */
export async function materializeVolume(ctx: VolumeContext, vol: any, fsGroup: number | undefined): Promise<string> {
    const dir = path.join(ctx.dir, vol.name);
    if (vol.configMap) {
        writeFiles(dir, await configMapFiles(ctx, vol.configMap), vol.configMap.defaultMode ?? 0o644, fsGroup);
    } else if (vol.secret) {
        writeFiles(dir, await secretFiles(ctx, vol.secret), vol.secret.defaultMode ?? 0o644, fsGroup);
    } else if (vol.projected) {
        writeFiles(dir, await projectedFiles(ctx, vol.projected.sources ?? []), vol.projected.defaultMode ?? 0o644, fsGroup);
    } else if (vol.downwardAPI) {
        writeFiles(dir, await projectedFiles(ctx, [{ downwardAPI: vol.downwardAPI }]), vol.downwardAPI.defaultMode ?? 0o644, fsGroup);
    } else if (vol.emptyDir) {
        fs.mkdirSync(dir, { recursive: true });
        fs.chmodSync(dir, 0o777);
    } else if (vol.persistentVolumeClaim) {
        const claimDir = path.join(ctx.claimsDir, `${ctx.pod.metadata.namespace}_${vol.persistentVolumeClaim.claimName}`);
        fs.mkdirSync(claimDir, { recursive: true });
        groupDirs(claimDir, fsGroup, 0o770);
        return claimDir;
    } else {
        throw new Error(`volume ${vol.name}: type ${Object.keys(vol).filter((k) => k !== "name").join(",")} is not supported by the kubelet double`);
    }
    return dir;
}
