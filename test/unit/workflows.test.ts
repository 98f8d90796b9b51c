/**
 * The workflows are linted for real (scripts/lint-workflows.sh: actionlint built from the Go
 * module proxy, shellcheck on every `run:` step), and the images workflow publishes exactly the
 * names the catalogue gives: its own steps' scripts, run here, print builtImage(role) and refuse
 * a tag or registry that does not match.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { BUILT_ROLES, HEPAF_VERSION, builtImage } from "../../components/images/catalog";

const root = path.join(__dirname, "..", "..");
const script = path.join(root, "scripts", "lint-workflows.sh");
const workflows = path.join(root, ".github", "workflows");
const imagesYml = fs.readFileSync(path.join(workflows, "images.yml"), "utf8");

function run(args: string[], env: Record<string, string> = {}) {
    const r = spawnSync("bash", [script, ...args], { encoding: "utf8", env: { ...process.env, ...env }, timeout: 9 * 60 * 1000 });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

let tmp: string;
beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-workflows-"));
    // Builds actionlint once when the cache has none (about 30 s cold), so each test only lints.
    const built = run(["--print-bin"]);
    expect(built.stderr).not.toContain("FAILED");
    expect(built.code).toBe(0);
    expect(fs.existsSync(built.stdout.trim())).toBe(true);
});
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

/** A copy of images.yml with one replacement made (and checked to have been made). */
function brokenCopy(name: string, from: string, to: string): string {
    expect(imagesYml).toContain(from);
    const file = path.join(tmp, name);
    fs.writeFileSync(file, imagesYml.replace(from, to));
    return file;
}

