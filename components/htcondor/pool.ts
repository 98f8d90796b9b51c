import * as fs from "fs";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { check, shippedFile, standardLabels } from "../common";
import { HTCondorPoolArgs } from "./args";
import { HTCondorClientConfig, podParts } from "./client";
import { renderDaskTlsYaml, renderJobqueueYaml } from "./dask-config";
import { declareInCluster } from "./in-cluster";
import { BATCH_WORKER_MODULE, CLIENT_CONFIG_KEYS } from "./paths";
import { PoolGroupPlan, planPool, PoolPlan } from "./plan";
import { mintedToken, remoteToken, stableIssuedAt } from "./token-resources";
import { SUBMIT_SCOPES } from "./tokens";

/** The batch-worker launcher's source (a real .py file shipped next to this module). */
export function batchWorkerSource(): string {
    return fs.readFileSync(shippedFile("htcondor", `${BATCH_WORKER_MODULE}.py`), "utf8");
}

/**
 * An HTCondor pool the facility's sessions submit Dask workers to: an `external` pool (only
 * client config and tokens are declared) or an `in-cluster` one (central manager, access
 * point and execute nodes too). Per group it declares, in the group namespace, a ConfigMap
 * (condor_config, jobqueue.yaml, Dask TLS config, the batch-worker launcher; never a token)
 * and a Secret with the group's IDTOKEN.
 */
export class HTCondorPool extends pulumi.ComponentResource {
    /** The resource type this component registers (its URN's type; the package schema's token). */
    static readonly __pulumiType = "hepaf:htcondor:HTCondorPool";
    /** `external` or `in-cluster`. */
    readonly mode: PoolPlan["mode"];
    /** Collector address (CONDOR_HOST). */
    readonly collector: string;
    /** Name of the access point's schedd (SCHEDD_HOST, `-name`). */
    readonly scheddName: string;
    /** The pool's trust domain. */
    readonly trustDomain: string;
    /** Group token Secrets, by group (none when the tokens are the site's or made in the cluster). */
    readonly tokenSecrets: Record<string, k8s.core.v1.Secret>;
    /** Group client ConfigMaps, by group. */
    readonly configMaps: Record<string, k8s.core.v1.ConfigMap>;

    private readonly resourceName: string;
    private readonly groupPlans: Map<string, PoolGroupPlan>;

    constructor(name: string, args: HTCondorPoolArgs, opts?: pulumi.ComponentResourceOptions) {
        const plan = planPool(name, args);
        super(HTCondorPool.__pulumiType, name, {}, opts);
        this.resourceName = name;
        this.mode = plan.mode;
        this.collector = plan.collector;
        this.scheddName = plan.scheddName;
        this.trustDomain = plan.trustDomain;
        this.groupPlans = new Map(plan.groups.map((g) => [g.name, g]));
        const child = { parent: this };

        let signingKey: pulumi.Output<string> | undefined;
        let issuedAt: pulumi.Output<number | undefined> | undefined;
        if (plan.inCluster) {
            const parts = declareInCluster(name, plan, plan.inCluster, args.mode === "in-cluster" ? args.issuedAt : undefined, this);
            signingKey = parts.signingKey;
            issuedAt = parts.issuedAt;
        } else if (plan.tokens.source === "mint") {
            signingKey = pulumi.secret(pulumi.output(plan.tokens.signingKey as pulumi.Input<string>));
            issuedAt = stableIssuedAt(`${name}-issued-at`, plan.tokens.issuedAt, this);
        }

        this.tokenSecrets = {};
        this.configMaps = {};
        // Tokens the program does not hold: the site's own Secrets, or the hub's keeper's.
        const tokensElsewhere = plan.tokens.source === "site" || plan.inCluster?.secretsMadeBy === "cluster";
        for (const g of plan.groups) {
            const labels = standardLabels({ name: "htcondor", instance: name, component: "client", facility: args.facility, group: g.name });
            this.configMaps[g.name] = new k8s.core.v1.ConfigMap(
                `${name}-${g.name}-client`,
                {
                    metadata: { name: g.configMapName, namespace: g.namespace, labels },
                    data: {
                        [CLIENT_CONFIG_KEYS.condor]: g.condorConfig,
                        [CLIENT_CONFIG_KEYS.jobqueue]: renderJobqueueYaml(g.jobqueue),
                        [CLIENT_CONFIG_KEYS.tls]: renderDaskTlsYaml(),
                        [CLIENT_CONFIG_KEYS.batchWorker]: batchWorkerSource(),
                    },
                },
                child,
            );
            if (tokensElsewhere) continue;
            const req = { resourceName: `${name}-${g.name}-token`, identity: g.identity, scopes: SUBMIT_SCOPES };
            let token: pulumi.Output<string>;
            if (plan.tokens.source === "mint") {
                token = mintedToken(req, signingKey!, plan.tokens.keyId, plan.trustDomain, issuedAt!, plan.tokens.lifetimeDays, this);
            } else if (plan.tokens.source === "remote") {
                token = remoteToken(req, plan.tokens, this);
            } else {
                token = pulumi.secret(pulumi.output(g.token as pulumi.Input<string>));
            }
            this.tokenSecrets[g.name] = new k8s.core.v1.Secret(
                `${name}-${g.name}-token`,
                { metadata: { name: g.tokenSecretName, namespace: g.namespace, labels }, type: "Opaque", stringData: { [name]: token } },
                child,
            );
        }
        this.registerOutputs({ collector: this.collector, scheddName: this.scheddName, trustDomain: this.trustDomain });
    }

    /** What the group's user pods need: ConfigMap, token Secret, pod parts and jobqueue settings. */
    clientConfigFor(group: string): HTCondorClientConfig {
        const g = this.groupPlans.get(group);
        check(g !== undefined, "group", `pool "${this.resourceName}" has no group "${group}"; groups: ${[...this.groupPlans.keys()].join(", ")}`);
        return {
            pool: this.resourceName,
            namespace: g.namespace,
            configMapName: g.configMapName,
            tokenSecretName: g.tokenSecretName,
            ...podParts(g.configMapName, g.tokenSecretName, undefined, g.tokenInitImage),
            jobqueue: g.jobqueue,
        };
    }
}
