/**
 * A container's filesystem for the kubelet double: an overlay whose lower layer is the image's
 * unpacked root filesystem (scripts/images.sh; read-only to the container: its writes land in a
 * layer of its own), with the pod's volumes bind-mounted at their real mount paths, /dev, /proc,
 * /sys and the tier's /etc/hosts (its DNS), as a runtime sets them up. `readOnlyRootFilesystem`
 * remounts the overlay read-only, as a runtime would. The container is started by the
 * container-start double (test/live/runtime), which needs nothing inside the image. Nothing of
 * it is visible outside the tier's mount namespace.
 */
import { execFile, execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";

const run = promisify(execFile);

function mount(args: string[]): void {
    execFileSync("mount", args, { stdio: ["ignore", "ignore", "pipe"] });
}

/**
 * mount(8) without holding the event loop: with many pods the mount table is long and each
 * call reads it, so a root's mounts take a while, during which the tier's other work (probes,
 * timers, other pods' starts) goes on.
 */
async function mountAsync(args: string[]): Promise<void> {
    await run("mount", args);
}

/** One bind mount of a volume (or a file of it) into the container. */
export interface BindMount {
    /** Host path (directory, or file for subPath mounts). */
    source: string;
    /** Path inside the container. */
    target: string;
    readOnly: boolean;
}

/** Builds the root of a container of image `rootfs` under `base` and returns its path. */
export async function makeContainerRoot(base: string, rootfs: string, mounts: BindMount[], opts: { readOnlyRoot: boolean; hostsFile: string; copyInPoints?: string[] }): Promise<string> {
    const upper = path.join(base, "upper");
    const work = path.join(base, "work");
    const root = path.join(base, "root");
    for (const d of [upper, work, root]) fs.mkdirSync(d, { recursive: true });
    await mountAsync(["-t", "overlay", "overlay", "-o", `lowerdir=${rootfs},upperdir=${upper},workdir=${work}`, root]);
    // What a runtime provides in every container, whatever the image holds (a FROM scratch
    // image has none of these directories).
    for (const d of ["dev", "proc", "sys", "etc", "tmp"]) fs.mkdirSync(path.join(root, d), { recursive: true });
    const hosts = path.join(root, "etc", "hosts");
    if (!fs.existsSync(hosts)) fs.writeFileSync(hosts, "");
    await mountAsync(["--rbind", "/dev", path.join(root, "dev")]);
    await mountAsync(["-t", "proc", "proc", path.join(root, "proc")]);
    await mountAsync(["--rbind", "/sys", path.join(root, "sys")]);
    await mountAsync(["--bind", opts.hostsFile, hosts]);
    // Parents first; mount points of nested volumes are made in the outer volume (as runc does),
    // and read-only comes last, once every mount point exists.
    const sorted = [...mounts].sort((a, b) => a.target.split("/").length - b.target.split("/").length);
    const targets: string[] = [];
    for (const m of sorted) {
        const target = path.join(root, resolveInside(root, m.target));
        if (fs.statSync(m.source).isDirectory()) {
            fs.mkdirSync(target, { recursive: true });
        } else {
            fs.mkdirSync(path.dirname(target), { recursive: true });
            if (!fs.existsSync(target)) fs.writeFileSync(target, "");
        }
        await mountAsync(["--bind", m.source, target]);
        targets.push(target);
    }
    for (const [i, m] of sorted.entries()) if (m.readOnly) await mountAsync(["-o", "remount,bind,ro", targets[i]]);
    // Where {@link copyIn} may later put the test's files: made now, while the root is writable.
    for (const d of opts.copyInPoints ?? []) fs.mkdirSync(path.join(root, resolveInside(root, d)), { recursive: true });
    if (opts.readOnlyRoot) await mountAsync(["-o", "remount,ro", root]);
    return root;
}

/**
 * Copies a directory of the test into a running container, as `kubectl cp` does: bind-mounted
 * read-only at the same path inside its root (once; later calls find it there), on the mount
 * point {@link makeContainerRoot} made for it (`copyInPoints`), also in a read-only root.
 */
export function copyIn(root: string, dir: string): void {
    const target = path.join(root, dir);
    if (copied.has(target)) return;
    mount(["--bind", dir, target]);
    mount(["-o", "remount,bind,ro", target]);
    copied.add(target);
}
const copied = new Set<string>();

/** The image's environment (`Env`, `K=V` each) as an object. */
export function imageEnv(image: { config: { Env?: string[] } }): Record<string, string> {
    return Object.fromEntries((image.config.Env ?? []).map((kv) => [kv.slice(0, kv.indexOf("=")), kv.slice(kv.indexOf("=") + 1)]));
}

/** A container path with symlinks of the lower layer resolved (e.g. /var/run -> /run). */
function resolveInside(root: string, target: string): string {
    const parts = target.split("/").filter(Boolean);
    let resolved = "/";
    for (const p of parts) {
        const candidate = path.join(resolved, p);
        try {
            const link = fs.readlinkSync(path.join(root, candidate));
            resolved = link.startsWith("/") ? link : path.join(resolved, link);
        } catch {
            resolved = candidate;
        }
    }
    return resolved;
}

/** Unmounts a root and everything below it. */
export function removeContainerRoot(base: string): void {
    const root = path.join(base, "root");
    try {
        execFileSync("umount", ["-R", "-l", root], { stdio: "ignore" });
    } catch {
        // not mounted
    }
}

/** The user a container runs as, from its and its pod's securityContext. */
export interface ContainerUser {
    uid: number;
    gid: number;
    groups: number[];
    /** The user's home in the image's /etc/passwd ("/" when it has none). */
    home: string;
    dropAllCapabilities: boolean;
    noNewPrivileges: boolean;
}

/** The entries of the image's /etc/passwd or /etc/group (name, id, gid or members, home). */
function idFile(rootfs: string, file: "passwd" | "group"): string[][] {
    const p = path.join(rootfs, "etc", file);
    return fs.existsSync(p) ? fs.readFileSync(p, "utf8").split("\n").filter(Boolean).map((l) => l.split(":")) : [];
}

/**
 * Resolves runAsUser (else the image's USER: a name or number, with an optional group, looked
 * up in the image's /etc/passwd and /etc/group as a runtime does), runAsGroup (else the user's
 * primary group), fsGroup/supplementalGroups and capabilities, and refuses what the kubelet
 * refuses: runAsNonRoot with a user of 0, and a non-numeric image user under runAsNonRoot.
 */
export function containerUser(pod: any, container: any, imageUser: string | undefined, rootfs: string): ContainerUser {
    const ps = pod.spec.securityContext ?? {};
    const cs = container.securityContext ?? {};
    const passwd = idFile(rootfs, "passwd");
    const [userPart, groupPart] = (imageUser || "0").split(":");
    const byName = passwd.find((e) => e[0] === userPart);
    const imageUid = /^\d+$/.test(userPart) ? Number(userPart) : byName ? Number(byName[2]) : undefined;
    if (imageUid === undefined) throw new Error(`container ${container.name}: image user "${userPart}" is not in the image's /etc/passwd`);
    const uid = cs.runAsUser ?? ps.runAsUser ?? imageUid;
    if ((cs.runAsNonRoot ?? ps.runAsNonRoot) && uid === 0) {
        throw new Error(`container has runAsNonRoot and image will run as root (pod: "${pod.metadata.name}", container: ${container.name})`);
    }
    if ((cs.runAsNonRoot ?? ps.runAsNonRoot) && cs.runAsUser === undefined && ps.runAsUser === undefined && !/^\d+$/.test(userPart)) {
        throw new Error(`container has runAsNonRoot and image has non-numeric user (${userPart}), cannot verify user is non-root (pod: "${pod.metadata.name}", container: ${container.name})`);
    }
    const entry = passwd.find((e) => Number(e[2]) === uid);
    const imageGid = groupPart === undefined ? (entry ? Number(entry[3]) : 0) : /^\d+$/.test(groupPart) ? Number(groupPart) : Number(idFile(rootfs, "group").find((g) => g[0] === groupPart)?.[2] ?? 0);
    const gid = cs.runAsGroup ?? ps.runAsGroup ?? imageGid;
    const groups = [...(ps.fsGroup !== undefined ? [ps.fsGroup] : []), ...(ps.supplementalGroups ?? [])];
    return {
        uid,
        gid,
        groups,
        home: entry?.[5] || "/",
        dropAllCapabilities: (cs.capabilities?.drop ?? []).includes("ALL"),
        noNewPrivileges: cs.allowPrivilegeEscalation === false,
    };
}

/**
 * The argv that runs `argv` in netns `netns`, in the container root `root`, as `user`, with
 * exactly `env`: the container-start double (`runtime`) does the rest inside the root.
 */
export function runInContainer(runtime: string, netns: string, root: string, user: ContainerUser, env: Record<string, string>, workingDir: string, argv: string[]): string[] {
    const flags = ["--root", root, "--uid", String(user.uid), "--gid", String(user.gid), "--groups", user.groups.join(","), "--cwd", workingDir];
    if (user.dropAllCapabilities) flags.push("--drop-caps");
    if (user.noNewPrivileges) flags.push("--no-new-privs");
    for (const [k, v] of Object.entries(env)) flags.push("--env", `${k}=${v}`);
    return ["netns", "exec", netns, runtime, ...flags, "--", ...argv];
}
