/**
 * The main job's plan path (scripts/plan.ts), fed generated broken stack files: each is refused
 * with one message naming the key (or file, line and column), no stack trace, exit code 2, and
 * nothing declared or written. Then the committed dev stack is planned for real in its own process.
 */
import { execFileSync, spawnSync } from "child_process";
import * as fc from "fast-check";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { stringify } from "yaml";
import { builtImage, UPSTREAM_IMAGES } from "../../components/images";

// Anything the plan declares would land here: a refused stack declares nothing.
let declared = 0;
pulumi.runtime.setMocks({ newResource: (a) => (declared++, { id: a.name, state: a.inputs }), call: (a) => a.inputs }, "hepaf", "plan-test", true);
import { main } from "../../scripts/plan";

const root = path.join(__dirname, "..", "..");
/** Broken stack files (>= 1000 in CI; HEPAF_PROPERTY_RUNS lowers it while iterating). */
const RUNS = Number(process.env.HEPAF_PROPERTY_RUNS ?? 1000);

const label = fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/);
const domain = fc.tuple(label, label).map(([a, b]) => `${a}.${b}.org`);
const SECRET = "c2VjcmV0LXBvb2wta2V5LWZvci10ZXN0cw==";

/** A valid stack file's config (keys as written in the file). */
const validStack = fc
    .record({
        name: label,
        domain,
        groups: fc.uniqueArray(
            fc.record({ name: label, gateway: fc.record({ maxWorkers: fc.integer({ min: 1, max: 500 }) }), quota: fc.record({ cpu: fc.integer({ min: 4, max: 900 }) }) }),
            { minLength: 1, maxLength: 3, selector: (g) => g.name },
        ),
        daskPort: fc.integer({ min: 1025, max: 65535 }).filter((p) => ![8000, 8443, 9000, 9100].includes(p)),
        pool: fc.boolean(),
    })
    .map(({ name, domain, groups, daskPort, pool }) => ({
        "hepaf:name": name,
        "hepaf:domain": domain,
        "hepaf:renderDir": `out/${name}`,
        "hepaf:ca": { subject: { organization: "Example", country: "US" } },
        "hepaf:traefik": { daskPort, service: { type: "LoadBalancer" }, crds: "none" },
        "hepaf:hub": { login: { type: "dummy" }, allowDummy: true, admins: ["admin"] },
        "hepaf:groups": groups.map((g, i) => (pool && i === 0 ? { ...g, htcondor: { pool: "campus" } } : g)),
        ...(pool
            ? {
                  "hepaf:htcondor": { pools: { campus: { mode: "external", collector: "cm.example.org", schedd: "ap.example.org", trustDomain: "example.org" } } },
                  "hepaf:poolSigningKeys": { campus: { secure: "v1:bm90LXJlYWxseS1lbmNyeXB0ZWQ=" } },
              }
            : {}),
    }));

/** A broken stack file: its text, what its error must say, and a value it must not show. */
interface Broken {
    text: string;
    expect: RegExp | string;
    hidden?: string;
}
type Mutation = (config: Record<string, any>) => Broken;
const yamlOf = (config: Record<string, unknown>) => stringify({ config });
const edit = (f: (c: Record<string, any>) => void): ((c: Record<string, any>) => Record<string, any>) => (c) => {
    const copy = structuredClone(c);
    f(copy);
    return copy;
};

/** One misspelling of `word` (a letter dropped, doubled, or two neighbours swapped), never `word` itself. */
const typo = (word: string) =>
    fc.tuple(fc.constantFrom("drop", "double", "swap"), fc.nat({ max: word.length - 2 })).map(([kind, i]) => {
        const w = kind === "drop" ? word.slice(0, i) + word.slice(i + 1) : kind === "double" ? word.slice(0, i + 1) + word.slice(i) : word.slice(0, i) + word[i + 1] + word[i] + word.slice(i + 2);
        return w === word ? `${word}x` : w;
    });

