/** The labels every object of the project carries (see the design's conventions). */

/** What an object is: the recommended `app.kubernetes.io` labels plus facility and group. */
export interface LabelArgs {
    /** The application, e.g. `traefik`, `jupyterhub`. */
    name: string;
    /** The component instance (the Pulumi resource name of the component). */
    instance: string;
    /** The part of the application, e.g. `proxy`, `hub`, `crd`. */
    component: string;
    /** The facility the object belongs to; omitted when the component is used alone. */
    facility?: string;
    /** The group the object serves, for per-group objects. */
    group?: string;
}

/** Label key for the facility an object belongs to. */
export const FACILITY_LABEL = "hepaf.io/facility";
/** Label key for the group an object serves. */
export const GROUP_LABEL = "hepaf.io/group";

/** Labels of pods in the hub's namespace that may call the hub's API (hub services running beside it, such as the Dask access service). */
export const HUB_API_CLIENT_LABELS = { "hepaf.io/hub-api-client": "true" } as const;

/** Builds the full label set for an object. */
export function standardLabels(args: LabelArgs): Record<string, string> {
    const labels: Record<string, string> = {
        "app.kubernetes.io/name": args.name,
        "app.kubernetes.io/instance": args.instance,
        "app.kubernetes.io/component": args.component,
        "app.kubernetes.io/part-of": "hepaf",
        "app.kubernetes.io/managed-by": "pulumi",
    };
    if (args.facility !== undefined) {
        labels[FACILITY_LABEL] = args.facility;
    }
    if (args.group !== undefined) {
        labels[GROUP_LABEL] = args.group;
    }
    return labels;
}

/** The subset of labels that selects the pods of one component instance (stable across upgrades). */
export function selectorLabels(args: LabelArgs): Record<string, string> {
    return {
        "app.kubernetes.io/name": args.name,
        "app.kubernetes.io/instance": args.instance,
        "app.kubernetes.io/component": args.component,
    };
}
