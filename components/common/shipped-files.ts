import * as fs from "fs";
import * as path from "path";

/**
 * Files shipped in the package beside the TypeScript (the Python configs and hub modules,
 * `components/**\/*.py` in package.json "files"). From source they sit next to the modules;
 * when the compiled modules run from `dist/components/`, they are found by walking up to the
 * package root (the directory whose package.json is "hepaf").
 */
export function shippedFile(component: string, file: string): string {
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