/** Objects of the stack and a key each holds, for misspellings. */
const KEYS: [string, (c: any) => any, string][] = [
    ["hub", (c) => c["hepaf:hub"], "allowDummy"],
    ["hub", (c) => c["hepaf:hub"], "admins"],
    ["hub.login", (c) => c["hepaf:hub"].login, "type"],
    ["traefik", (c) => c["hepaf:traefik"], "daskPort"],
    ["traefik.service", (c) => c["hepaf:traefik"].service, "type"],
    ["ca.subject", (c) => c["hepaf:ca"].subject, "organization"],
    ["groups[0]", (c) => c["hepaf:groups"][0], "gateway"],
    ["groups[0].gateway", (c) => c["hepaf:groups"][0].gateway, "maxWorkers"],
    ["groups[0].quota", (c) => c["hepaf:groups"][0].quota, "cpu"],
];

const mutations: fc.Arbitrary<Mutation> = fc.oneof(
    // A misspelt key anywhere: refused by its misspelt name.
    fc.constantFrom(...KEYS).chain(([at, obj, key]) =>
        typo(key).map((bad): Mutation => (c) => ({
            text: yamlOf(edit((x) => { const o = obj(x); o[bad] = o[key]; delete o[key]; })(c)),
            expect: `hepaf:${at}.${bad} is not a known setting`,
        })),
    ),
    // A misspelt top-level key or namespace.
    typo("domain").map((bad): Mutation => (c) => ({ text: yamlOf(edit((x) => { x[`hepaf:${bad}`] = x["hepaf:domain"]; delete x["hepaf:domain"]; })(c)), expect: `hepaf:${bad} is not a known setting` })),
    typo("hepaf").map((bad): Mutation => (c) => ({ text: yamlOf(edit((x) => { x[`${bad}:name`] = x["hepaf:name"]; delete x["hepaf:name"]; })(c)), expect: `${bad}:name is not a setting of this project; did you mean "hepaf:name"?` })),
    // A port that is not one: says the range.
    fc.oneof(fc.integer({ min: 65536 }), fc.integer({ max: 0 }), fc.constant("87x6"), fc.double({ min: 1.1, max: 9.9, noNaN: true })).map((bad): Mutation => (c) => ({
        text: yamlOf(edit((x) => (x["hepaf:traefik"].daskPort = bad))(c)),
        expect: "hepaf:traefik.daskPort must be a port: an integer from 1 to 65535",
    })),
    // A country that is not a code; a group name that is not a DNS label.
    fc.constantFrom("us", "USA", "U", "de ").map((bad): Mutation => (c) => ({ text: yamlOf(edit((x) => (x["hepaf:ca"].subject.country = bad))(c)), expect: "hepaf:ca.subject.country must be a two-letter country code" })),
    fc.constantFrom("Cms", "cms.x", "-cms", "cms_x", "").map((bad): Mutation => (c) => ({ text: yamlOf(edit((x) => (x["hepaf:groups"][0].name = bad))(c)), expect: "hepaf:groups[0].name must be a DNS label" })),
    // A group named twice: both indexes.
    fc.constant<Mutation>((c) => {
        const n = c["hepaf:groups"].length;
        return { text: yamlOf(edit((x) => x["hepaf:groups"].push({ name: x["hepaf:groups"][0].name }))(c)), expect: `hepaf:groups[${n}].name: group name "${c["hepaf:groups"][0].name}" is also the name of hepaf:groups[0]` };
    }),
    // A value out of its range or of the wrong kind.
    fc.integer({ max: 0 }).map((bad): Mutation => (c) => ({ text: yamlOf(edit((x) => (x["hepaf:groups"][0].gateway.maxWorkers = bad))(c)), expect: "hepaf:groups[0].gateway.maxWorkers must be an integer >= 1" })),
    fc.string({ minLength: 1, maxLength: 8 }).filter((s) => !["LoadBalancer", "NodePort", "ClusterIP"].includes(s)).map((bad): Mutation => (c) => ({
        text: yamlOf(edit((x) => (x["hepaf:traefik"].service.type = bad))(c)),
        expect: 'hepaf:traefik.service.type must be one of "LoadBalancer", "NodePort", "ClusterIP"',
    })),
    // A missing required key.
    fc.constantFrom("domain", "hub", "groups").map((key): Mutation => (c) => ({ text: yamlOf(edit((x) => delete x[`hepaf:${key}`])(c)), expect: `hepaf:${key} is required` })),
    // A secret of the wrong kind: named, its value never shown.
    fc.constantFrom([SECRET], { key: SECRET }).map((bad): Mutation => (c) => ({
        text: yamlOf(edit((x) => (x["hepaf:hubClientSecret"] = bad))(c)),
        expect: "hepaf:hubClientSecret must be a non-empty string (value not shown: a secret)",
        hidden: SECRET,
    })),
    // A secret nothing uses (the dummy login has no client secret): named, not shown.
    fc.constant<Mutation>((c) => ({
        text: yamlOf(edit((x) => (x["hepaf:hubClientSecret"] = SECRET))(c)),
        expect: 'hepaf:hubClientSecret is set, but hepaf:hub.login.type "dummy" uses no client secret',
        hidden: SECRET,
    })),
    // YAML that does not parse: file, line and column.
    fc.constantFrom("  bad: [unclosed\n", "\tindented: with a tab\n", " x: 1\n- y\n", "hepaf:domain: dup\nhepaf:domain: again\n").map((junk): Mutation => (c) => ({
        text: `config:\n${junk.replace(/^/gm, "  ").replace(/^ {2}$/gm, "")}` + yamlOf(c).replace(/^config:\n/, ""),
        expect: /^Pulumi\.[a-z0-9-]+\.yaml:\d+:\d+: \S/,
    })),
);

