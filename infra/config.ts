import * as pulumi from "@pulumi/pulumi";
import { AnalysisFacilityArgs, CrdSource } from "../components";

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
 * Reads stack config into the facility description. Stack config keys are `hepaf:<key>`.
 * The Traefik CRD source may also come from HEPAF_TRAEFIK_CRDS_FILE (a local copy of the
 * official definitions, set by the project's scripts on machines without internet).
 */
export function readConfig(): ProgramConfig {
    const cfg = new pulumi.Config("hepaf");
    const crdsFile = process.env.HEPAF_TRAEFIK_CRDS_FILE;
    const crds: CrdSource | undefined = crdsFile ? { source: "file", path: crdsFile } : undefined;
    const traefik = cfg.getObject<Record<string, any>>("traefik") ?? {};
    return {
        name: cfg.get("name") ?? "af",
        renderDir: cfg.get("renderDir"),
        facility: {
            domain: cfg.require("domain"),
            groups: cfg.requireObject<{ name: string }[]>("groups"),
            traefik: { ...traefik, ...(crds && !traefik.crds ? { crds } : {}) },
        },
    };
}
