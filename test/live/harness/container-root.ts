/**
 * A container's filesystem for the kubelet double, without images: an overlay whose lower
 * layer is the machine's own root (read-only to the container: its writes land in a layer of
 * its own), with the pod's volumes bind-mounted at their real mount paths, /dev, /proc, /sys
 * and the tier's /etc/hosts (its DNS). `readOnlyRootFilesystem` remounts the overlay read-only,
 * as a runtime would. Nothing of it is visible outside the tier's mount namespace.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

function mount(args: string[]): void {
    execFileSync("mount", args, { stdio: ["ignore", "ignore", "pipe"] });
}

/** One bind mount of a volume (or a file of it) into the container. */
export interface BindMount {
    /** Host path (directory, or file for subPath mounts). */
    source: string;
    /** Path inside the container. */
    target: string;
    readOnly: boolean;
}

/** Builds the root under `base` and returns its path. */
export function makeContainerRoot(base: string, mounts: BindMount[], opts: { readOnlyRoot: boolean; hostsFile: string; software?: string[] }): string {
    const upper = path.join(base, "upper");
    const work = path.join(base, "work");
    const root = path.join(base, "root");
    for (const d of [upper, work, root]) fs.mkdirSync(d, { recursive: true });
    mount(["-t", "overlay", "overlay", "-o", `lowerdir=/,upperdir=${upper},workdir=${work}`, root]);
    // The machine's programs stand in for the image's: make them reachable for any user, as an
    // image's installed software is (only this view changes).
    fs.chmodSync(path.join(root, "root"), 0o755);
    mount(["--rbind", "/dev", path.join(root, "dev")]);
    mount(["-t", "proc", "proc", path.join(root, "proc")]);
    mount(["--rbind", "/sys", path.join(root, "sys")]);
    mount(["--bind", opts.hostsFile, path.join(root, "etc", "hosts")]);
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
        mount(["--bind", m.source, target]);
        targets.push(target);
    }
    // The image's software where a volume would hide it: mounted again, read-only, on top.
    const under = (dir: string, t: string) => dir === t || dir.startsWith(t.endsWith("/") ? t : `${t}/`);
    for (const dir of opts.software ?? []) {
        if (!sorted.some((m) => under(dir, resolveInside(root, m.target)))) continue;
        const target = path.join(root, dir);
        fs.mkdirSync(target, { recursive: true });
        mount(["--bind", dir, target]);
        mount(["-o", "remount,bind,ro", target]);
    }
    sorted.forEach((m, i) => m.readOnly && mount(["-o", "remount,bind,ro", targets[i]]));
    if (opts.readOnlyRoot) mount(["-o", "remount,ro", root]);
    return root;
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
    dropAllCapabilities: boolean;
    noNewPrivileges: boolean;
}

/**
 * Resolves runAsUser (else the image's user), runAsGroup, fsGroup/supplementalGroups and
 * capabilities, and refuses what the kubelet refuses: runAsNonRoot with a user of 0.
 */
export function containerUser(pod: any, container: any, imageUser: number): ContainerUser {
    const ps = pod.spec.securityContext ?? {};
    const cs = container.securityContext ?? {};
    const uid = cs.runAsUser ?? ps.runAsUser ?? imageUser;
    if ((cs.runAsNonRoot ?? ps.runAsNonRoot) && uid === 0) {
        throw new Error(`container has runAsNonRoot and image will run as root (pod: "${pod.metadata.name}", container: ${container.name})`);
    }
    const gid = cs.runAsGroup ?? ps.runAsGroup ?? 0;
    const groups = [...(ps.fsGroup !== undefined ? [ps.fsGroup] : []), ...(ps.supplementalGroups ?? [])];
    return {
        uid,
        gid,
        groups,
        dropAllCapabilities: (cs.capabilities?.drop ?? []).includes("ALL"),
        noNewPrivileges: cs.allowPrivilegeEscalation === false,
    };
}

/** The argv that runs `argv` in netns `netns`, chrooted into `root`, as `user`, with exactly `env`. */
export function runInContainer(netns: string, root: string, user: ContainerUser, env: Record<string, string>, workingDir: string, argv: string[]): string[] {
    const priv = ["/usr/bin/setpriv"];
    if (user.uid !== 0 || user.gid !== 0) priv.push(`--reuid=${user.uid}`, `--regid=${user.gid}`);
    priv.push(user.groups.length ? `--groups=${user.groups.join(",")}` : "--clear-groups");
    if (user.dropAllCapabilities) priv.push("--bounding-set=-all", "--inh-caps=-all");
    if (user.noNewPrivileges) priv.push("--no-new-privs");
    const envArgs = Object.entries(env).map(([k, v]) => `${k}=${v}`);
    return ["netns", "exec", netns, "chroot", root, ...priv, "--", "/usr/bin/env", "-i", "-C", workingDir, ...envArgs, ...argv];
}
