/**
 * The program (infra/) as the engine runs it: stack config -> provider -> facility. The engine
 * starts it with infra/ as the working directory; nothing it declares may depend on that.
 */
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parse } from "yaml";
import { traefikCrdsFile } from "../helpers/k8s-schema";
import { setupMocks, settled } from "../helpers/pulumi";

const mocks = setupMocks();
import { rawStackConfig, toProgramConfig } from "../../infra/config";
import { declareProgram } from "../../infra/program";
import { findProjectRoot, resolveRenderDir } from "../../infra/project-root";
import { readStackFile } from "../../infra/stack-file";
import { BATCH_WORKER_SETTINGS_ENV, containerPortDirectives } from "../../components";
import { builtImage } from "../../components/images";

const root = path.join(__dirname, "..", "..");
/** The dev stack's config as the program reads it (encrypted values become placeholders), with the CRD file the scripts provide. */
const devConfig = () =>
    toProgramConfig(
        rawStackConfig(Object.fromEntries(Object.entries(readStackFile("dev")).map(([k, v]) => [k, typeof v === "string" ? v : JSON.stringify(v)]))),
        { traefikCrdsFile: traefikCrdsFile() },
    );

/** Runs `fn` with `dir` as the working directory. */
function inDir<T>(dir: string, fn: () => T): T {
    const before = process.cwd();
    process.chdir(dir);
    try {
        return fn();
    } finally {
        process.chdir(before);
    }
}

beforeEach(() => mocks.reset());

describe("the project root", () => {
    test("is where Pulumi.yaml is, found from any folder below it", () => {
        expect(findProjectRoot(path.join(root, "infra"))).toBe(root);
        expect(findProjectRoot(path.join(root, "components", "pki"))).toBe(root);
        expect(findProjectRoot(root)).toBe(root);
        const outside = fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-noproject-"));
        try {
            expect(() => findProjectRoot(outside)).toThrow(/no Pulumi.yaml at or above/);
        } finally {
            fs.rmSync(outside, { recursive: true, force: true });
        }
    });

    test("relative render dirs are relative to it; absolute ones stay", () => {
        expect(resolveRenderDir("out/dev", root)).toBe(path.join(root, "out", "dev"));
        expect(resolveRenderDir("/srv/manifests", root)).toBe("/srv/manifests");
    });
});

test("the dev stack renders into <project>/out/dev whatever the working directory", async () => {
    const config = devConfig();
    expect(config.renderDir).toBe("out/dev");
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-cwd-"));
    const seen: string[] = [];
    try {
        // infra/ is where the real engine starts the program; the other folder has nothing to do with the project.
        for (const cwd of [path.join(root, "infra"), elsewhere]) {
            mocks.reset();
            inDir(cwd, () => declareProgram(config));
            await settled();
            const providers = mocks.ofType("pulumi:providers:kubernetes");
            expect(providers).toHaveLength(1);
            seen.push(providers[0].inputs.renderYamlToDirectory);
        }
    } finally {
        fs.rmSync(elsewhere, { recursive: true, force: true });
    }
    expect(seen).toEqual([path.join(root, "out", "dev"), path.join(root, "out", "dev")]);
});

test("the dev stack's CMS batch workers are container-universe jobs in the facility's worker image on the node's network; open data's stay vanilla", async () => {
    declareProgram(devConfig());
    await settled();
    const jobOf = (namespace: string) => {
        const cm = mocks.ofType("kubernetes:core/v1:ConfigMap").find((r) => r.inputs.metadata.namespace === namespace && /^htcondor-.*-client$/.test(r.inputs.metadata.name))!;
        return parse(cm.inputs.data["jobqueue.yaml"]).jobqueue.htcondor["job-extra-directives"];
    };
    const cms = jobOf("af-cms");
    expect(cms).toMatchObject({ universe: "container", container_image: builtImage("worker"), docker_network_type: "host", accounting_group: "group_cms" });
    for (const k of Object.keys(containerPortDirectives())) expect(cms).not.toHaveProperty(k);
    // The launcher advertises the node's own address (the container shares its network).
    expect(cms.environment).toContain(`${BATCH_WORKER_SETTINGS_ENV}=`);
    expect(cms.environment).toContain('""advertise"":""node""');
    const opendata = jobOf("af-opendata");
    expect(opendata).not.toHaveProperty("universe");
    expect(opendata).not.toHaveProperty("container_image");
    expect(opendata.environment).toContain('""advertise"":""node""');
});

test("Pulumi.yaml names the program's file, so the engine never looks for it in package.json", () => {
    // With `main` naming a folder the language host passes "." and the SDK takes the entry point
    // from package.json `exports`/`main`: the library's build (dist/), absent when running from
    // source, hence the engine's "Could not find entry point" warning. A file is run as given.
    const project = parse(fs.readFileSync(path.join(root, "Pulumi.yaml"), "utf8"));
    const main = path.join(root, project.main);
    expect(fs.statSync(main).isFile()).toBe(true);
    expect(path.relative(root, main)).toBe(path.join("infra", "index.ts"));
});
