import * as pulumi from "@pulumi/pulumi";
import { AnalysisFacilityArgs, CrdSource, FacilityHubArgs, FacilityPoolArgs, GroupArgs, InvalidArgumentError, planFacility } from "../components";
import { stackConfigSchema, validateStackConfig } from "./schema";

/** What the program needs beyond the facility description. */
export interface ProgramConfig {
    /** Facility name (namespace of the shared parts). */
    name: string;
    /** Render manifests into this directory instead of deploying to a cluster. */
    renderDir?: string;
    /** The facility description. */
    facility: AnalysisFacilityArgs;
}

/** The raw stack config as one object: every `hepaf:*` key, JSON values parsed. */
export function rawStackConfig(all: Record<string, string>): Record<string, unknown> {
    const raw: Record<string, unknown> = {};
    for (const [fullKey, value] of Object.entries(all)) {
        if (!fullKey.startsWith("hepaf:")) continue;
        const key = fullKey.slice("hepaf:".length);
        const declared = (stackConfigSchema.properties as Record<string, { type?: string }>)[key];
        raw[key] = declared?.type === "string" ? value : parseJson(value);
    }
    return raw;
}

function parseJson(value: string): unknown {
    try {
        return JSON.parse(value);
    } catch {
        return value;
    }
}

/**
 * Turns a validated raw stack config into the program's config. Pure (no Pulumi calls but
 * `pulumi.secret`), so the property tests drive it directly.
 */
export function toProgramConfig(raw: Record<string, any>, env: { traefikCrdsFile?: string } = {}): ProgramConfig {
    validateStackConfig(raw);
    const traefikRaw = raw.traefik ?? {};
    const crds: CrdSource | undefined =
        traefikRaw.crds === "none"
            ? { source: "none" }
            : traefikRaw.crds === "url"
              ? { source: "url" }
              : env.traefikCrdsFile
                ? { source: "file", path: env.traefikCrdsFile }
                : undefined;
    const { crds: _crds, ...traefik } = traefikRaw;
    const config: ProgramConfig = {
        name: raw.name ?? "af",
        renderDir: raw.renderDir,
        facility: {
            domain: raw.domain,
            ca: caArgs(raw),
            traefik: { ...traefik, ...(crds ? { crds } : {}) },
            hub: hubArgs(raw),
            htcondor: raw.htcondor ? { pools: poolsArgs(raw) } : undefined,
            groups: (raw.groups as any[]).map((g) => groupArgs(g, raw)),
        },
    };
    checkWithComponents(config);
    return config;
}

/**
 * Runs every component's own checks on the derived args, declaring nothing. Errors about a
 * path that is also a stack config key (`groups[0].quota.memoryGiB`) are reported under
 * that key (`hepaf:groups[0].quota.memoryGiB`).
 */
function checkWithComponents(config: ProgramConfig): void {
    try {
        planFacility(config.name, config.facility);
    } catch (err) {
        if (err instanceof InvalidArgumentError) {
            const top = err.argument.split(/[.[]/)[0];
            const key = top in stackConfigSchema.properties ? `hepaf:${err.argument}` : err.argument;
            throw new Error(`invalid stack config:\n  ${key}: ${err.message.slice(err.argument.length + 2)}`);
        }
        throw err;
    }
}

/** Stack config `hub` (+ secret `hubClientSecret`) → hub args. */
function hubArgs(raw: Record<string, any>): FacilityHubArgs {
    const hub = raw.hub;
    const login = hub.login;
    const needsSecret = login.type === "generic-oauth" || login.type === "github";
    if (needsSecret && !raw.hubClientSecret) {
        throw new Error(`invalid stack config:\n  hepaf:hub.login.type is "${login.type}", so hepaf:hubClientSecret (secret) is required`);
    }
    if (needsSecret && !login.clientId) {
        throw new Error(`invalid stack config:\n  hepaf:hub.login.clientId is required for login type "${login.type}"`);
    }
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
        for (const key of ["collector", "schedd", "trustDomain"]) {
            if (!p[key]) throw new Error(`invalid stack config:\n  hepaf:htcondor.pools.${name}.${key} is required for an external pool`);
        }
        const tokens = p.tokens ?? "mint";
        if (tokens === "mint" && !raw.poolSigningKeys?.[name]) {
            throw new Error(`invalid stack config:\n  hepaf:poolSigningKeys.${name} (secret) is required: pool "${name}" mints its tokens`);
        }
        pools[name] = {
            mode: "external",
            collector: p.collector,
            schedd: p.scheddHost ? { host: p.scheddHost, name: p.schedd } : { host: p.schedd },
            trustDomain: p.trustDomain,
            uidDomain: p.uidDomain,
            requireAccountingGroup: p.requireAccountingGroup,
            tokens: tokens === "mint" ? { source: "mint", signingKey: pulumi.secret(raw.poolSigningKeys[name] as string) } : { source: "provided" },
        };
    }
    return pools;
}

/** Stack config group → facility group args (profiles in CPUs and GiB, gateway in the sketch's terms). */
function groupArgs(g: Record<string, any>, raw: Record<string, any>): GroupArgs {
    const gw = g.gateway;
    const token = g.htcondor && raw.poolTokens?.[g.htcondor.pool]?.[g.name];
    return {
        htcondor: g.htcondor && { ...g.htcondor, ...(token ? { token: pulumi.secret(token as string) } : {}) },
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

function caArgs(raw: Record<string, any>): AnalysisFacilityArgs["ca"] {
    const ca = raw.ca ?? {};
    const { import: doImport, ...generate } = ca;
    if (!doImport) {
        return generate;
    }
    if (!raw.caCertPem || !raw.caKeyPem) {
        throw new Error("invalid stack config:\n  hepaf:ca.import is true, so hepaf:caCertPem and hepaf:caKeyPem (secret) are required");
    }
    // A plain key is checked against the certificate at once; the component keeps it as a secret.
    return { import: { certPem: raw.caCertPem, keyPem: raw.caKeyPem } };
}

/**
 * Reads the stack config. The Traefik CRD source may also come from HEPAF_TRAEFIK_CRDS_FILE
 * (a local copy of the official definitions, set by the project's scripts on machines
 * without internet) when the stack does not choose one.
 */
export function readConfig(): ProgramConfig {
    return toProgramConfig(rawStackConfig(pulumi.runtime.allConfig()), { traefikCrdsFile: process.env.HEPAF_TRAEFIK_CRDS_FILE });
}
