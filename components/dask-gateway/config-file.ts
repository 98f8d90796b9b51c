import * as fs from "fs";
import * as path from "path";

/** File name of the gateway configuration shipped in the package (and mounted in the pods). */
export const GATEWAY_CONFIG_FILE = "dask_gateway_config.py";
/** File name of the values file the configuration reads. */
export const GATEWAY_VALUES_FILE = "values.json";
/** Where the ConfigMap is mounted in the API server and controller pods. */
export const GATEWAY_CONFIG_DIR = "/etc/dask-gateway";

/**
 * Path of `dask_gateway_config.py` in this package. The .py file lives next to the TypeScript
 * source (components/dask-gateway/); the compiled module runs from dist/components/dask-gateway/,
 * so look upwards for the package root (the directory holding package.json and components/).
 */
export function gatewayConfigPath(): string {
    const local = path.join(__dirname, GATEWAY_CONFIG_FILE);
    if (fs.existsSync(local)) {
        return local;
    }
    for (let dir = __dirname; ; dir = path.dirname(dir)) {
        const candidate = path.join(dir, "components", "dask-gateway", GATEWAY_CONFIG_FILE);
        if (fs.existsSync(path.join(dir, "package.json")) && fs.existsSync(candidate)) {
            return candidate;
        }
        if (path.dirname(dir) === dir) {
            throw new Error(`${GATEWAY_CONFIG_FILE} not found next to ${__dirname} nor under a package root above it`);
        }
    }
}

/** Contents of `dask_gateway_config.py`. */
export function gatewayConfigSource(): string {
    return fs.readFileSync(gatewayConfigPath(), "utf8");
}
