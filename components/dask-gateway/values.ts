import { GATEWAY_API_PORT, GATEWAY_API_SERVICE } from "../common";
import { ClusterArgs } from "./types";
import { GatewayPlan } from "./validate";

/**
 * The values file `dask_gateway_config.py` reads: plain data rendered from typed args by a pure
 * function and serialized as JSON. It holds no secret (the hub token comes from the environment).
 */
export interface GatewayValues {
    /** `gateway.dask.org/instance` shared by the API server, controller and every cluster object. */
    gatewayInstance: string;
    /** Namespace clusters run in. */
    namespace: string;
    /** Where the API server listens, and where schedulers reach it. */
    api: { address: string; url: string };
    /** Labels the API server and the controller put on every object they create. */
    commonLabels: Record<string, string>;
    auth: { jupyterhubApiUrl: string; serviceName: string; requireGroup: string | null };
    cluster: {
        image: string;
        imagePullPolicy: string | null;
        /** How the scheduler and worker pods start Dask. */
        schedulerCommand: string[];
        workerCommand: string[];
        scheduler: { cores: number; coresLimit: number; memory: number; memoryLimit: number };
        worker: { cores: number; coresLimit: number; memory: number; memoryLimit: number };
        environment: Record<string, string>;
        workerExtraPodConfig: Record<string, unknown>;
        schedulerExtraPodConfig: Record<string, unknown>;
        /** Seconds; 0 never. */
        idleTimeout: number;
        maxCores: number | null;
        /** Bytes. */
        maxMemory: number | null;
        maxWorkers: number | null;
    };
    /** Options offered to users; null when none. Memory in GiB as users see it. */
    options: {
        workerCores: { min: number; max: number; default: number } | null;
        workerMemoryGiB: { min: number; max: number; default: number } | null;
        image: { choices: string[]; default: string } | null;
    } | null;
    controller: {
        address: string;
        proxyPrefix: string;
        webEntrypoint: string;
        tcpEntrypoint: string;
        webMiddlewares: { name: string; namespace: string }[];
    };
}

const GiB = 1024 ** 3;

/**
 * How cluster pods start Dask: `dask scheduler` / `dask worker` (distributed's CLI since
 * 2022.10). dask-gateway's defaults, the old `dask-scheduler` / `dask-worker` scripts, are no
 * longer installed by current distributed (2026.8 has only `dask`), so a cluster image with it
 * could not start its scheduler.
 */
export const DASK_SCHEDULER_COMMAND = ["dask", "scheduler"] as const;
/** See {@link DASK_SCHEDULER_COMMAND}. */
export const DASK_WORKER_COMMAND = ["dask", "worker"] as const;

/** Name of the Middleware that strips the dashboard prefix before a scheduler's dashboard. */
export const CLUSTERS_PREFIX_MIDDLEWARE = "dask-gateway-clusters-prefix";

/** Inputs of the renderer besides the plan: values known only at deploy time, and the Traefik facts. */
export interface RenderInputs {
    /** The hub's API URL. */
    hubApiUrl: string;
    /** Traefik entrypoint names (`websecure`, `dask`). */
    entrypoints: { websecure: string; dask: string };
    /** Labels the facility Traefik selects routes by. */
    routeLabels: Record<string, string>;
    /** Cluster settings passed through (environment, extra pod config, pull policy). */
    cluster?: ClusterArgs;
}

/** Renders the values of one gateway. Pure: same plan and inputs, same values. */
export function renderGatewayValues(plan: GatewayPlan, inputs: RenderInputs): GatewayValues {
    const size = (s: GatewayPlan["worker"]) => ({
        cores: s.cores,
        coresLimit: s.coresLimit,
        memory: Math.round(s.memoryGiB * GiB),
        memoryLimit: Math.round(s.memoryLimitGiB * GiB),
    });
    const range = (r: { min: number; max: number; default?: number } | undefined) =>
        r === undefined ? null : { min: r.min, max: r.max, default: r.default ?? r.min };
    const o = plan.options;
    const anyOption = o.workerCores !== undefined || o.workerMemoryGiB !== undefined || o.images !== undefined;
    return {
        gatewayInstance: plan.instance,
        namespace: plan.namespace,
        api: {
            address: `:${GATEWAY_API_PORT}`,
            url: `http://${GATEWAY_API_SERVICE}.${plan.namespace}.svc.cluster.local:${GATEWAY_API_PORT}/api`,
        },
        commonLabels: {
            "app.kubernetes.io/name": "dask-gateway",
            "app.kubernetes.io/version": plan.version.replace(/\+/g, "_"),
            "app.kubernetes.io/part-of": "hepaf",
            "hepaf.io/facility": plan.facility,
            "hepaf.io/group": plan.group,
            ...inputs.routeLabels,
        },
        auth: { jupyterhubApiUrl: inputs.hubApiUrl, serviceName: plan.serviceName, requireGroup: plan.hubGroup ?? null },
        cluster: {
            image: plan.clusterImage,
            imagePullPolicy: inputs.cluster?.imagePullPolicy ?? null,
            schedulerCommand: [...DASK_SCHEDULER_COMMAND],
            workerCommand: [...DASK_WORKER_COMMAND],
            scheduler: size(plan.scheduler),
            worker: size(plan.worker),
            environment: { ...inputs.cluster?.environment },
            workerExtraPodConfig: { ...inputs.cluster?.workerExtraPodConfig },
            schedulerExtraPodConfig: { ...inputs.cluster?.schedulerExtraPodConfig },
            idleTimeout: plan.limits.idleTimeoutMinutes * 60,
            maxCores: plan.limits.maxCores ?? null,
            maxMemory: plan.limits.maxMemoryGiB === undefined ? null : Math.round(plan.limits.maxMemoryGiB * GiB),
            maxWorkers: plan.limits.maxWorkers ?? null,
        },
        options: anyOption
            ? {
                  workerCores: range(o.workerCores),
                  workerMemoryGiB: range(o.workerMemoryGiB),
                  image: o.images
                      ? { choices: [...o.images.choices], default: o.images.default ?? (o.images.choices.includes(plan.clusterImage) ? plan.clusterImage : o.images.choices[0]) }
                      : null,
              }
            : null,
        controller: {
            address: ":8000",
            proxyPrefix: plan.dashboardPrefix,
            webEntrypoint: inputs.entrypoints.websecure,
            tcpEntrypoint: inputs.entrypoints.dask,
            webMiddlewares: [...plan.dashboardMiddlewares, CLUSTERS_PREFIX_MIDDLEWARE].map((name) => ({ name, namespace: plan.namespace })),
        },
    };
}

/** Serializes values for the ConfigMap (stable key order as rendered, two-space JSON). */
export function serializeGatewayValues(values: GatewayValues): string {
    return `${JSON.stringify(values, null, 2)}\n`;
}