test("property: >= 1000 generated broken stack files are refused by the plan: key named, no stack trace, nothing declared or written", async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-stacks-"));
    const cwd = process.cwd();
    process.chdir(dir); // the stack files' names are shown relative to here; renderDir would be too
    const errors = jest.spyOn(console, "error").mockImplementation(() => undefined);
    const logs = jest.spyOn(console, "log").mockImplementation(() => undefined);
    let refused = 0;
    try {
        await fc.assert(
            fc.asyncProperty(validStack, mutations, label, async (valid, mutate, stack) => {
                const broken = mutate(valid);
                fs.writeFileSync(path.join(dir, `Pulumi.${stack}.yaml`), broken.text);
                errors.mockClear();
                logs.mockClear();
                expect(await main(stack, dir)).toBe(2);
                expect(logs).not.toHaveBeenCalled();
                expect(errors).toHaveBeenCalledTimes(1);
                const message = String(errors.mock.calls[0][0]);
                if (typeof broken.expect === "string") expect(message).toContain(broken.expect);
                else expect(message.split("\n")[0]).toMatch(broken.expect);
                expect(message).not.toMatch(/^\s+at /m);
                if (broken.hidden) expect(message).not.toContain(broken.hidden);
                expect(fs.readdirSync(dir)).toEqual([`Pulumi.${stack}.yaml`]);
                fs.rmSync(path.join(dir, `Pulumi.${stack}.yaml`));
                refused++;
            }),
            { numRuns: RUNS },
        );
    } finally {
        errors.mockRestore();
        logs.mockRestore();
        process.chdir(cwd);
        fs.rmSync(dir, { recursive: true, force: true });
    }
    expect(refused).toBe(RUNS);
    expect(declared).toBe(0);
});

test("an unknown stack is one line naming the stacks there are", async () => {
    const errors = jest.spyOn(console, "error").mockImplementation(() => undefined);
    try {
        expect(await main("nosuch")).toBe(2);
        expect(errors.mock.calls[0][0]).toMatch(/^stack "nosuch" not found: there is no \S*Pulumi\.nosuch\.yaml \(stacks: dev, example-large, example-large-cms, example-large-opendata, example-university\)$/);
    } finally {
        errors.mockRestore();
    }
});

