import * as k8s from "@pulumi/kubernetes";
import * as path from "path";
import { AnalysisFacility } from "../components";
import { readConfig } from "./config";

/** The program `pulumi up` runs: stack config -> one AnalysisFacility -> outputs. */
const config = readConfig();

// In render mode the provider writes manifests instead of talking to a cluster.
const provider = new k8s.Provider(
    "k8s",
    config.renderDir ? { renderYamlToDirectory: path.resolve(config.renderDir) } : {},
);

const facility = new AnalysisFacility(config.name, config.facility, { providers: { kubernetes: provider } });

export const hubUrl = facility.hubUrl;
export const daskEndpoint = facility.daskEndpoint;
export const rootCaCertPem = facility.rootCaCertPem;
export const groupNamespaces = Object.fromEntries(Object.entries(facility.groups).map(([g, v]) => [g, v.namespace]));
/** Per group: its namespace, the address of its Dask Gateway and the HTCondor pool its notebooks submit to (null: none). */
export const groups = Object.fromEntries(
    config.facility.groups.map((g) => [
        g.name,
        facility.gatewayAddresses[g.name].apply((gatewayAddress) => ({ namespace: facility.groups[g.name].namespace, gatewayAddress, pool: g.htcondor?.pool ?? null })),
    ]),
);
