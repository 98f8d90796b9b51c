/** The dask-gateway release this project pins (from the image catalogue: server image and the Python package the integration tier tests). */
import { DASK_GATEWAY_VERSION, UPSTREAM_IMAGES, withTag } from "../images";

export { DASK_GATEWAY_VERSION };

/** Official image of a dask-gateway-server version: the catalogue's server image with `version` as its tag (`argument` names it in the error of a bad tag). */
export function daskGatewayImage(version: string, argument = "version"): string {
    return withTag(UPSTREAM_IMAGES.gatewayServer, version, argument);
}

/** The user id the official image runs as (its `dask` user). */
export const DASK_GATEWAY_UID = 1000;
