import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { AnalysisFacility, FacilityGroupParts, GroupParts } from "../components";
import { GroupStackConfig, ProgramConfig } from "./config";
import { StackConfigError } from "./errors";
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
    const provider = kubernetesProvider(config.renderDir, projectRoot);
    const facility = new AnalysisFacility(config.name, config.facility, { providers: { kubernetes: provider } });
    return { provider, facility };
}

/** The Kubernetes provider: render mode when `renderDir` is given (see declareProgram). */
function kubernetesProvider(renderDir: string | undefined, projectRoot: string): k8s.Provider {
    return new k8s.Provider("k8s", {
        enableConfigMapMutable: true,
        enableSecretMutable: true,
        ...(renderDir ? { renderYamlToDirectory: resolveRenderDir(renderDir, projectRoot) } : {}),
    });
}

/** What a group's own stack declares. */
export interface GroupProgram {
    provider: k8s.Provider;
    parts: FacilityGroupParts;
}

/**
 * The group's parts from the facility stack's `groupParts` output (the whole output is a
 * secret: it holds each gateway's hub token); a missing output or group is refused by key.
 */
export function pickGroupParts(config: GroupStackConfig, exported: Record<string, GroupParts> | undefined): GroupParts {
    if (exported === undefined) {
        throw new StackConfigError([`hepaf:facilityStack: stack ${config.facilityStack} exports no groupParts; set hepaf:groupStacks to true in it and run its pulumi up first`]);
    }
    const parts = exported[config.group];
    if (parts === undefined) {
        const known = Object.keys(exported).map((g) => `"${g}"`).join(", ") || "none";
        throw new StackConfigError([`hepaf:group: "${config.group}" is not a group of stack ${config.facilityStack} (its groups: ${known})`]);
    }
    return parts;
}

/**
 * Declares a group's own stack (a large site's micro-stacks): reads the facility's stack by
 * stack reference, then declares the group's CA, session defaults and gateway
 * (`FacilityGroupParts`), named as the facility's own stack would name them.
 */
export async function declareGroupProgram(config: GroupStackConfig, projectRoot: string = findProjectRoot(__dirname)): Promise<GroupProgram> {
    const facility = new pulumi.StackReference(config.facilityStack);
    const details = await facility.getOutputDetails("groupParts");
    const parts = pickGroupParts(config, (details.secretValue ?? details.value) as Record<string, GroupParts> | undefined);
    const provider = kubernetesProvider(config.renderDir, projectRoot);
    return { provider, parts: new FacilityGroupParts(`${parts.facility}-${parts.group}`, parts, { providers: { kubernetes: provider } }) };
}
