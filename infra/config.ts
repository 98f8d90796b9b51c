import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { AnalysisFacilityArgs, CrdSource, FacilityHubArgs, FacilityPoolArgs, GroupArgs, HttpsArgs, InvalidArgumentError, planFacility } from "../components";
import { StackConfigError } from "./errors";
import { stackConfigSchema } from "./schema";
import { nearest } from "./suggest";
import { validateGroupStackConfig, validateStackConfig } from "./validate";

/** The project directory (where Pulumi.yaml is): relative paths in stack config start here. */
export const PROJECT_DIR = path.join(__dirname, "..");

/** A group's own stack: which facility stack it reads and which group's own parts it declares. */
export interface GroupStackConfig {
    /** The facility's stack, read by stack reference (its `groupParts` output). */
    facilityStack: string;
    /** The group. */
    group: string;
    /** Render manifests into this directory instead of deploying to a cluster. */
    renderDir?: string;
}

/** True when a raw stack config is a group's own stack (it names the facility's stack). */
export function isGroupStack(raw: Record<string, unknown>): boolean {
    return "facilityStack" in raw;
}

/** A group stack's raw config → its config, or a {@link StackConfigError} naming every bad key. */
export function toGroupStackConfig(raw: Record<string, any>): GroupStackConfig {
    validateGroupStackConfig(raw);
    return { facilityStack: raw.facilityStack, group: raw.group, ...(raw.renderDir ? { renderDir: raw.renderDir } : {}) };
}

/** What the program needs beyond the facility description. */
export interface ProgramConfig {
    /** Facility name (namespace of the shared parts). */
    name: string;
    /** Render manifests into this directory instead of deploying to a cluster. */
    renderDir?: string;
    /** The facility description. */
    facility: AnalysisFacilityArgs;
}

/**
 * The raw stack config as one object: every `hepaf:*` key, JSON values parsed. Keys of other
 * namespaces belong to other packages (`kubernetes:context`), except a near miss of `hepaf`
 * (`hepfa:domain`), which is refused.
 */
export function rawStackConfig(all: Record<string, string>): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    const problems: string[] = [];
    for (const [fullKey, value] of Object.entries(all)) {
        if (!fullKey.includes(":")) {
            problems.push(`${fullKey} needs its namespace: write "hepaf:${fullKey}"`);
            continue;
        }
        const [namespace, key] = [fullKey.slice(0, fullKey.indexOf(":")), fullKey.slice(fullKey.indexOf(":") + 1)];
        if (namespace !== "hepaf") {
            if (nearest(namespace, ["hepaf"])) problems.push(`${fullKey} is not a setting of this project; did you mean "hepaf:${key}"?`);
            continue;
        }
        // Structured values come as JSON text. A text setting keeps its text, unless it is a
        // list or mapping written where text belongs (then the schema refuses it).
        const declared = (stackConfigSchema.properties as Record<string, { type?: string }>)[key];
        const parsed = parseJson(value);
        raw[key] = declared?.type === "string" && (parsed === null || typeof parsed !== "object") ? value : parsed;
    }
    if (problems.length > 0) throw new StackConfigError(problems);
    return raw;
}

function parseJson(value: string): unknown {
    try {
        return JSON.parse(value);
    } catch {
        return value;
    }
}

/** Where the program's inputs other than stack config come from. */
export interface ProgramEnv {
    /** A local copy of the official Traefik CRDs, used when the stack names no CRD source. Default none (the release URL). */
    traefikCrdsFile?: string;
    /** Directory that relative paths in stack config start from. Default the project directory. */
    projectDir?: string;
}

/** Stack config `traefik.crds` (`"url"`, `"none"` or a source written out) → the component's CRD source. */
function crdSource(raw: unknown, env: ProgramEnv): CrdSource | undefined {
    if (raw === "none" || (raw as CrdSource)?.source === "none") return { source: "none" };
    if (raw === "url") return { source: "url" };
    if ((raw as CrdSource)?.source === "url") return { source: "url", url: (raw as { url?: string }).url };
    if ((raw as CrdSource)?.source === "file") return { source: "file", path: path.resolve(env.projectDir ?? PROJECT_DIR, (raw as { path: string }).path) };
    return env.traefikCrdsFile ? { source: "file", path: env.traefikCrdsFile } : undefined;
}

/**
 * Turns a raw stack config into the program's config, or throws a {@link StackConfigError}
 * listing every problem by key. Pure (no Pulumi calls but `pulumi.secret`), so the property
 * tests drive it directly.
 */
