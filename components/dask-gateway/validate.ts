import { checkScraper } from "../common/metrics";
import { check, facilityNamespace, gatewayServiceName, groupNamespace, requireDnsLabel, requirePort, requirePositiveInteger, requireUnique } from "../common";
import { DaskGatewayArgs, GatewayOptions, ProcessSize, RangeOption } from "./types";
import { builtImage, requireImageReference } from "../images";
import { DASK_GATEWAY_VERSION, daskGatewayImage } from "./version";

/** A process size with every default filled in. */
export interface ResolvedSize {
    cores: number;
    coresLimit: number;
    memoryGiB: number;
    memoryLimitGiB: number;
}

/** Everything decided from a gateway's args, validated, before any resource exists. */
export interface GatewayPlan {
    facility: string;
    group: string;
    namespace: string;
    hubNamespace: string;
    hubGroup: string | undefined;
    serviceName: string;
    /** `gateway.dask.org/instance` of this gateway's objects. */
    instance: string;
    /** Path under the domain where the API is served: `/services/<serviceName>`. */
    prefix: string;
    /** Path under the domain where cluster dashboards are served (`<dashboardPrefix>/clusters/<ns>.<cluster>/`). */
    dashboardPrefix: string;
    /** Middlewares (names in the group namespace) in front of every dashboard, before the prefix is stripped. */
    dashboardMiddlewares: string[];
    version: string;
    image: string;
    clusterImage: string;
    scheduler: ResolvedSize;
    worker: ResolvedSize;
    /** The largest worker a user can choose (options included). */
    largestWorker: { cores: number; memoryGiB: number };
    limits: { maxWorkers?: number; maxCores?: number; maxMemoryGiB?: number; idleTimeoutMinutes: number };
    options: GatewayOptions;
    /** The namespace's LimitRange for containers: defaults and the largest container admitted. */
    limitRange: { defaultCpu: number; defaultMemoryGiB: number; maxCpu: number; maxMemoryGiB: number };
    createNamespace: boolean;
}

function positive(value: number | undefined, argument: string): void {
    check(value === undefined || (typeof value === "number" && Number.isFinite(value) && value > 0), argument, `${value} must be a number > 0`);
}

function resolveSize(size: ProcessSize | undefined, defaults: { cores: number; memoryGiB: number }, argument: string): ResolvedSize {
    const s = size ?? {};
    positive(s.cores, `${argument}.cores`);
    positive(s.memoryGiB, `${argument}.memoryGiB`);
    positive(s.coresLimit, `${argument}.coresLimit`);
    positive(s.memoryLimitGiB, `${argument}.memoryLimitGiB`);
    const cores = s.cores ?? defaults.cores;
    const memoryGiB = s.memoryGiB ?? defaults.memoryGiB;
    const coresLimit = s.coresLimit ?? cores;
    const memoryLimitGiB = s.memoryLimitGiB ?? memoryGiB;
    check(coresLimit >= cores, `${argument}.coresLimit`, `${coresLimit} is below the request of ${cores} cores`);
    check(memoryLimitGiB >= memoryGiB, `${argument}.memoryLimitGiB`, `${memoryLimitGiB} is below the request of ${memoryGiB} GiB`);
    return { cores, coresLimit, memoryGiB, memoryLimitGiB };
}

function checkRange(range: RangeOption | undefined, argument: string, integer: boolean): void {
    if (range === undefined) {
        return;
    }
    positive(range.min, `${argument}.min`);
    positive(range.max, `${argument}.max`);
    if (integer) {
        requirePositiveInteger(range.min, `${argument}.min`);
        requirePositiveInteger(range.max, `${argument}.max`);
    }
    check(range.max >= range.min, `${argument}.max`, `${range.max} is below min ${range.min}`);
    const d = range.default ?? range.min;
    check(d >= range.min && d <= range.max && (!integer || Number.isInteger(d)), `${argument}.default`, `${d} is not ${integer ? "an integer " : ""}within [${range.min}, ${range.max}]`);
}

