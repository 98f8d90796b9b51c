/** The project as a site installs it: built, packed with `npm pack`, and installed into a fresh project. */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

const root = path.join(__dirname, "..", "..");

/**
 * Builds and packs the project, and installs the tarball (`hepaf.tgz`), with `extra` packages,
 * into a new project `site-af` in `dir`, as the README installs it. Its plugin executable is
 * then `<dir>/node_modules/.bin/pulumi-resource-hepaf`.
 */
export function installSitePackage(dir: string, extra: string[] = [], env: NodeJS.ProcessEnv = process.env): void {
    const run = (cmd: string, args: string[], cwd: string) => execFileSync(cmd, args, { cwd, encoding: "utf8", env, stdio: ["ignore", "pipe", "pipe"] });
    run("npm", ["run", "build", "--silent"], root);
    const tarball = run("npm", ["pack", "--silent", "--pack-destination", dir], root).trim().split("\n").pop()!;
    fs.renameSync(path.join(dir, tarball), path.join(dir, "hepaf.tgz"));
    fs.writeFileSync(path.join(dir, "package.json"), JSON.stringify({ name: "site-af", version: "1.0.0", private: true }));
    run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", path.join(dir, "hepaf.tgz"), ...extra], dir);
}