export function toProgramConfig(raw: Record<string, any>, env: ProgramEnv = {}): ProgramConfig {
    validateStackConfig(raw);
    const traefikRaw = raw.traefik ?? {};
    const crds = crdSource(traefikRaw.crds, env);
    const { crds: _crds, ...traefik } = traefikRaw;
    const config: ProgramConfig = {
        name: raw.name ?? "af",
        renderDir: raw.renderDir,
        facility: {
            domain: raw.domain,
            ca: caArgs(raw),
            ...(raw.pki ? { pki: raw.pki } : {}),
            ...(raw.https ? { https: httpsArgs(raw.https, env) } : {}),
            traefik: { ...traefik, ...(crds ? { crds } : {}) },
            hub: hubArgs(raw),
            htcondor: raw.htcondor ? { pools: poolsArgs(raw) } : undefined,
            groups: (raw.groups as any[]).map((g) => groupArgs(g, raw)),
            daskAccess: raw.daskAccess,
            ...(raw.images ? { images: raw.images } : {}),
            ...(raw.groupStacks ? { groupStacks: true } : {}),
            ...(raw.monitoring ? { monitoring: raw.monitoring } : {}),
        },
    };
    checkWithComponents(config, Object.keys(raw.htcondor?.pools ?? {}));
    return config;
}

/**
 * The stack config key of a component argument: the facility names its parts' arguments
 * `<name>-edge.*` (Traefik), `<name>-<pool>.*` (a pool), `<name>.*` (the hub; its groups are
 * the stack's groups).
 */
export function stackKeyOfArgument(argument: string, name: string, pools: string[], poolGroups: Record<string, number[]> = {}): string {
    // A pool's groups are those that use it, in order: `<name>-<pool>.groups[k]` is a stack group's `htcondor`.
    for (const p of pools) {
        const m = new RegExp(`^${name}-${p}\\.groups\\[(\\d+)\\]\\.(.+)$`).exec(argument);
        const index = m && poolGroups[p]?.[Number(m[1])];
        if (m && index !== undefined) return `hepaf:groups[${index}].htcondor.${m[2]}`;
    }
    const rules: [string, string][] = [
        [`${name}-edge.`, "traefik."],
        ...pools.map((p): [string, string] => [`${name}-${p}.`, `htcondor.pools.${p}.`]),
        [`${name}.groups[`, "groups["],
        [`${name}.`, "hub."],
    ];
    const rule = rules.find(([prefix]) => argument.startsWith(prefix));
    // A pool's `tokens` is a word in the stack, the component's `tokens.source`.
    const key = (rule ? rule[1] + argument.slice(rule[0].length) : argument).replace(/^(htcondor\.pools\.[a-z0-9-]+\.tokens)\.source$/, "$1");
    const top = key.split(/[.[]/)[0];
    return top in stackConfigSchema.properties ? `hepaf:${key}` : argument;
}

/** Each pool's groups, as indices of the stack's groups, in the order the pool lists them. */
export function poolGroupsOf(config: ProgramConfig): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    config.facility.groups.forEach((g, i) => {
        if (g.htcondor) (out[g.htcondor.pool] ??= []).push(i);
    });
    return out;
}

/**
 * Runs every component's own checks on the derived args, declaring nothing; a problem is
 * reported under its stack config key (`hepaf:traefik.daskPort`).
 */
function checkWithComponents(config: ProgramConfig, pools: string[]): void {
    try {
        planFacility(config.name, config.facility);
    } catch (err) {
        if (err instanceof InvalidArgumentError) {
            throw new StackConfigError([`${stackKeyOfArgument(err.argument, config.name, pools, poolGroupsOf(config))}: ${err.message.slice(err.argument.length + 2)}`]);
        }
        throw err;
    }
}

/** Stack config `hub` (+ secret `hubClientSecret`) → hub args. */
function hubArgs(raw: Record<string, any>): FacilityHubArgs {
    const hub = raw.hub;
    const login = hub.login;
    const needsSecret = (login.type === "generic-oauth" || login.type === "github") && raw.hubClientSecret !== undefined;
    const { image, ...rest } = hub;
    return {
        ...rest,
        login: needsSecret ? { ...login, clientSecret: pulumi.secret(raw.hubClientSecret as string) } : login,
        ...(image ? { hubImage: image } : {}),
    };
}

// Stack keys are in GiB; "G" would be 10^9 bytes to Kubernetes.
const gib = (n: number | undefined) => (n === undefined ? undefined : `${n}Gi`);

/** Stack config `htcondor.pools` (+ secrets `poolSigningKeys`) → pool args. */
function poolsArgs(raw: Record<string, any>): Record<string, FacilityPoolArgs> {
    const pools: Record<string, FacilityPoolArgs> = {};
    for (const [name, p] of Object.entries<any>(raw.htcondor.pools ?? {})) {
        if (p.mode === "in-cluster") {
            pools[name] = { mode: "in-cluster", execute: p.execute, requireAccountingGroup: p.requireAccountingGroup };
            continue;
        }
        const tokens = p.tokens ?? "mint";
        pools[name] = {
            mode: "external",
            collector: p.collector,
            schedd: p.scheddHost ? { host: p.scheddHost, name: p.schedd } : { host: p.schedd },
            trustDomain: p.trustDomain,
            uidDomain: p.uidDomain,
            requireAccountingGroup: p.requireAccountingGroup,
            tokens: tokens === "mint" ? { source: "mint", signingKey: pulumi.secret(raw.poolSigningKeys[name] as string) } : { source: tokens },
        };
    }
    return pools;
}

