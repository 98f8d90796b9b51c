import * as pulumi from "@pulumi/pulumi";

/**
 * `opts` with `resources` added to its `dependsOn`. Components name the fixed-named objects a
 * workload uses (its ConfigMap, Secret, ServiceAccount, Role) by the name they gave them and
 * order it after them with this, instead of passing `resource.metadata.name`: an input that
 * comes from another resource's output makes the engine replace the dependent whenever that
 * resource is replaced delete-first (a ConfigMap or Secret whose data changed), while
 * `dependsOn` only orders the operations.
 */
export function withDependsOn(opts: pulumi.CustomResourceOptions & { dependsOn?: pulumi.Resource[] }, ...resources: pulumi.Resource[]): pulumi.CustomResourceOptions {
    return { ...opts, dependsOn: [...(opts.dependsOn ?? []), ...resources] };
}
