import { readConfig } from "./config";
import { declareProgram } from "./program";

/** The program `pulumi up` runs: stack config -> one AnalysisFacility -> outputs. */
const { facility } = declareProgram(readConfig());

export const hubUrl = facility.hubUrl;
export const daskEndpoint = facility.daskEndpoint;
export const rootCaCertPem = facility.rootCaCertPem;
export const groupNamespaces = Object.fromEntries(Object.entries(facility.groups).map(([g, v]) => [g, v.namespace]));