/** Stack config group → facility group args (profiles in CPUs and GiB, gateway in the sketch's terms). */
function groupArgs(g: Record<string, any>, raw: Record<string, any>): GroupArgs {
    const gw = g.gateway;
    const token = g.htcondor && raw.poolTokens?.[g.htcondor.pool]?.[g.name];
    const { worker, ...htcondor } = g.htcondor ?? {};
    const mib = (n: number | undefined) => (n === undefined ? undefined : Math.round(n * 1024));
    return {
        htcondor: g.htcondor && {
            ...htcondor,
            ...(worker ? { worker: { cores: worker.cores, memoryMiB: mib(worker.memoryGiB), diskMiB: mib(worker.diskGiB), universe: worker.universe, image: worker.image, network: worker.network, deathTimeoutSeconds: worker.deathTimeoutSeconds } } : {}),
            ...(token ? { token: pulumi.secret(token as string) } : {}),
        },
        dask: g.dask,
        name: g.name,
        members: g.members,
        profiles: g.profiles?.map((p: any) => ({
            name: p.name,
            displayName: p.displayName,
            description: p.description,
            image: p.image,
            default: p.default,
            cpuGuarantee: p.cpu === undefined ? undefined : String(p.cpu),
            cpuLimit: p.cpuLimit === undefined ? undefined : String(p.cpuLimit),
            memoryGuarantee: gib(p.memoryGiB),
            memoryLimit: gib(p.memoryLimitGiB),
            gpus: p.gpus,
            nodeSelector: p.nodeSelector,
        })),
        quota: g.quota,
        gateway: gw && {
            image: gw.image,
            limits: { maxWorkers: gw.maxWorkers, maxCores: gw.maxCores, maxMemoryGiB: gw.maxMemoryGiB, idleTimeoutMinutes: gw.idleTimeoutMinutes },
            cluster: gw.workerCores || gw.workerMemoryGiB ? { worker: { cores: gw.workerCores, memoryGiB: gw.workerMemoryGiB } } : undefined,
            options:
                gw.workerCoresMax || gw.workerMemoryGiBMax || gw.images
                    ? {
                          workerCores: gw.workerCoresMax ? { min: 1, max: gw.workerCoresMax, default: gw.workerCores ?? 1 } : undefined,
                          workerMemoryGiB: gw.workerMemoryGiBMax ? { min: 1, max: gw.workerMemoryGiBMax, default: gw.workerMemoryGiB ?? 4 } : undefined,
                          images: gw.images ? { choices: gw.images } : undefined,
                      }
                    : undefined,
        },
    };
}

/** Stack config `https` → the facility's args; an ACME server's CA bundle is read from its file (relative to the project). */
function httpsArgs(raw: Record<string, any>, env: ProgramEnv): HttpsArgs {
    if (!raw.acme?.caBundleFile) return raw;
    const { caBundleFile, ...acme } = raw.acme;
    const file = path.resolve(env.projectDir ?? PROJECT_DIR, caBundleFile);
    let caBundlePem: string;
    try {
        caBundlePem = fs.readFileSync(file, "utf8");
    } catch (err) {
        throw new StackConfigError([`hepaf:https.acme.caBundleFile: cannot read ${JSON.stringify(caBundleFile)} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`]);
    }
    return { ...raw, acme: { ...acme, caBundlePem } };
}

function caArgs(raw: Record<string, any>): AnalysisFacilityArgs["ca"] {
    const ca = raw.ca ?? {};
    const { import: doImport, ...generate } = ca;
    if (!doImport) {
        return generate;
    }
    // A plain key is checked against the certificate at once; the component keeps it as a secret.
    return { import: { certPem: raw.caCertPem, keyPem: raw.caKeyPem } };
}

/**
 * Reads the stack config. The Traefik CRD source may also come from HEPAF_TRAEFIK_CRDS_FILE
 * (a local copy of the official definitions, set by the project's scripts on machines
 * without internet) when the stack does not choose one (`hepaf:traefik.crds`).
 */
export function readConfig(): ProgramConfig {
    return toProgramConfig(rawStackConfig(pulumi.runtime.allConfig()), { traefikCrdsFile: process.env.HEPAF_TRAEFIK_CRDS_FILE });
}

/** Reads the stack config of either kind of stack: a facility's, or a group's own (it names `hepaf:facilityStack`). */
export function readStackConfig(): { kind: "facility"; config: ProgramConfig } | { kind: "group"; config: GroupStackConfig } {
    const raw = rawStackConfig(pulumi.runtime.allConfig());
    return isGroupStack(raw)
        ? { kind: "group", config: toGroupStackConfig(raw) }
        : { kind: "facility", config: toProgramConfig(raw, { traefikCrdsFile: process.env.HEPAF_TRAEFIK_CRDS_FILE }) };
}
