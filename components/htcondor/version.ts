/** The HTCondor release this project pins for the in-cluster pool, and helper images (all from the image catalogue). */
import { builtImage, HTCONDOR_IMAGE_TAG, UPSTREAM_IMAGES, withTag } from "../images";

export { HTCONDOR_IMAGE_TAG };

const ROLE_IMAGES = { cm: UPSTREAM_IMAGES.htcondorCm, submit: UPSTREAM_IMAGES.htcondorSubmit, execute: UPSTREAM_IMAGES.htcondorExecute } as const;

/** Official image of one HTCondor role at `tag`: the catalogue's image of that role with `tag` as its tag. */
export function htcondorImage(role: "cm" | "submit" | "execute", tag: string = HTCONDOR_IMAGE_TAG): string {
    return tag === HTCONDOR_IMAGE_TAG ? ROLE_IMAGES[role] : withTag(ROLE_IMAGES[role], tag, "imageTag");
}

/** Small pinned image for the init step that installs tokens with mode 0600 (needs `sh` and `install`): the catalogue's busybox. */
export const TOKEN_INIT_IMAGE = UPSTREAM_IMAGES.busybox;

/** Image of container-universe batch workers that name none, outside a facility: the catalogue's worker image (the facility passes its resolved `images.worker`). */
export const DEFAULT_WORKER_IMAGE = builtImage("worker");

/** The HTCondor port (shared port daemon) of every role. */
export const HTCONDOR_PORT = 9618;
