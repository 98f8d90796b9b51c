/** The Traefik release this project pins (from the image catalogue), and where its official CRD definitions live. */
import { TRAEFIK_VERSION, UPSTREAM_IMAGES, withTag } from "../images";

export { TRAEFIK_VERSION };

/** Official image of a Traefik version: the catalogue's Traefik image with `version` as its tag (`argument` names it in the error of a bad tag). */
export function traefikImage(version: string, argument = "version"): string {
    return withTag(UPSTREAM_IMAGES.traefik, version, argument);
}

/** Release URL of the official CRD definitions of a Traefik version. */
export function crdReleaseUrl(version: string): string {
    return `https://raw.githubusercontent.com/traefik/traefik/${version}/docs/content/reference/dynamic-configuration/kubernetes-crd-definition-v1.yml`;
}
