"""How the HTCondor doubles run a container-universe job in its image, as HTCondor's container
universe does: in a mount namespace of the job's own (gone with the job), on an overlay of the
image's unpacked layers (built by scripts/images.sh), with /proc, /dev, the node's /etc/hosts
and the job's sandbox mounted at its own path; the image's Env under the job's environment,
as the image's user (the sandbox is made theirs, as the starter makes it the job's). The last
step, entering the root and taking the user, is the live tier's container-start double. The
job shares the node's network (what `docker_network_type = host` and Apptainer give). Shared by
the schedd double and the live tier's batch node.
"""
import os
import shlex


def container_image(submit):
    """The job's `container_image` when it is a container-universe job, else None."""
    if submit.get("universe", "vanilla").strip().lower() != "container":
        return None
    return submit.get("container_image", "").strip().strip('"')


def in_container(image, runtime, workdir, sandbox, argv, job_env):
    """The command line (argv) and environment that run `argv` in `image` ({"rootfs", "config"})
    with `sandbox` as its working directory; `workdir` holds the container's own layers."""
    config = image["config"]
    user = (config.get("User") or "0").split(":")[0]
    uid = int(user) if user.isdigit() else 0
    for d, _, files in os.walk(sandbox):
        for name in [d] + [os.path.join(d, f) for f in files]:
            os.chown(name, uid, uid)
    upper, work, root = (os.path.join(workdir, d) for d in ("upper", "work", "root"))
    for d in (upper, work, root):
        os.makedirs(d, exist_ok=True)
    env = {**dict(kv.split("=", 1) for kv in config.get("Env") or []), **job_env}
    q = shlex.quote
    script = " && ".join([
        f"mount -t overlay overlay -o lowerdir={q(image['rootfs'])},upperdir={q(upper)},workdir={q(work)} {q(root)}",
        f"mkdir -p {q(root)}/proc {q(root)}/dev {q(root)}/etc {q(root + sandbox)} && touch {q(root)}/etc/hosts",
        f"mount -t proc proc {q(root)}/proc && mount --rbind /dev {q(root)}/dev && mount --bind /etc/hosts {q(root)}/etc/hosts",
        f"mount --bind {q(sandbox)} {q(root + sandbox)}",
        "exec " + " ".join(q(a) for a in [runtime, "--root", root, "--uid", str(uid), "--gid", str(uid), "--cwd", sandbox,
                                             *[x for k, v in env.items() for x in ("--env", f"{k}={v}")], "--", *argv]),
    ])
    return ["unshare", "--mount", "--propagation", "private", "--", "bash", "-c", script], {"PATH": os.environ.get("PATH", "/usr/bin:/bin")}
