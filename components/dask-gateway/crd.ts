import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { standardLabels } from "../common";
import { declareGatewayRoles, GatewayRoles } from "./roles";

/** Name of the DaskCluster CRD. */
export const DASK_CLUSTER_CRD_NAME = "daskclusters.gateway.dask.org";

const openObject = { type: "object", "x-kubernetes-preserve-unknown-fields": true };

/**
 * The DaskCluster CRD with a real schema. Upstream ships it schemaless; the fields typed here
 * are the ones dask-gateway-server 2026.3 writes: spec (username, options, config, replicas,
 * active; written by the API server) and status (phase, credentials, schedulerPod, service,
 * ingressroute, ingressroutetcp, completionTime; written by the controller through /status).
 */
export function daskClusterCrdDocument(labels: Record<string, string> = {}): any {
    return {
        apiVersion: "apiextensions.k8s.io/v1",
        kind: "CustomResourceDefinition",
        metadata: { name: DASK_CLUSTER_CRD_NAME, labels },
        spec: {
            group: "gateway.dask.org",
            scope: "Namespaced",
            names: { plural: "daskclusters", singular: "daskcluster", kind: "DaskCluster", listKind: "DaskClusterList" },
            versions: [
                {
                    name: "v1alpha1",
                    served: true,
                    storage: true,
                    subresources: { status: {} },
                    additionalPrinterColumns: [
                        { name: "User", type: "string", jsonPath: ".spec.username" },
                        { name: "Workers", type: "integer", jsonPath: ".spec.replicas" },
                        { name: "Phase", type: "string", jsonPath: ".status.phase" },
                        { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
                    ],
                    schema: {
                        openAPIV3Schema: {
                            type: "object",
                            required: ["spec"],
                            properties: {
                                apiVersion: { type: "string" },
                                kind: { type: "string" },
                                metadata: { type: "object" },
                                spec: {
                                    type: "object",
                                    required: ["username", "config"],
                                    "x-kubernetes-preserve-unknown-fields": true,
                                    properties: {
                                        username: { type: "string", minLength: 1 },
                                        options: openObject,
                                        config: openObject,
                                        replicas: { type: "integer", minimum: 0 },
                                        active: { type: "boolean" },
                                    },
                                },
                                status: {
                                    type: "object",
                                    "x-kubernetes-preserve-unknown-fields": true,
                                    properties: {
                                        phase: { type: "string", enum: ["Pending", "Running", "Stopped", "Failed"] },
                                        credentials: { type: "string" },
                                        schedulerPod: { type: "string" },
                                        service: { type: "string" },
                                        ingressroute: { type: "string" },
                                        ingressroutetcp: { type: "string" },
                                        completionTime: { type: "string" },
                                    },
                                },
                            },
                        },
                    },
                },
            ],
        },
    };
}

/** Args of {@link DaskClusterCrd}. */
export interface DaskClusterCrdArgs {
    /** Facility name, for labels. Default none. */
    facility?: string;
}

/** The DaskCluster CRD and the ClusterRoles every gateway binds, declared once per facility (cluster-scoped); every group's gateway uses them. */
export class DaskClusterCrd extends pulumi.ComponentResource {
    /** The CRD resource, for `dependsOn`. */
    readonly crd: k8s.apiextensions.v1.CustomResourceDefinition;
    /** The gateways' ClusterRoles (give them to each gateway as `roles`). */
    readonly gatewayRoles: GatewayRoles;

    constructor(name: string, args: DaskClusterCrdArgs = {}, opts?: pulumi.ComponentResourceOptions) {
        super("hepaf:dask-gateway:DaskClusterCrd", name, {}, opts);
        const doc = daskClusterCrdDocument(standardLabels({ name: "dask-gateway", instance: name, component: "crd", facility: args.facility }));
        this.crd = new k8s.apiextensions.v1.CustomResourceDefinition(`${name}-daskclusters`, { metadata: doc.metadata, spec: doc.spec }, { parent: this });
        const roleLabels = standardLabels({ name: "dask-gateway", instance: name, component: "rbac", facility: args.facility });
        this.gatewayRoles = declareGatewayRoles(`hepaf-${args.facility ?? name}-dask-gateway`, `${name}-gateway-roles`, roleLabels, { parent: this });
        this.registerOutputs({ name: DASK_CLUSTER_CRD_NAME });
    }
}
