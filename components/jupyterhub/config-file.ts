import * as fs from "fs";
import * as path from "path";

/**
 * The hub's jupyterhub_config.py is a real file shipped in the package
 * (`components/**\/*.py` in package.json "files"). It sits next to this module's source, and
 * at `<package root>/components/jupyterhub/` when this module runs from `dist/`; both are
 * found by walking up to the package root (the directory whose package.json is "hepaf").
 */
export const HUB_CONFIG_FILE = "jupyterhub_config.py";

/** Absolute path of the shipped jupyterhub_config.py. */
export function hubConfigPath(): string {
    return componentFile("jupyterhub", HUB_CONFIG_FILE);
}

/** Absolute path of a file shipped in `components/<component>/` of the package. */
export function componentFile(component: string, file: string): string {
    const beside = path.join(__dirname, "..", component, file);
    if (fs.existsSync(beside)) {
        return beside;
    }
    for (let dir = __dirname; ; dir = path.dirname(dir)) {
        const pkg = path.join(dir, "package.json");
        if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, "utf8")).name === "hepaf") {
            return path.join(dir, "components", component, file);
        }
        if (path.dirname(dir) === dir) {
            throw new Error(`components/${component}/${file} not found beside ${__dirname} nor in the hepaf package root`);
        }
    }
}

/** The text of the shipped jupyterhub_config.py. */
export function hubConfigText(): string {
    return fs.readFileSync(hubConfigPath(), "utf8");
}
