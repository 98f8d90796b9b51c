import { PolicyPack, ReportViolation } from "@pulumi/policy";
import { daskRoutesPassthrough, groupNamespacesGuarded, K8sResource, limitsAndNonRoot, onlyTraefikLoadBalancer, secretsInConfigMap } from "./rules";

/** Name of the shared Dask entrypoint (policy config `daskEntrypoint`). Default `dask`. */
interface PackConfig {
    daskEntrypoint?: string;
}

const report = (problems: string[], reportViolation: ReportViolation) => problems.forEach((p) => reportViolation(p));

new PolicyPack("hepaf", {
    policies: [
        {
            name: "no-secret-data-in-configmaps",
            description: "ConfigMaps hold no keys, tokens or passwords.",
            enforcementLevel: "mandatory",
            validateResource: (args, reportViolation) => report(secretsInConfigMap(args as K8sResource), reportViolation),
        },
        {
            name: "workloads-limited-and-non-root",
            description: "Every Deployment container has CPU and memory limits and runs as non-root.",
            enforcementLevel: "mandatory",
            validateResource: (args, reportViolation) => report(limitsAndNonRoot(args as K8sResource), reportViolation),
        },
        {
            name: "dask-routes-passthrough",
            description: "Every IngressRouteTCP on the Dask entrypoint uses TLS passthrough.",
            enforcementLevel: "mandatory",
            configSchema: { properties: { daskEntrypoint: { type: "string", default: "dask" } } },
            validateResource: (args, reportViolation) =>
                report(daskRoutesPassthrough(args as K8sResource, args.getConfig<PackConfig>().daskEntrypoint ?? "dask"), reportViolation),
        },
        {
            name: "only-traefik-is-a-load-balancer",
            description: "Only Traefik's Service is of type LoadBalancer.",
            enforcementLevel: "mandatory",
            validateResource: (args, reportViolation) => report(onlyTraefikLoadBalancer(args as K8sResource), reportViolation),
        },
        {
            name: "group-namespaces-guarded",
            description: "No group namespace without a NetworkPolicy and a ResourceQuota.",
            enforcementLevel: "mandatory",
            validateStack: (args, reportViolation) => report(groupNamespacesGuarded(args.resources as K8sResource[]), reportViolation),
        },
    ],
});
