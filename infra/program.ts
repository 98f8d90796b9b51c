import * as k8s from "@pulumi/kubernetes";
import { AnalysisFacility } from "../components";
import { ProgramConfig } from "./config";
import { findProjectRoot, resolveRenderDir } from "./project-root";

/** What the program declares. */
export interface Program {
    /** The Kubernetes provider every object goes through. */
    provider: k8s.Provider;
    /** The facility. */
    facility: AnalysisFacility;
}

/**
 * Declares the program: one Kubernetes provider and one AnalysisFacility. In render mode the
 * provider writes manifests into `hepaf:renderDir`, relative to the project root (where
 * Pulumi.yaml is), whatever the working directory (the engine's is infra/).
 *
 * The provider updates ConfigMaps and Secrets in place: by default it replaces them when their
 * data change, and with fixed names it deletes them first. Components never pass a ConfigMap's
 * or Secret's outputs into a workload, so with another provider a change still updates (not
 * replaces) the workloads; here nothing is deleted either.
 */
export function declareProgram(config: ProgramConfig, projectRoot: string = findProjectRoot(__dirname)): Program {
    const provider = new k8s.Provider("k8s", {
        enableConfigMapMutable: true,
        enableSecretMutable: true,
        ...(config.renderDir ? { renderYamlToDirectory: resolveRenderDir(config.renderDir, projectRoot) } : {}),
    });
    const facility = new AnalysisFacility(config.name, config.facility, { providers: { kubernetes: provider } });
    return { provider, facility };
}
