import { stringify } from "yaml";
import { check, requireOneOf, requirePositiveInteger } from "../common";
import { DaskVersions, resolveDaskVersions } from "../images";
import { DEFAULT_WORKER_IMAGE } from "./version";
import { BATCH_WORKER_CONTAINER_PORTS, BATCH_WORKER_DIR, BATCH_WORKER_MODULE, DASHBOARD_PORT, DASK_TLS_DIR, DASK_TLS_FILES, SCHEDULER_PORT } from "./paths";

/**
 * The Dask side of a session: dask-jobqueue's `jobqueue.yaml` for HTCondor and Dask's TLS
 * config, rendered with the `yaml` package from typed data. Per-user values (the contact
 * address `tls://<escaped-user>.dask.<domain>:<port>`) are not in these files: the hub sets
 * them at spawn into the user's `session.yaml` (`DASK_SESSION_DIR`, the pod's `DASK_CONFIG`).
 */

/** What each Dask worker job asks HTCondor for. */
export interface HTCondorWorkerArgs {
    /** Cores per job. Default 1. */
    cores?: number;
    /** Memory per job in MiB. Default 4096. */
    memoryMiB?: number;
    /** Disk per job in MiB. Default 4096. */
    diskMiB?: number;
    /**
     * Where each job runs. `vanilla`: `python` on the batch node, with the node's own software.
     * `container`: HTCondor's container universe, in `image` when given, else the facility's
     * worker image (the facility's resolved `images.worker`, so a site's `images.registry`
     * applies; a pool used on its own takes its `workerImage`, default `builtImage("worker")`),
     * which holds the facility's one Dask. Default `container` when `image` is given, else
     * `vanilla`.
     */
    universe?: WorkerUniverse;
    /**
     * Container image of the worker, as HTCondor's `container_image` takes it (a registry
     * reference, `docker://...`, an Apptainer image file): with one, jobs run in the container
     * universe. Not with `universe: vanilla`. Default: none (with `universe: container`, the
     * facility's worker image; without a universe, the vanilla universe).
     */
    image?: string;
    /** Python on the batch node. Default `python3`. */
    python?: string;
    /** Seconds a worker waits for its scheduler. Default 60. */
    deathTimeoutSeconds?: number;
    /**
     * How the session's scheduler and client reach a container-universe worker (they connect to
     * workers for results and work stealing). `bridge` (Docker-style networking, where the
     * container's own address is not reachable): the job asks HTCondor to map the worker's port
     * to the node (`container_service_names`) and the worker advertises the node's address and
     * the mapped port, read from the job's ad at start. `host`: the container shares the node's
     * network and the worker advertises the node's own address. Container-universe workers only
     * (vanilla jobs always use the node's own address). Default `bridge`.
     */
    network?: WorkerNetwork;
    /**
     * The Dask the worker must have (Python minor and the packages Dask compares): the job's
     * launcher compares it with the worker's Python at start, and a worker with another exits
     * before joining, naming each difference. Default the facility's images' `DASK_VERSIONS`
     * (`components/images`), which its notebooks and schedulers run.
     */
    daskVersions?: DaskVersions;
}

/**
 * The launcher's settings (`HEPAF_BATCH_WORKER` in the job's environment, JSON): how the
 * worker advertises itself (`node`: its own address; `mapped-port`: the node's address and the
 * port HTCondor mapped) and the Dask it must have.
 */
export interface BatchWorkerSettings {
    advertise: "node" | "mapped-port";
    dask: DaskVersions;
}

/** The job environment variable the launcher reads its settings from. */
export const BATCH_WORKER_SETTINGS_ENV = "HEPAF_BATCH_WORKER";

/** HTCondor universes a worker job runs in; see {@link HTCondorWorkerArgs.universe}. */
export const WORKER_UNIVERSES = ["vanilla", "container"] as const;
/** One of {@link WORKER_UNIVERSES}. */
export type WorkerUniverse = (typeof WORKER_UNIVERSES)[number];

/** Networking of container-universe workers; see {@link HTCondorWorkerArgs.network}. */
export const WORKER_NETWORKS = ["bridge", "host"] as const;
/** One of {@link WORKER_NETWORKS}. */
export type WorkerNetwork = (typeof WORKER_NETWORKS)[number];

