import { serviceLabelMeta } from "./scrape-config";
import { ScrapeTarget } from "./targets";

/** API version of the Prometheus Operator's objects. */
export const MONITORING_API_VERSION = "monitoring.coreos.com/v1";

/**
 * The ServiceMonitor spec of one scrape job, for a site's Prometheus Operator: the same
 * Services, port and path as the plain configuration, and the same `job` and `group` labels
 * (the operator adds `namespace`, `pod` and `service` itself). A bearer token is read from a
 * Secret in the ServiceMonitor's own namespace, as the operator requires.
 */
export function serviceMonitorSpec(target: ScrapeTarget, interval: string, facility: string): Record<string, unknown> {
    return {
        ...(target.limits ? { sampleLimit: target.limits.samples, labelLimit: target.limits.labels } : {}),
        namespaceSelector: { matchNames: target.namespaces },
        selector: { matchLabels: target.selector },
        endpoints: [
            {
                port: target.port,
                path: target.path,
                interval,
                ...(target.bearerToken ? { authorization: { type: "Bearer", credentials: { name: target.bearerToken.secretName, key: target.bearerToken.key } } } : {}),
                relabelings: [
                    { targetLabel: "job", replacement: target.job, action: "replace" },
                    { targetLabel: "facility", replacement: facility, action: "replace" },
                    { sourceLabels: [serviceLabelMeta("hepaf.io/group")], targetLabel: "group", action: "replace" },
                ],
            },
        ],
    };
}
