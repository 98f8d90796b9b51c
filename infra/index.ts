import { readConfig } from "./config";
import { declareProgram } from "./program";

/** The program `pulumi up` runs: stack config -> one AnalysisFacility -> outputs. */
const config = readConfig();
const { facility } = declareProgram(config);

export const hubUrl = facility.hubUrl;
export const daskEndpoint = facility.daskEndpoint;
export const rootCaCertPem = facility.rootCaCertPem;
/** Where users get bundles for Dask from their laptops (null: the Dask access service is off). */
export const daskAccessUrl = facility.daskAccessUrl ?? null;
/** The image of every role, as resolved from `hepaf:images` and the catalogue. */
export const images = facility.images;
export const groupNamespaces = Object.fromEntries(Object.entries(facility.groups).map(([g, v]) => [g, v.namespace]));
/** Per group: its namespace, the address of its Dask Gateway and the HTCondor pool its notebooks submit to (null: none). */
export const groups = Object.fromEntries(
    config.facility.groups.map((g) => [
        g.name,
        facility.gatewayAddresses[g.name].apply((gatewayAddress) => ({ namespace: facility.groups[g.name].namespace, gatewayAddress, pool: g.htcondor?.pool ?? null })),
    ]),
);
