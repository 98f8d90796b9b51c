import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { requireDnsLabel, requireDnsName, standardLabels } from "../common";

/** Where to publish certificate material in Kubernetes. */
export interface PublishArgs {
    /** Namespace of the object. Required. */
    namespace: string;
    /** Name of the object. Required. */
    name: string;
    /** Extra labels. Default none. */
    labels?: Record<string, string>;
}

/** Checks publish args, naming the argument on bad input. */
export function checkPublishArgs(args: PublishArgs, argument: string): void {
    requireDnsLabel(args.namespace, `${argument}.namespace`);
    requireDnsName(args.name, `${argument}.name`);
}

/** A `kubernetes.io/tls` Secret holding a key pair and the issuing chain as `ca.crt`. */
export function tlsSecret(
    resourceName: string,
    args: PublishArgs & { certPem: pulumi.Input<string>; keyPem: pulumi.Input<string>; caPem: pulumi.Input<string> },
    opts: pulumi.CustomResourceOptions,
): k8s.core.v1.Secret {
    checkPublishArgs(args, resourceName);
    return new k8s.core.v1.Secret(
        resourceName,
        {
            metadata: {
                name: args.name,
                namespace: args.namespace,
                labels: { ...standardLabels({ name: "hepaf-pki", instance: resourceName, component: "tls" }), ...args.labels },
            },
            type: "kubernetes.io/tls",
            stringData: pulumi.secret({ "tls.crt": args.certPem, "tls.key": args.keyPem, "ca.crt": args.caPem }),
        },
        opts,
    );
}

/** A ConfigMap of public certificates only (`ca.crt`), for pods that must trust a CA. */
export function trustBundle(
    resourceName: string,
    args: PublishArgs & { pem: pulumi.Input<string> },
    opts: pulumi.CustomResourceOptions,
): k8s.core.v1.ConfigMap {
    checkPublishArgs(args, resourceName);
    return new k8s.core.v1.ConfigMap(
        resourceName,
        {
            metadata: {
                name: args.name,
                namespace: args.namespace,
                labels: { ...standardLabels({ name: "hepaf-pki", instance: resourceName, component: "trust-bundle" }), ...args.labels },
            },
            data: { "ca.crt": args.pem },
        },
        opts,
    );
}
