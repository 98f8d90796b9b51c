/**
 * The real Pulumi engine for the e2e tier: a copy of the project in a temp dir (so nothing
 * in the repository is written), a temp file backend, and the Automation API.
 */
import { LocalWorkspace, PulumiCommand, Stack } from "@pulumi/pulumi/automation";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { policyFinding } from "./steps";

export const repoRoot = path.join(__dirname, "..", "..");

/** A disposable copy of the project with its own backend. */
export interface E2eProject {
    dir: string;
    renderDir: string;
    stack: Stack;
    dispose(): void;
}

function copyProject(dest: string): void {
    for (const entry of ["Pulumi.yaml", "package.json", "tsconfig.json", "infra", "components", "stacks", "policy"]) {
        fs.cpSync(path.join(repoRoot, entry), path.join(dest, entry), { recursive: true });
    }
    fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(dest, "node_modules"));
}

/** Where scripts/toolchain.sh installed the pulumi CLI of @pulumi/pulumi's version (`<root>/bin/pulumi`; scripts/env.sh puts it first on PATH). */
export function pulumiRoot(): string {
    const version = JSON.parse(fs.readFileSync(path.join(repoRoot, "node_modules/@pulumi/pulumi/package.json"), "utf8")).version;
    const home = process.env.PULUMI_HOME ?? path.join(os.homedir(), ".pulumi");
    const root = path.join(home, "versions", version);
    if (!fs.existsSync(path.join(root, "bin", "pulumi"))) {
        throw new Error(`the pulumi CLI v${version} is not installed in ${root}; run scripts/toolchain.sh`);
    }
    return root;
}

/** The pulumi CLI scripts/toolchain.sh installed. */
async function pulumiCommand(): Promise<PulumiCommand> {
    return PulumiCommand.get({ root: pulumiRoot(), skipVersionCheck: false });
}

/** Creates a copy of the project and selects `stackName` with the stack's own config, rendering to a temp dir. */
export async function e2eProject(stackName = "dev", passphrase = "dev"): Promise<E2eProject> {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-e2e-"));
    copyProject(dir);
    const backend = path.join(dir, ".state");
    fs.mkdirSync(backend);
    const renderDir = path.join(dir, "out", stackName);
    const stack = await LocalWorkspace.createOrSelectStack(
        { stackName, workDir: dir },
        {
            pulumiCommand: await pulumiCommand(),
            envVars: {
                PULUMI_BACKEND_URL: `file://${backend}`,
                PULUMI_CONFIG_PASSPHRASE: passphrase,
                PULUMI_SKIP_UPDATE_CHECK: "true",
                PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION: "true",
                PULUMI_NODEJS_TRANSPILE_ONLY: "true",
            },
        },
    );
    return { dir, renderDir, stack, dispose: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

/** Every YAML file under a directory. */
export function yamlFiles(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
        const p = path.join(dir, e.name);
        return e.isDirectory() ? yamlFiles(p) : /\.ya?ml$/.test(e.name) ? [p] : [];
    });
}

/** Every object in the rendered manifests. */
export function renderedObjects(dir: string): any[] {
    return yamlFiles(dir).flatMap((f) =>
        parseAllDocuments(fs.readFileSync(f, "utf8"))
            .map((d) => {
                if (d.errors.length) throw new Error(`${f}: ${d.errors[0].message}`);
                return d.toJSON();
            })
            .filter((o) => o && o.kind),
    );
}

/** The value of a key of a rendered Secret (stringData or base64 data). */
export function secretValue(secret: any, key: string): string {
    if (secret.stringData?.[key] !== undefined) return secret.stringData[key];
    if (secret.data?.[key] !== undefined) return Buffer.from(secret.data[key], "base64").toString("utf8");
    throw new Error(`secret ${secret.metadata.namespace}/${secret.metadata.name} has no key ${key}`);
}

/**
 * A preview of the project's stack with its policy pack, and every finding of any policy (a
 * violation or an advisory, the engine's "warning"), with its resource, as the engine reports it.
 */
export async function previewWithPack(project: E2eProject): Promise<{ preview: Awaited<ReturnType<Stack["preview"]>>; findings: string[] }> {
    const findings: string[] = [];
    const preview = await project.stack.preview({
        policyPacks: [path.join(project.dir, "policy")],
        onOutput: () => undefined,
        onEvent: (e) => e.policyEvent && findings.push(policyFinding(e.policyEvent)),
    });
    return { preview, findings };
}
