import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { check, requireDnsLabel, requireDnsName, requireUnique, standardLabels } from "../common";
import { hostSniRegexpRule, hostSniRule, requireSniHost, requireSniRegexp } from "./rules";

/** The Service a route sends connections to. */
export interface RouteBackend {
    /** Service name (in the route's namespace). Required. */
    name: pulumi.Input<string>;
    /** Service port. Required. */
    port: pulumi.Input<number>;
}

/** A TLS-passthrough route chosen by SNI on a TCP entrypoint. */
export interface SniRouteArgs {
    /** Namespace of the route and its Service. Required. */
    namespace: string;
    /** SNI host to match (`HostSNI`); give this, `hosts` or `hostRegexp`. */
    host?: string;
    /** Several SNI hosts to match, one HostSNI each. Default none. */
    hosts?: string[];
    /**
     * SNI pattern to match (`HostSNIRegexp`), in Go's RE2 syntax; it must match the whole name
     * (it is anchored). Traefik orders routers by the length of their rule, so a pattern that
     * also covers another route's exact name (e.g. a session's `<user>.dask.<domain>`) takes
     * that name's connections. Default none.
     */
    hostRegexp?: string;
    /** Where matched connections go. Required. */
    service: RouteBackend;
    /** TCP entrypoint name, e.g. `traefik.entrypoints.dask`. Required. */
    entrypoint: string;
    /** Labels the watching Traefik selects on (`traefik.routeLabels`). Default none. */
    labels?: Record<string, string>;
    /** Name of the IngressRouteTCP object. Default: the resource name. */
    objectName?: string;
}

/** The match rules of a route, validated; exported for tests and for callers that check hosts. */
export function sniMatches(args: SniRouteArgs, argument: string): { hosts: string[]; rule: string } {
    const hosts = [...(args.host !== undefined ? [args.host] : []), ...(args.hosts ?? [])];
    check(
        hosts.length > 0 || args.hostRegexp !== undefined,
        argument,
        "give host, hosts or hostRegexp: the SNI names this route matches",
    );
    hosts.forEach((h, i) => requireSniHost(h, args.host !== undefined && i === 0 ? `${argument}.host` : `${argument}.hosts[${i}]`));
    requireUnique(hosts, `${argument}.hosts`, "SNI host");
    const rules = hosts.map(hostSniRule);
    if (args.hostRegexp !== undefined) {
        requireSniRegexp(args.hostRegexp, `${argument}.hostRegexp`);
        rules.push(hostSniRegexpRule(args.hostRegexp));
    }
    return { hosts, rule: rules.join(" || ") };
}

/** An IngressRouteTCP (`traefik.io/v1alpha1`) with TLS passthrough: the connection stays encrypted to the backend. */
export class SniRoute extends pulumi.ComponentResource {
    /** The Traefik rule string, e.g. ``HostSNI(`a.dask.example.org`)``. */
    readonly rule: string;
    /** The SNI hosts matched. */
    readonly hosts: string[];
    /** The IngressRouteTCP object. */
    readonly route: k8s.apiextensions.CustomResource;

    constructor(name: string, args: SniRouteArgs, opts?: pulumi.ComponentResourceOptions) {
        requireDnsLabel(args.namespace, `${name}.namespace`);
        requireDnsLabel(args.entrypoint, `${name}.entrypoint`);
        requireDnsName(args.objectName ?? name, `${name}.objectName`);
        const { hosts, rule } = sniMatches(args, name);
        super("hepaf:traefik:SniRoute", name, {}, opts);
        this.rule = rule;
        this.hosts = hosts;
        this.route = new k8s.apiextensions.CustomResource(
            `${name}-route`,
            {
                apiVersion: "traefik.io/v1alpha1",
                kind: "IngressRouteTCP",
                metadata: {
                    name: args.objectName ?? name,
                    namespace: args.namespace,
                    labels: { ...standardLabels({ name: "traefik", instance: name, component: "sni-route" }), ...args.labels },
                },
                spec: {
                    entryPoints: [args.entrypoint],
                    routes: [{ match: rule, services: [{ name: args.service.name, port: args.service.port }] }],
                    tls: { passthrough: true },
                },
            },
            { parent: this },
        );
        this.registerOutputs({ rule: this.rule });
    }
}
