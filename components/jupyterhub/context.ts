import * as pulumi from "@pulumi/pulumi";
import { selectorLabels, standardLabels } from "../common";
import { HubPlan } from "./validate";

/** What every declaring function of the component shares. */
export interface HubContext {
    plan: HubPlan;
    /** Options for objects in the hub namespace. */
    inNs: pulumi.CustomResourceOptions & { dependsOn: pulumi.Resource[] };
    /** Options for objects in a group namespace. */
    inGroupNs: (group: string) => pulumi.CustomResourceOptions & { dependsOn: pulumi.Resource[] };
    /** Full labels of an object. */
    labels: (component: string, group?: string) => Record<string, string>;
    /** Selector labels of a component's pods. */
    selector: (component: string) => Record<string, string>;
}

/** Builds the label helpers of a component instance. */
export function labelHelpers(plan: HubPlan): Pick<HubContext, "labels" | "selector"> {
    return {
        labels: (component, group) => standardLabels({ name: "jupyterhub", instance: plan.name, component, facility: plan.facility, group }),
        selector: (component) => selectorLabels({ name: "jupyterhub", instance: plan.name, component }),
    };
}

/** Labels KubeSpawner puts on user server pods (its `component_label`). */
export const SINGLEUSER_SELECTOR = { component: "singleuser-server" };
