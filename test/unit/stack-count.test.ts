/**
 * scripts/stack-count.js: the count scripts/up.sh prints after `pulumi up`, from the state as
 * `pulumi stack export` writes it: the engine's own count (the stack and explicit providers
 * included, default providers not), and the default providers named.
 */
import { spawnSync } from "child_process";
import * as path from "path";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { countResources, defaultProviderPackage, describe: describeCount } = require("../../scripts/stack-count.js");

const script = path.join(__dirname, "..", "..", "scripts", "stack-count.js");
const prefix = "urn:pulumi:dev::hepaf::";
const res = (type: string, name: string, parent = "pulumi:pulumi:Stack$", extra: Record<string, unknown> = {}) => ({
    urn: `${prefix}${parent}${type}::${name}`,
    custom: !type.startsWith("hepaf:") && type !== "pulumi:pulumi:Stack",
    type,
    ...extra,
});
/** A state shaped like `pulumi stack export`'s (version 3): the stack, its providers, components, objects. */
const exported = (resources: unknown[]) => ({ version: 3, deployment: { manifest: { time: "2026-12-01T00:00:00Z", version: "v3.248.0" }, secrets_providers: { type: "passphrase" }, resources } });
const devLike = exported([
    res("pulumi:pulumi:Stack", "hepaf-dev", ""),
    res("pulumi:providers:random", "default_4_21_2", ""),
    res("pulumi:providers:tls", "default_5_6_1", ""),
    res("hepaf:facility:AnalysisFacility", "af"),
    res("pulumi:providers:kubernetes", "af-k8s", "pulumi:pulumi:Stack$hepaf:facility:AnalysisFacility$"),
    res("kubernetes:core/v1:Namespace", "af", "pulumi:pulumi:Stack$hepaf:facility:AnalysisFacility$"),
    res("kubernetes:core/v1:ConfigMap", "hepaf-root-ca", "pulumi:pulumi:Stack$hepaf:facility:AnalysisFacility$"),
]);

test("the engine's count leaves out the default providers and keeps the stack and the explicit provider", () => {
    expect(countResources(devLike)).toEqual({ counted: 5, state: 7, defaultProviders: ["random", "tls"] });
    expect(describeCount(countResources(devLike))).toBe("5 resources as pulumi up counts them; the state also holds 2 default providers: random, tls");
});

test("only providers named default or default_<version> are default providers; pending deletions are not counted", () => {
    expect(defaultProviderPackage(`${prefix}pulumi:providers:tls::default`)).toBe("tls");
    expect(defaultProviderPackage(`${prefix}pulumi:providers:kubernetes::default_4_34_2`)).toBe("kubernetes");
    expect(defaultProviderPackage(`${prefix}pulumi:providers:kubernetes::af-k8s`)).toBeUndefined();
    expect(defaultProviderPackage(`${prefix}pulumi:pulumi:Stack$kubernetes:core/v1:ConfigMap::default`)).toBeUndefined();
    const pending = exported([res("pulumi:pulumi:Stack", "hepaf-dev", ""), res("kubernetes:core/v1:ConfigMap", "c", undefined, { delete: true })]);
    expect(countResources(pending)).toEqual({ counted: 1, state: 1, defaultProviders: [] });
    expect(describeCount(countResources(pending))).toBe("1 resources as pulumi up counts them");
    expect(describeCount({ counted: 3, defaultProviders: ["random"] })).toBe("3 resources as pulumi up counts them; the state also holds 1 default provider: random");
});

test("run as scripts/up.sh runs it: the export on stdin, one phrase out; anything else fails", () => {
    const ok = spawnSync(process.execPath, [script], { input: JSON.stringify(devLike), encoding: "utf8" });
    expect({ status: ok.status, stdout: ok.stdout }).toEqual({ status: 0, stdout: "5 resources as pulumi up counts them; the state also holds 2 default providers: random, tls\n" });
    const bad = spawnSync(process.execPath, [script], { input: "error: no stack", encoding: "utf8" });
    expect(bad.status).toBe(1);
    expect(bad.stdout).toBe("");
    expect(bad.stderr).toMatch(/^stack-count: not a stack export/);
});
