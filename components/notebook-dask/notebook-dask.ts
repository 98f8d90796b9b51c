import * as fs from "fs";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { shippedFile, standardLabels } from "../common";
import { NotebookDaskArgs } from "./args";
import { NotebookDaskSettings, planNotebookDask } from "./plan";
import { NOTEBOOK_CONFIG_MAP, NOTEBOOK_FILES } from "./pod";

/** The module's source (a real .py file shipped next to this one). */
export function notebookModuleSource(): string {
    return fs.readFileSync(shippedFile("notebook-dask", NOTEBOOK_FILES.module), "utf8");
}

/** The settings file's text. */
export function settingsFileText(settings: NotebookDaskSettings): string {
    return JSON.stringify(settings, null, 2) + "\n";
}

/**
 * One group's session Dask defaults: a ConfigMap in the group namespace with `hepaf_dask.py`
 * (the notebook-side module: dask-labextension's factory, the one-line `hepaf_dask.cluster()`,
 * the dedicated worker, adaptive defaults and clipping) and its settings `hepaf_dask.json`.
 * The hub mounts it on the group's notebook pods (`notebookDaskPodParts`).
 */
export class NotebookDask extends pulumi.ComponentResource {
    /** The rendered settings. */
    readonly settings: NotebookDaskSettings;
    /** The ConfigMap. */
    readonly configMap: k8s.core.v1.ConfigMap;

    constructor(name: string, args: NotebookDaskArgs, opts?: pulumi.ComponentResourceOptions) {
        const settings = planNotebookDask(args, name);
        super("hepaf:notebook:NotebookDask", name, {}, opts);
        this.settings = settings;
        const labels = standardLabels({ name: "hepaf-notebook-dask", instance: args.facility, component: "notebook", facility: args.facility, group: args.group });
        this.configMap = new k8s.core.v1.ConfigMap(
            `${name}-config`,
            {
                metadata: { name: NOTEBOOK_CONFIG_MAP, namespace: args.namespace, labels },
                data: { [NOTEBOOK_FILES.module]: notebookModuleSource(), [NOTEBOOK_FILES.settings]: settingsFileText(settings) },
            },
            { parent: this },
        );
        this.registerOutputs({ settings });
    }
}
