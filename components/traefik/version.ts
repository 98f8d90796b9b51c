/** The Traefik release this project pins, and where its official CRD definitions live. */

/** Pinned Traefik version (image tag and CRD release). */
export const TRAEFIK_VERSION = "v3.6.12";

/** Official image of a Traefik version. */
export function traefikImage(version: string): string {
    return `docker.io/library/traefik:${version}`;
}

/** Release URL of the official CRD definitions of a Traefik version. */
export function crdReleaseUrl(version: string): string {
    return `https://raw.githubusercontent.com/traefik/traefik/${version}/docs/content/reference/dynamic-configuration/kubernetes-crd-definition-v1.yml`;
}
