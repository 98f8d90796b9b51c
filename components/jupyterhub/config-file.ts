import * as fs from "fs";
import { shippedFile } from "../common";

/** The hub's jupyterhub_config.py: a real file shipped in the package (see `shippedFile`). */
export const HUB_CONFIG_FILE = "jupyterhub_config.py";

/** Absolute path of the shipped jupyterhub_config.py. */
export function hubConfigPath(): string {
    return shippedFile("jupyterhub", HUB_CONFIG_FILE);
}

/** The text of the shipped jupyterhub_config.py. */
export function hubConfigText(): string {
    return fs.readFileSync(hubConfigPath(), "utf8");
}
