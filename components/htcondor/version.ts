/** The HTCondor release this project pins for the in-cluster pool, and helper images. */

/** Pinned tag of the official HTCondor images (`htcondor/cm`, `htcondor/submit`, `htcondor/execute`). */
export const HTCONDOR_IMAGE_TAG = "25.0.1-el9";

/** Official image of one HTCondor role at `tag`. */
export function htcondorImage(role: "cm" | "submit" | "execute", tag: string = HTCONDOR_IMAGE_TAG): string {
    return `docker.io/htcondor/${role}:${tag}`;
}

/** Small pinned image for the init step that installs tokens with mode 0600 (needs `sh` and `install`). */
export const TOKEN_INIT_IMAGE = "docker.io/library/busybox:1.37.0";

/** The HTCondor port (shared port daemon) of every role. */
export const HTCONDOR_PORT = 9618;
