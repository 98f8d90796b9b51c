import * as fs from "fs";
import { shippedFile } from "../common";

/** File name of the hub-side hooks (`dask_sessions.py`, shipped beside this file); the hub mounts it beside its config. */
export const DASK_SESSIONS_MODULE = "dask_sessions.py";

/** The text of the shipped hooks module. */
export function daskSessionsModuleText(): string {
    return fs.readFileSync(shippedFile("dask-sessions", DASK_SESSIONS_MODULE), "utf8");
}
