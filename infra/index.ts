import * as pulumi from "@pulumi/pulumi";
import { groupNamespace } from "../components";
import { readStackConfig } from "./config";
import { declareGroupProgram, declareProgram } from "./program";

/**
 * The program `pulumi up` runs. A facility's stack: stack config -> one AnalysisFacility ->
 * outputs. A group's own stack (it names `hepaf:facilityStack`): the group's parts, from the
 * facility stack's `groupParts` output -> its gateway's address.
 */
const stack = readStackConfig();
const program = stack.kind === "facility" ? { config: stack.config, facility: declareProgram(stack.config).facility } : undefined;
const group = stack.kind === "group" ? declareGroupProgram(stack.config) : undefined;
const facility = program?.facility;

export const hubUrl = facility?.hubUrl;
export const daskEndpoint = facility?.daskEndpoint;
export const rootCaCertPem = facility?.rootCaCertPem;
/** Where users get bundles for Dask from their laptops (null: the Dask access service is off). */
export const daskAccessUrl = facility ? (facility.daskAccessUrl ?? null) : undefined;
/** The image of every role, as resolved from `hepaf:images` and the catalogue. */
export const images = facility?.images;
export const groupNamespaces = program && Object.fromEntries(program.config.facility.groups.map((g) => [g.name, groupNamespace(program.config.name, g.name)]));
/** Per group: its namespace, the address of its Dask Gateway and the HTCondor pool its notebooks submit to (null: none). */
export const groups =
    program &&
    Object.fromEntries(
        program.config.facility.groups.map((g) => [
            g.name,
            program.facility.gatewayAddresses[g.name].apply((gatewayAddress) => ({ namespace: groupNamespace(program.config.name, g.name), gatewayAddress, pool: g.htcondor?.pool ?? null })),
        ]),
    );
/** With `hepaf:groupStacks`: what each group's own stack reads (a secret: it holds the gateways' hub tokens). */
export const groupParts = program?.config.facility.groupStacks ? facility!.groupParts : undefined;
/** A group's own stack: its gateway's address. */
export const gatewayAddress = group ? pulumi.output(group.then((g) => g.parts.gatewayAddress)) : undefined;