/** Typed jobqueue settings of one group (what `jobqueue.htcondor` gets). */
export interface JobqueueSettings {
    name: string;
    cores: number;
    memory: string;
    disk: string;
    python: string;
    "death-timeout": number;
    /** Dask worker processes per job: always 1, so a job is a worker and limits count both alike. */
    processes: number;
    /** Module `python -m` starts on the batch node: the launcher, which checks the worker's Dask and then starts `dask worker`. */
    "worker-command": string;
    "worker-extra-args": string[];
    "job-extra-directives": Record<string, string>;
    "submit-command-extra": string[];
    "cancel-command-extra": string[];
    "scheduler-options": { protocol: "tls"; host: string; port: number; dashboard_address: string };
}

/**
 * Resolves worker args into jobqueue settings, naming `argument` on bad input. `workerImage` is
 * the image of container-universe workers that name none (default the catalogue's worker image,
 * {@link DEFAULT_WORKER_IMAGE}).
 */
export function jobqueueSettings(
    worker: HTCondorWorkerArgs,
    opts: { scheddName: string; accountingGroup?: string; workerImage?: string },
    argument: string,
): JobqueueSettings {
    const cores = worker.cores ?? 1;
    const memoryMiB = worker.memoryMiB ?? 4096;
    const diskMiB = worker.diskMiB ?? 4096;
    const deathTimeout = worker.deathTimeoutSeconds ?? 60;
    requirePositiveInteger(cores, `${argument}.cores`);
    requirePositiveInteger(memoryMiB, `${argument}.memoryMiB`);
    requirePositiveInteger(diskMiB, `${argument}.diskMiB`);
    requirePositiveInteger(deathTimeout, `${argument}.deathTimeoutSeconds`);
    const python = worker.python ?? "python3";
    check(/^[A-Za-z0-9_./+-]+$/.test(python), `${argument}.python`, `"${python}" is not a plain executable name or path`);
    if (worker.universe !== undefined) requireOneOf(worker.universe, WORKER_UNIVERSES, `${argument}.universe`);
    const universe: WorkerUniverse = worker.universe ?? (worker.image !== undefined ? "container" : "vanilla");
    if (worker.image !== undefined) {
        check(universe === "container", `${argument}.image`,
            'applies to container-universe workers only: with universe "vanilla" the job runs on the batch node\'s own Python; leave image out, or use universe "container"');
        // HTCondor's container_image, not only a registry reference: also `docker://...` or an
        // Apptainer image file, so the OCI grammar of components/images does not apply here.
        check(/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/.test(worker.image), `${argument}.image`, `"${worker.image}" is not a valid image reference`);
    }
    if (worker.network !== undefined) {
        requireOneOf(worker.network, WORKER_NETWORKS, `${argument}.network`);
        check(universe === "container", `${argument}.network`,
            `applies to container-universe workers only: give the worker universe "container" or an image, or leave network out (vanilla jobs use the node's own address)`);
    }
    const image = universe === "container" ? (worker.image ?? opts.workerImage ?? DEFAULT_WORKER_IMAGE) : undefined;
    const network = image === undefined ? undefined : (worker.network ?? "bridge");
    const tls = (f: string) => `${DASK_TLS_DIR}/${f}`;
    // The worker's TLS files travel with the job; the worker names them relative to its sandbox.
    // Every job starts its worker through the launcher, which travels with it too.
    const inputs = [...[DASK_TLS_FILES.ca, DASK_TLS_FILES.cert, DASK_TLS_FILES.key].map(tls), `${BATCH_WORKER_DIR}/${BATCH_WORKER_MODULE}.py`];
    const launcher: BatchWorkerSettings = {
        advertise: network === "bridge" ? "mapped-port" : "node",
        dask: resolveDaskVersions(worker.daskVersions, `${argument}.daskVersions`),
    };
    const directives: Record<string, string> = {
        should_transfer_files: "YES",
        when_to_transfer_output: "ON_EXIT_OR_EVICT",
        transfer_input_files: inputs.join(","),
        environment: condorEnvironment({ [BATCH_WORKER_SETTINGS_ENV]: JSON.stringify(launcher) }),
    };
    if (image !== undefined) {
        directives.universe = "container";
        directives.container_image = image;
    }
    if (network === "bridge") {
        Object.assign(directives, containerPortDirectives());
    } else if (network === "host") {
        directives.docker_network_type = "host";
    }
    if (opts.accountingGroup !== undefined) {
        directives.accounting_group = opts.accountingGroup;
    }
    return {
        name: "dask-worker",
        cores,
        memory: `${memoryMiB}MiB`,
        disk: `${diskMiB}MiB`,
        python,
        "death-timeout": deathTimeout,
        processes: 1,
        "worker-command": BATCH_WORKER_MODULE,
        "worker-extra-args": [
            "--protocol", "tls",
            "--tls-ca-file", DASK_TLS_FILES.ca,
            "--tls-cert", DASK_TLS_FILES.cert,
            "--tls-key", DASK_TLS_FILES.key,
        ],
        "job-extra-directives": directives,
        "submit-command-extra": ["-name", opts.scheddName, "-spool"],
        "cancel-command-extra": ["-name", opts.scheddName],
        "scheduler-options": { protocol: "tls", host: "0.0.0.0", port: SCHEDULER_PORT, dashboard_address: `:${DASHBOARD_PORT}` },
    };
}

