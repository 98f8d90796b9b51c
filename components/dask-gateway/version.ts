/** The dask-gateway release this project pins (server image and the Python package the integration tier tests). */

/** Pinned dask-gateway-server version. */
export const DASK_GATEWAY_VERSION = "2026.3.0";

/** Official image of a dask-gateway-server version. */
export function daskGatewayImage(version: string): string {
    return `ghcr.io/dask/dask-gateway-server:${version}`;
}

/** The user id the official image runs as (its `dask` user). */
export const DASK_GATEWAY_UID = 1000;