/** Validates one gateway's args; `name` is the component name used in messages. */
export function planGateway(name: string, args: DaskGatewayArgs): GatewayPlan {
    requireDnsLabel(args.facility, `${name}.facility`);
    requireDnsLabel(args.group, `${name}.group`);
    checkScraper(args.scraper, `${name}.scraper`);
    const namespace = groupNamespace(args.facility, args.group);
    const hubNamespace = args.hubNamespace ?? facilityNamespace(args.facility);
    requireDnsLabel(hubNamespace, `${name}.hubNamespace`);
    const serviceName = gatewayServiceName(args.group);
    check(
        args.hub?.serviceName === serviceName,
        `${name}.hub.serviceName`,
        `"${args.hub?.serviceName}" must be "${serviceName}", the hub service name of group "${args.group}"`,
    );
    check(args.hubGroup === undefined || args.hubGroup === false || (typeof args.hubGroup === "string" && args.hubGroup.length > 0), `${name}.hubGroup`, `must be a non-empty group name or false`);
    const hubGroup = args.hubGroup === false ? undefined : args.hubGroup ?? args.group;
    requireDnsLabel(args.traefik?.namespace, `${name}.traefik.namespace`);
    for (const key of ["websecure", "dask"] as const) {
        requireDnsLabel(args.traefik.entrypoints?.[key], `${name}.traefik.entrypoints.${key}`);
    }
    requirePort(args.traefik.daskPort, `${name}.traefik.daskPort`);

    const version = args.version ?? DASK_GATEWAY_VERSION;
    check(/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(version), `${name}.version`, `"${version}" is not a valid image tag`);
    if (args.image !== undefined) requireImageReference(args.image, `${name}.image`);
    const cluster = args.cluster ?? {};
    if (cluster.image !== undefined) requireImageReference(cluster.image, `${name}.cluster.image`);
    const scheduler = resolveSize(cluster.scheduler, { cores: 1, memoryGiB: 2 }, `${name}.cluster.scheduler`);
    const worker = resolveSize(cluster.worker, { cores: 1, memoryGiB: 4 }, `${name}.cluster.worker`);
    for (const [key, value] of Object.entries(cluster.environment ?? {})) {
        check(/^[A-Za-z_][A-Za-z0-9_]*$/.test(key), `${name}.cluster.environment.${key}`, `"${key}" is not a valid environment variable name`);
        check(typeof value === "string", `${name}.cluster.environment.${key}`, `must be a string`);
    }

    const options = args.options ?? {};
    checkRange(options.workerCores, `${name}.options.workerCores`, true);
    checkRange(options.workerMemoryGiB, `${name}.options.workerMemoryGiB`, false);
    if (options.images !== undefined) {
        const choices = options.images.choices ?? [];
        check(choices.length > 0, `${name}.options.images.choices`, `is empty; offer at least one image or leave options.images out`);
        choices.forEach((c, i) => requireImageReference(c, `${name}.options.images.choices[${i}]`));
        requireUnique(choices, `${name}.options.images.choices`, "image");
        check(
            options.images.default === undefined || choices.includes(options.images.default),
            `${name}.options.images.default`,
            `"${options.images.default}" is not one of the choices`,
        );
    }
    // Options set a worker's limit equal to its request.
    const largestWorker = {
        cores: Math.max(worker.coresLimit, options.workerCores?.max ?? 0),
        memoryGiB: Math.max(worker.memoryLimitGiB, options.workerMemoryGiB?.max ?? 0),
    };
    // What dask-gateway counts against cluster limits: the requests of the scheduler and the workers.
    const smallestCluster = {
        cores: scheduler.cores + Math.max(worker.cores, options.workerCores?.max ?? 0),
        memoryGiB: scheduler.memoryGiB + Math.max(worker.memoryGiB, options.workerMemoryGiB?.max ?? 0),
    };

    const limits = args.limits ?? {};
    if (limits.maxWorkers !== undefined) {
        requirePositiveInteger(limits.maxWorkers, `${name}.limits.maxWorkers`);
    }
    positive(limits.maxCores, `${name}.limits.maxCores`);
    positive(limits.maxMemoryGiB, `${name}.limits.maxMemoryGiB`);
    check(
        limits.maxCores === undefined || limits.maxCores >= smallestCluster.cores,
        `${name}.limits.maxCores`,
        `${limits.maxCores} is below the scheduler plus a single worker of the largest size (${smallestCluster.cores} cores)`,
    );
    check(
        limits.maxMemoryGiB === undefined || limits.maxMemoryGiB >= smallestCluster.memoryGiB,
        `${name}.limits.maxMemoryGiB`,
        `${limits.maxMemoryGiB} is below the scheduler plus a single worker of the largest size (${smallestCluster.memoryGiB} GiB)`,
    );
    const idleTimeoutMinutes = limits.idleTimeoutMinutes ?? 60;
    check(Number.isFinite(idleTimeoutMinutes) && idleTimeoutMinutes >= 0, `${name}.limits.idleTimeoutMinutes`, `${idleTimeoutMinutes} must be a number >= 0`);

    const quota = args.quota ?? {};
    positive(quota.cpu, `${name}.quota.cpu`);
    positive(quota.memoryGiB, `${name}.quota.memoryGiB`);
    if (quota.pods !== undefined) {
        requirePositiveInteger(quota.pods, `${name}.quota.pods`);
    }
    const oneCluster = { cores: scheduler.coresLimit + largestWorker.cores, memoryGiB: scheduler.memoryLimitGiB + largestWorker.memoryGiB };
    check(
        quota.cpu === undefined || quota.cpu >= oneCluster.cores,
        `${name}.quota.cpu`,
        `${quota.cpu} is below one scheduler and a single worker (${oneCluster.cores} cores)`,
    );
    check(
        quota.memoryGiB === undefined || quota.memoryGiB >= oneCluster.memoryGiB,
        `${name}.quota.memoryGiB`,
        `${quota.memoryGiB} is below one scheduler and a single worker (${oneCluster.memoryGiB} GiB)`,
    );
    const lr = args.limitRange ?? {};
    positive(lr.defaultCpu, `${name}.limitRange.defaultCpu`);
    positive(lr.defaultMemoryGiB, `${name}.limitRange.defaultMemoryGiB`);
    positive(lr.maxCpu, `${name}.limitRange.maxCpu`);
    positive(lr.maxMemoryGiB, `${name}.limitRange.maxMemoryGiB`);
    const biggest = { cores: Math.max(scheduler.coresLimit, largestWorker.cores), memoryGiB: Math.max(scheduler.memoryLimitGiB, largestWorker.memoryGiB) };
    check(lr.maxCpu === undefined || lr.maxCpu >= biggest.cores, `${name}.limitRange.maxCpu`, `${lr.maxCpu} is below a single worker's or scheduler's size (${biggest.cores} cores)`);
    check(
        lr.maxMemoryGiB === undefined || lr.maxMemoryGiB >= biggest.memoryGiB,
        `${name}.limitRange.maxMemoryGiB`,
        `${lr.maxMemoryGiB} is below a single worker's or scheduler's size (${biggest.memoryGiB} GiB)`,
    );
    // The LimitRange applies to every container of the namespace: the group's notebooks too.
    const admit = args.admit;
    if (admit) {
        check(lr.maxCpu === undefined || lr.maxCpu >= admit.cpu, `${name}.limitRange.maxCpu`, `${lr.maxCpu} is below ${admit.what} (${admit.cpu} cores)`);
        check(
            lr.maxMemoryGiB === undefined || lr.maxMemoryGiB >= admit.memoryGiB,
            `${name}.limitRange.maxMemoryGiB`,
            `${lr.maxMemoryGiB} is below ${admit.what} (${admit.memoryGiB} GiB)`,
        );
    }
    const limitRange = {
        defaultCpu: lr.defaultCpu ?? 0.5,
        defaultMemoryGiB: lr.defaultMemoryGiB ?? 1,
        maxCpu: lr.maxCpu ?? Math.max(biggest.cores, admit?.cpu ?? 0),
        maxMemoryGiB: lr.maxMemoryGiB ?? Math.max(biggest.memoryGiB, admit?.memoryGiB ?? 0),
    };

    const prefix = `/services/${serviceName}`;
    const dashboards = args.dashboards;
    if (dashboards !== undefined) {
        check(/^(\/[A-Za-z0-9._~-]+)+$/.test(dashboards.pathPrefix), `${name}.dashboards.pathPrefix`, `"${dashboards.pathPrefix}" is not a path prefix such as "/services/dask/gateways/cms" (starts with '/', no trailing '/')`);
        dashboards.middlewares.forEach((m, i) => requireDnsLabel(m, `${name}.dashboards.middlewares[${i}]`));
    }
    return {
        facility: args.facility,
        group: args.group,
        namespace,
        hubNamespace,
        hubGroup,
        serviceName,
        instance: namespace,
        prefix,
        dashboardPrefix: dashboards?.pathPrefix ?? prefix,
        dashboardMiddlewares: [...(dashboards?.middlewares ?? [])],
        version,
        image: args.image ?? daskGatewayImage(version),
        clusterImage: cluster.image ?? options.images?.default ?? options.images?.choices[0] ?? builtImage("worker"),
        scheduler,
        worker,
        largestWorker,
        limits: { maxWorkers: limits.maxWorkers, maxCores: limits.maxCores, maxMemoryGiB: limits.maxMemoryGiB, idleTimeoutMinutes },
        options,
        limitRange,
        createNamespace: args.createNamespace ?? true,
    };
}

/**
 * Validates the gateways of a facility together: each one's args, and no two for one group
 * (or one namespace). `argument` names the list in messages, e.g. `groups`. Returns the plans.
 */
export function validateGateways(list: readonly DaskGatewayArgs[], argument = "gateways"): GatewayPlan[] {
    const plans = list.map((args, i) => planGateway(`${argument}[${i}]`, args));
    list.forEach((args, i) => {
        const earlier = list.slice(0, i).findIndex((o) => o.group === args.group && o.facility === args.facility);
        check(earlier < 0, `${argument}[${i}].group`, `duplicate group "${args.group}" (also ${argument}[${earlier}]); each group has one gateway`);
    });
    requireUnique(plans.map((p) => p.namespace), argument, "gateway namespace");
    return plans;
}
