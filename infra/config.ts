import * as pulumi from "@pulumi/pulumi";
import { AnalysisFacilityArgs, CrdSource } from "../components";
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
    return {
        name: raw.name ?? "af",
        renderDir: raw.renderDir,
        facility: {
            domain: raw.domain,
            ca: caArgs(raw),
            traefik: { ...traefik, ...(crds ? { crds } : {}) },
            groups: raw.groups,
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
