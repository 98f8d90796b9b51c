import { stringify } from "yaml";
import { check, requirePositiveInteger } from "../common";
import { DASHBOARD_PORT, DASK_TLS_DIR, DASK_TLS_FILES, SCHEDULER_PORT } from "./paths";

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
    /** Container image of the worker (container universe). Default: none (vanilla universe, `python` on the batch node). */
    image?: string;
    /** Python on the batch node. Default `python3`. */
    python?: string;
    /** Seconds a worker waits for its scheduler. Default 60. */
    deathTimeoutSeconds?: number;
}

/** Typed jobqueue settings of one group (what `jobqueue.htcondor` gets). */
export interface JobqueueSettings {
    name: string;
    cores: number;
    memory: string;
    disk: string;
    python: string;
    "death-timeout": number;
    "worker-extra-args": string[];
    "job-extra-directives": Record<string, string>;
    "submit-command-extra": string[];
    "cancel-command-extra": string[];
    "scheduler-options": { protocol: "tls"; host: string; port: number; dashboard_address: string };
}

/** Resolves worker args into jobqueue settings, naming `argument` on bad input. */
export function jobqueueSettings(
    worker: HTCondorWorkerArgs,
    opts: { scheddName: string; accountingGroup?: string },
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
    if (worker.image !== undefined) {
        check(/^[A-Za-z0-9][A-Za-z0-9._/:@-]*$/.test(worker.image), `${argument}.image`, `"${worker.image}" is not a valid image reference`);
    }
    const tls = (f: string) => `${DASK_TLS_DIR}/${f}`;
    const directives: Record<string, string> = {
        should_transfer_files: "YES",
        when_to_transfer_output: "ON_EXIT_OR_EVICT",
        // The worker's TLS files travel with the job; the worker names them relative to its sandbox.
        transfer_input_files: [DASK_TLS_FILES.ca, DASK_TLS_FILES.cert, DASK_TLS_FILES.key].map(tls).join(","),
    };
    if (worker.image !== undefined) {
        directives.universe = "container";
        directives.container_image = worker.image;
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