describe("scripts/lint-workflows.sh", () => {
    test("the repository's workflows pass actionlint and shellcheck", () => {
        const r = run([]);
        const count = fs.readdirSync(workflows).filter((f) => /\.ya?ml$/.test(f)).length;
        expect(count).toBeGreaterThanOrEqual(2);
        expect(r.stdout).toBe("");
        expect(r.stderr).toMatch(new RegExp(`${count} workflow file\\(s\\) pass actionlint v1\\.7\\.12 with shellcheck \\d`));
        expect(r.code).toBe(0);
    });

    test("an expression naming a matrix property that does not exist fails, naming it", () => {
        const file = brokenCopy("matrix.yml", "file: images/${{ matrix.role }}/Containerfile", "file: images/${{ matrix.nope }}/Containerfile");
        const r = run([file]);
        expect(r.stdout).toMatch(/matrix\.yml:\d+:\d+: property "nope" is not defined in object type \{role: string\}/);
        expect(r.stderr).toContain("lint-workflows: FAILED: actionlint v1.7.12 found problems");
        expect(r.code).toBe(1);
    });

    test("an input the action does not have fails, naming the input and the action", () => {
        const file = brokenCopy("input.yml", "          context: images/", "          contxt: images/");
        const r = run([file]);
        expect(r.stdout).toContain('input "contxt" is not defined in action "docker/build-push-action@v7"');
        expect(r.code).toBe(1);
    });

    test("the shell of a run: step goes through shellcheck", () => {
        const file = brokenCopy("shell.yml", 'if [ "$TAG" != "v$version" ]', 'if [ $TAG != "v$version" ]');
        const r = run([file]);
        expect(r.stdout).toMatch(/shell\.yml:\d+:\d+: shellcheck reported issue in this script: SC2086/);
        expect(r.code).toBe(1);
    });

    test("a module the proxy refuses is one line naming the version and the module, remembered", () => {
        const cache = path.join(tmp, "cache");
        // An empty module cache of its own, and no proxy to ask.
        const env = { HEPAF_CACHE: cache, HEPAF_GOMODCACHE: path.join(cache, "mod"), HEPAF_GOCACHE: path.join(cache, "build"), GOPROXY: "off", HEPAF_RETRY: "" };
        const first = run([path.join(workflows, "images.yml")], env);
        const failed = first.stderr.split("\n").filter((l) => l.includes("FAILED"));
        const line = failed.find((l) => l.startsWith("lint-workflows: FAILED actionlint"));
        expect(line).toMatch(
            /^lint-workflows: FAILED actionlint v1\.7\.12: go install \S+: refused module github\.com\/rhysd\/actionlint\/cmd\/actionlint@v1\.7\.12 \(module lookup disabled by GOPROXY=off\) \(log: /,
        );
        expect(first.code).toBe(1);
        // The next run says the same at once, without asking the proxy again.
        const again = run([path.join(workflows, "images.yml")], env);
        const lines = again.stderr.trim().split("\n");
        expect(lines).toHaveLength(1);
        expect(lines[0]).toContain(line!.replace(/ \(log: .*$/, ""));
        expect(lines[0]).toContain("remembered from an earlier run; HEPAF_RETRY=1 tries again");
        expect(again.code).toBe(1);
    });
});

describe("the images workflow", () => {
    const job = parse(imagesYml).jobs.image;
    const step = (pred: (s: any) => boolean) => {
        const found = job.steps.filter(pred);
        expect(found).toHaveLength(1);
        return found[0];
    };
    const shell = (runScript: string, env: Record<string, string>) => {
        const r = spawnSync("bash", ["-e", "-c", runScript], { cwd: root, encoding: "utf8", env: { ...process.env, ...env }, timeout: 120000 });
        return { code: r.status, out: r.stdout + r.stderr };
    };

    test("builds every role of the catalogue from its own folder, tagged with the catalogue's name", () => {
        expect(job.strategy.matrix.role).toEqual([...BUILT_ROLES]);
        const build = step((s) => typeof s.uses === "string" && s.uses.startsWith("docker/build-push-action@"));
        expect(build.with.context).toBe("images/${{ matrix.role }}");
        expect(build.with.file).toBe("images/${{ matrix.role }}/Containerfile");
        expect(build.with.tags).toBe("${{ steps.name.outputs.image }}");
        expect(build.with.push).toBe("${{ env.PUBLISH == 'true' }}");
        expect(job.env.PUBLISH).toBe("${{ github.ref_type == 'tag' }}");
    });

    test("its naming step prints and outputs builtImage(role) for each role", () => {
        const naming = step((s) => s.id === "name");
        for (const role of BUILT_ROLES) {
            const output = path.join(tmp, `output-${role}`);
            fs.writeFileSync(output, "");
            const r = shell(naming.run, { ROLE: role, GITHUB_OUTPUT: output });
            expect(r.out).toContain(`components default to ${builtImage(role)}`);
            expect(fs.readFileSync(output, "utf8")).toBe(`image=${builtImage(role)}\n`);
            expect(r.code).toBe(0);
        }
        const r = shell(naming.run, { ROLE: "gateway", GITHUB_OUTPUT: path.join(tmp, "output-gateway") });
        expect(r.out).toContain("::error::role gateway is not one of the catalogue BUILT_ROLES (hub, notebook, worker)");
        expect(r.code).toBe(1);
    });

    test("a release tag other than v + package.json's version stops the job", () => {
        const check = step((s) => s.name === "The tag is v + package.json's version");
        expect(check.if).toBe("github.ref_type == 'tag'");
        const version = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")).version;
        expect(version).toBe(HEPAF_VERSION);
        expect(shell(check.run, { TAG: `v${version}` })).toEqual({ code: 0, out: `release v${version}\n` });
        const wrong = shell(check.run, { TAG: "v9.9.9" });
        expect(wrong.out).toContain(`::error::tag v9.9.9 is not v + package.json's version (v${version})`);
        expect(wrong.code).toBe(1);
    });

    test("publishing refuses a catalogue registry this repository's token cannot push to", () => {
        const check = step((s) => s.name === "The catalogue's registry is this owner's");
        expect(check.if).toBe("env.PUBLISH == 'true'");
        const image = builtImage("hub");
        const owner = image.split("/")[1];
        expect(shell(check.run, { IMAGE: image, GITHUB_REPOSITORY_OWNER: owner.toUpperCase() }).code).toBe(0);
        const fork = shell(check.run, { IMAGE: image, GITHUB_REPOSITORY_OWNER: "someone-else" });
        expect(fork.out).toContain(`::error::the components default to ${image}, but this workflow's token can push only under ghcr.io/someone-else`);
        expect(fork.code).toBe(1);
    });
});
