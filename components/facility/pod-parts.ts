import { GroupPodArgs } from "../jupyterhub";

/** Several components' pod parts for one group's notebooks, as one (volumes, mounts and init containers in order; env merged). */
export function mergePodParts(...parts: (GroupPodArgs | undefined)[]): GroupPodArgs {
    const given = parts.filter((p): p is GroupPodArgs => p !== undefined);
    const env: Record<string, string> = {};
    for (const p of given) {
        for (const [k, v] of Object.entries(p.env ?? {})) {
            if (k in env && env[k] !== v) {
                throw new Error(`pod parts disagree on ${k}: "${env[k]}" and "${v}"`);
            }
            env[k] = v;
        }
    }
    return {
        volumes: given.flatMap((p) => p.volumes ?? []),
        volumeMounts: given.flatMap((p) => p.volumeMounts ?? []),
        initContainers: given.flatMap((p) => p.initContainers ?? []),
        env,
    };
}
