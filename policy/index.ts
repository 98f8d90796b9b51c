import { PolicyPack, ReportViolation } from "@pulumi/policy";
import { knownResource } from "./known";
import { daskRoutesPassthrough, groupNamespacesGuarded, limitsAndNonRoot, onlyTraefikLoadBalancer, secretsInConfigMap } from "./rules";

/** Name of the shared Dask entrypoint (policy config `daskEntrypoint`). Default `dask`. */
interface PackConfig {
    daskEntrypoint?: string;
}

const report = (problems: string[], reportViolation: ReportViolation) => problems.forEach((p) => reportViolation(p));

// Every rule reads the resource through knownResource: a value not known during preview reaches
// it as UNKNOWN instead of throwing inside the SDK's proxy (which the SDK reports as "can't run
// policy ... during preview"), and the rules decide on what is known.

new PolicyPack("hepaf", {
    policies: [
        {
            name: "no-secret-data-in-configmaps",
            description: "ConfigMaps hold no keys, tokens or passwords.",
            enforcementLevel: "mandatory",
            validateResource: (args, reportViolation) => report(secretsInConfigMap(knownResource(args)), reportViolation),
        },
        {
            name: "workloads-limited-and-non-root",
            description: "Every Deployment container has CPU and memory limits and runs as non-root.",
            enforcementLevel: "mandatory",
            validateResource: (args, reportViolation) => report(limitsAndNonRoot(knownResource(args)), reportViolation),
        },
        {
            name: "dask-routes-passthrough",
            description: "Every IngressRouteTCP on the Dask entrypoint uses TLS passthrough.",
            enforcementLevel: "mandatory",
            configSchema: { properties: { daskEntrypoint: { type: "string", default: "dask" } } },
            validateResource: (args, reportViolation) =>
                report(daskRoutesPassthrough(knownResource(args), args.getConfig<PackConfig>().daskEntrypoint ?? "dask"), reportViolation),
        },
        {
            name: "only-traefik-is-a-load-balancer",
            description: "Only Traefik's Service is of type LoadBalancer.",
            enforcementLevel: "mandatory",
            validateResource: (args, reportViolation) => report(onlyTraefikLoadBalancer(knownResource(args)), reportViolation),
        },
        {
            name: "group-namespaces-guarded",
            description: "No group namespace without a NetworkPolicy and a ResourceQuota.",
            enforcementLevel: "mandatory",
            validateStack: (args, reportViolation) => report(groupNamespacesGuarded(args.resources.map(knownResource)), reportViolation),
        },
    ],
});