describe("the plan script, in its own process", () => {
    const run = (args: string[], env: NodeJS.ProcessEnv) =>
        spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", path.join(root, "scripts", "plan.ts"), ...args], { cwd: root, encoding: "utf8", env: { ...process.env, ...env } });

    test("plans the dev stack: its outputs, every resource, nothing written", () => {
        const crds = execFileSync("bash", [path.join(root, "scripts", "traefik-crds.sh")], { encoding: "utf8" }).trim();
        const outDir = path.join(root, "out", "dev");
        const existedBefore = fs.existsSync(outDir);
        const r = run(["dev"], { HEPAF_TRAEFIK_CRDS_FILE: crds });
        expect(r.stderr).toBe("");
        expect(r.status).toBe(0);
        expect(r.stdout).toContain("Plan of stack dev (nothing is created or written)");
        expect(r.stdout).toMatch(/hubUrl +https:\/\/af\.example\.org\n/);
        expect(r.stdout).toMatch(/daskEndpoint +af\.example\.org:8786\n/);
        expect(r.stdout).toMatch(/daskAccess +https:\/\/af\.example\.org\/services\/dask\/\n/);
        expect(r.stdout).toMatch(/cms +namespace af-cms, gateway gateway:\/\/af\.example\.org:8786, pool campus \(external, collector cm\.example\.org\)\n/);
        expect(r.stdout).toMatch(/opendata +namespace af-opendata, gateway gateway:\/\/af\.example\.org:8786, pool local \(in-cluster\)\n/);
        // The image of every role: the dev stack names none, so the catalogue's.
        const images = r.stdout.slice(r.stdout.indexOf("  images:\n"), r.stdout.indexOf("  renderDir"));
        expect(images.split("\n").slice(1, -1).map((l) => l.trim().split(/ +/))).toEqual([
            ["hub", builtImage("hub")], ["notebook", builtImage("notebook")], ["worker", builtImage("worker")],
            ...Object.entries(UPSTREAM_IMAGES),
        ]);
        expect(r.stdout).toMatch(/\n +11 +CustomResourceDefinition \(cluster\)\n/);
        // The count pulumi up prints: every declared resource (the lines by type) and the stack.
        const byType = r.stdout.slice(r.stdout.indexOf("Resources by type:\n"), r.stdout.indexOf("Kubernetes objects by kind"));
        const declared = byType.split("\n").slice(1).filter((l) => l.trim()).reduce((n, l) => n + Number(l.trim().split(/ +/)[0]), 0);
        expect(byType).toMatch(/\n +1 +pulumi:providers:kubernetes\n/);
        expect(byType).not.toMatch(/pulumi:pulumi:Stack/);
        expect(r.stdout).toMatch(new RegExp(`\\n +${declared + 1} resources as pulumi up counts them \\(the stack and the ${declared} the program declares\\), \\d+ Kubernetes objects\\n$`));
        expect(fs.existsSync(outDir)).toBe(existedBefore);
    });

    test("a CRD source it cannot read is one line under its stack key, exit code 2", () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-stacks-"));
        try {
            const dev = fs.readFileSync(path.join(root, "stacks", "Pulumi.dev.yaml"), "utf8");
            // An unreachable URL: the download fails while the program declares.
            fs.writeFileSync(path.join(dir, "Pulumi.dev.yaml"), dev.replace("    daskPort: 8786\n", "    daskPort: 8786\n    crds: {source: url, url: \"http://127.0.0.1:9/crds.yml\"}\n"));
            const script = `require(${JSON.stringify(path.join(root, "scripts", "plan.ts"))}).main("dev", ${JSON.stringify(dir)}).then((c) => process.exit(c))`;
            const r = spawnSync(process.execPath, ["-r", "ts-node/register/transpile-only", "-e", script], { cwd: root, encoding: "utf8" });
            expect(r.status).toBe(2);
            expect(r.stdout).toBe("");
            expect(r.stderr).toMatch(/^stack dev cannot be planned:\n {2}hepaf:traefik\.crds\.url: cannot download Traefik CRDs from http:\/\/127\.0\.0\.1:9\/crds\.yml/);
            expect(r.stderr).not.toMatch(/^\s+at /m);
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
