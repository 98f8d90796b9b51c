/**
 * The README tells the truth about the stack config: its table lists exactly the keys the
 * schema accepts, and the "pointing at a real cluster" steps keep the stack file's encryption
 * salt and set every secret the example stack needs.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { rawStackConfig, toProgramConfig } from "../../infra/config";
import { stackConfigSchema } from "../../infra/schema";
import { stackConfigProblems } from "../../infra/validate";
import { asPulumiConfig, readStackFile } from "../../infra/stack-file";
import { readmeKeys, schemaKeys } from "../helpers/schema-keys";

const root = path.join(__dirname, "..", "..");
const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");

test("the config table lists every key the schema accepts, and no other", () => {
    const inSchema = schemaKeys(stackConfigSchema).sort();
    const inReadme = readmeKeys(readme).sort();
    expect(inSchema.length).toBeGreaterThan(90);
    expect(inReadme.filter((k) => !inSchema.includes(k))).toEqual([]);
    expect(inSchema.filter((k) => !inReadme.includes(k))).toEqual([]);
    expect(new Set(inReadme).size).toBe(inReadme.length);
});

describe("pointing at a real cluster, as the README says", () => {
    const section = readme.slice(readme.indexOf("## Pointing at a real cluster"), readme.indexOf("## CI previews"));
    const commands = section.slice(section.indexOf("```sh"), section.indexOf("```", section.indexOf("```sh") + 5)).split("\n");

    test("the example's settings are appended to the stack file that `pulumi stack init` wrote, keeping its salt", () => {
        const sed = commands.find((c) => c.startsWith("sed "))!;
        expect(sed).toBeDefined();
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-readme-"));
        try {
            fs.mkdirSync(path.join(dir, "stacks"));
            fs.copyFileSync(path.join(root, "stacks", "Pulumi.example-university.yaml"), path.join(dir, "stacks", "Pulumi.example-university.yaml"));
            // What `pulumi stack init` writes for a passphrase stack: the salt alone.
            fs.writeFileSync(path.join(dir, "stacks", "Pulumi.mysite.yaml"), "encryptionsalt: v1:c2FsdA==:v1:aXYxMjM0NTY3ODkw:dGFn\n");
            execFileSync("bash", ["-c", sed], { cwd: dir });
            const written = parse(fs.readFileSync(path.join(dir, "stacks", "Pulumi.mysite.yaml"), "utf8"));
            expect(written.encryptionsalt).toBe("v1:c2FsdA==:v1:aXYxMjM0NTY3ODkw:dGFn");
            expect(written.config).toEqual(parse(fs.readFileSync(path.join(root, "stacks", "Pulumi.example-university.yaml"), "utf8")).config);
            expect(readStackFile("mysite", path.join(dir, "stacks"))).toEqual(readStackFile("example-university"));
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    test("the steps set every secret the example needs, and with them it is accepted", () => {
        const example = rawStackConfig(asPulumiConfig(readStackFile("example-university")));
        const needed = stackConfigProblems(example).map((p) => /^(hepaf:[\w.]+) \(secret\) is required/.exec(p)?.[1] ?? /so (hepaf:\w+) \(secret\) is required/.exec(p)?.[1]);
        expect(needed).toEqual(["hepaf:hubClientSecret", "hepaf:poolSigningKeys.campus"]);
        for (const key of needed) {
            expect(commands.some((c) => c.includes("pulumi config set --secret") && c.includes(key!))).toBe(true);
        }
        const cfg = toProgramConfig({ ...example, hubClientSecret: "s".repeat(32), poolSigningKeys: { campus: "a2V5".repeat(16) } });
        expect(cfg.renderDir).toBeUndefined(); // a real cluster: no render mode
    });
});
