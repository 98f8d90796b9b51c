import * as fs from "fs";
import { shippedFile } from "../common";

/** File name of the gateway configuration shipped in the package (and mounted in the pods). */
export const GATEWAY_CONFIG_FILE = "dask_gateway_config.py";
/** File name of the values file the configuration reads. */
export const GATEWAY_VALUES_FILE = "values.json";
/** Where the ConfigMap is mounted in the API server and controller pods. */
export const GATEWAY_CONFIG_DIR = "/etc/dask-gateway";

/** Path of `dask_gateway_config.py` in this package. */
export function gatewayConfigPath(): string {
    return shippedFile("dask-gateway", GATEWAY_CONFIG_FILE);
}

/** Contents of `dask_gateway_config.py`. */
export function gatewayConfigSource(): string {
    return fs.readFileSync(gatewayConfigPath(), "utf8");
}