/**
 * A submit description's `environment` value in HTCondor's "new" syntax: the whole in double
 * quotes, `name=value` entries separated by spaces, a value with a space or a single quote in
 * single quotes (a single quote doubled), a double quote doubled.
 */
export function condorEnvironment(env: Record<string, string>): string {
    const entries = Object.entries(env).map(([name, value]) => {
        check(/^[A-Za-z_][A-Za-z0-9_]*$/.test(name), "environment", `"${name}" is not an environment variable name`);
        check(!/[\r\n]/.test(value), `environment.${name}`, "a value cannot span lines in a submit description");
        let v = value.replace(/"/g, '""');
        if (/[\s']/.test(v)) v = `'${v.replace(/'/g, "''")}'`;
        return `${name}=${v}`;
    });
    return `"${entries.join(" ")}"`;
}

/**
 * What a bridge-networked container job asks HTCondor for: one service per worker port
 * (`container_service_names`) and the port inside the container (`<service>_container_port`);
 * HTCondor maps each to a port of the node and adds `<service>_HostPort` to the job's ad.
 */
export function containerPortDirectives(): Record<string, string> {
    const services = Object.entries(BATCH_WORKER_CONTAINER_PORTS);
    return {
        container_service_names: services.map(([s]) => s).join(","),
        ...Object.fromEntries(services.map(([s, port]) => [`${s}_container_port`, String(port)])),
    };
}

/**
 * Dask reads its YAML with PyYAML, which speaks YAML 1.1 (`YES`, `on` are booleans there), so
 * the files are written as YAML 1.1: such strings come out quoted.
 */
const YAML_OPTIONS = { version: "1.1" } as const;

/** `jobqueue.yaml` text. */
export function renderJobqueueYaml(settings: JobqueueSettings): string {
    return stringify({ jobqueue: { htcondor: settings } }, YAML_OPTIONS);
}

/** Dask's TLS config: mutual TLS with the user's certificate for every role, encryption required. */
export function daskTlsConfig(): object {
    const pair = { cert: `${DASK_TLS_DIR}/${DASK_TLS_FILES.cert}`, key: `${DASK_TLS_DIR}/${DASK_TLS_FILES.key}` };
    return {
        distributed: {
            comm: {
                "require-encryption": true,
                tls: { "ca-file": `${DASK_TLS_DIR}/${DASK_TLS_FILES.ca}`, scheduler: pair, worker: pair, client: pair },
            },
        },
    };
}

/** `tls.yaml` text. */
export function renderDaskTlsYaml(): string {
    return stringify(daskTlsConfig(), YAML_OPTIONS);
}

/** `tls://<escaped-user>.dask.<domain>:<port>` with the user part left as `{user}` for the hub to fill. */
export function contactAddressTemplate(domain: string, daskPort: number): string {
    return `tls://{user}.dask.${domain}:${daskPort}`;
}
