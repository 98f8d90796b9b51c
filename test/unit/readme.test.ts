/**
 * The README tells the truth about the stack config: its table lists exactly the keys the
 * schema accepts, and the "pointing at a real cluster" steps keep the stack file's encryption
 * salt and set every secret the example stack needs.
 */
import { planPool } from "../../components/htcondor";
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

    test("the example needs no secret in its stack, and the steps make the Secrets its program reads", () => {
        const example = rawStackConfig(asPulumiConfig(readStackFile("example-university")));
        expect(stackConfigProblems(example)).toEqual([]);
        const cfg = toProgramConfig(example);
        expect(cfg.renderDir).toBeUndefined(); // a real cluster: no render mode
        const site = cfg.facility.hub.secrets!.siteSecret!;
        const pool = planPool(`${cfg.name}-campus`, { ...(cfg.facility.htcondor!.pools.campus as any), facility: cfg.name, groups: cfg.facility.groups.map((g) => ({ name: g.name, accountingGroup: g.htcondor?.accountingGroup })) });
        const kubectl = commands.filter((c) => c.includes("kubectl") && c.includes("create secret"));
        expect(kubectl.some((c) => c.includes(`-n ${cfg.name} create secret generic ${site} --from-file=client-secret=`))).toBe(true);
        expect(kubectl.some((c) => c.includes(`create secret generic ${pool.groups[0].tokenSecretName} --from-file=${cfg.name}-campus=`))).toBe(true);
        expect(commands.join("\n")).toContain(`for g in ${cfg.facility.groups.map((g) => g.name).join(" ")}; do`);
    });
});
