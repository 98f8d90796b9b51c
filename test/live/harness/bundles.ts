/**
 * A user's Dask bundle from the facility's access service, as a laptop gets it: signed in
 * through the hub's OAuth as a browser is (the page and its form token), the download form
 * posted, and the zip unpacked by Python's own zip tool into the folder a client points
 * DASK_CONFIG at.
 */
import { execFile } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { promisify } from "util";
import { HubSession, pageMessage } from "./hub-client";

const run = promisify(execFile);

/** Where the hub serves the Dask access service. */
export const ACCESS_SERVICE = "/services/dask/";

/** Signs `user` in to the access service as a browser does; the page, the way there and the page's form token. */
export async function signInToAccess(user: HubSession, context: () => string = () => ""): Promise<{ page: string; visited: string[]; xsrf: string }> {
    const { res, visited } = await user.signInTo(ACCESS_SERVICE);
    const page = await res.text();
    if (res.status !== 200) throw new Error(`sign-in of ${user.user} to ${ACCESS_SERVICE}: HTTP ${res.status} after ${visited.join(" -> ")}: ${page.slice(0, 300)}${context()}`);
    return { page, visited, xsrf: /name="_xsrf" value="([^"]*)"/.exec(page)?.[1] ?? "" };
}

/** Writes a bundle's zip into `into` and unpacks it there; returns the bundle's folder. */
export async function unpackBundle(python: string, zip: Buffer, into: string): Promise<string> {
    fs.mkdirSync(into, { recursive: true });
    fs.writeFileSync(path.join(into, "bundle.zip"), zip);
    await run(python, ["-m", "zipfile", "-e", path.join(into, "bundle.zip"), into]);
    const [folder] = fs.readdirSync(into).filter((e) => e !== "bundle.zip");
    if (!folder) throw new Error(`the bundle unpacked into ${into} holds no folder`);
    return path.join(into, folder);
}

/** Signs `user` in to the access service, downloads `group`'s bundle through the page's form and unpacks it into `into`; returns its folder. */
export async function downloadBundle(python: string, user: HubSession, group: string, into: string): Promise<string> {
    const { xsrf } = await signInToAccess(user);
    const zip = await user.request("POST", `${ACCESS_SERVICE}bundle/${group}`, { form: { _xsrf: xsrf } });
    if (zip.status !== 200) throw new Error(`${user.user}'s bundle of ${group}: HTTP ${zip.status} ${pageMessage(await zip.text())}`);
    return unpackBundle(python, await zip.bytes(), into);
}
