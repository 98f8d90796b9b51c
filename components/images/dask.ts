import { check } from "../common/errors";
import daskVersions from "./dask-versions.json";

/**
 * The Dask a client, its scheduler and its workers must agree on: the Python minor and the
 * versions of the packages Dask itself compares between them. Components render it into the
 * settings of the Python that checks it (`hepaf_dask.py` in notebooks, `hepaf_batch_worker.py`
 * on batch nodes, the laptop bundle's README).
 */
export interface DaskVersions {
    /** Python minor, `3.11`. */
    python: string;
    /** Package versions by distribution name (every one of {@link DASK_PACKAGES}). */
    packages: Record<string, string>;
}

/** The packages whose versions Dask needs client, scheduler and workers to share. */
export const DASK_PACKAGES = ["cloudpickle", "dask", "distributed", "msgpack", "toolz", "tornado"] as const;

/**
 * The one Dask of the facility: the Python minor and the versions of {@link DASK_PACKAGES} as the
 * notebook and worker images' locks pin them (`scripts/images-lock.sh` writes this file from the
 * locks; a unit test holds it to them).
 */
export const DASK_VERSIONS: DaskVersions = daskVersions;

const PYTHON_MINOR = /^3\.[0-9]{1,2}$/;
/** A release version as pip pins it (PEP 440 public versions: digits, dots, pre/post/dev tags). */
const RELEASE = /^[0-9]+(\.[0-9]+)*((a|b|rc)[0-9]+)?(\.post[0-9]+)?(\.dev[0-9]+)?$/;

/**
 * The expected Dask: `value` checked (naming `argument` on bad input), else the facility's
 * {@link DASK_VERSIONS}. Returns a copy with the packages in a fixed order.
 */
export function resolveDaskVersions(value: DaskVersions | undefined, argument: string): DaskVersions {
    const v = value ?? DASK_VERSIONS;
    check(typeof v === "object" && v !== null, argument, "must be { python, packages }");
    check(typeof v.python === "string" && PYTHON_MINOR.test(v.python), `${argument}.python`, `"${v.python}" is not a Python minor such as "3.11"`);
    check(typeof v.packages === "object" && v.packages !== null, `${argument}.packages`, `must name the version of each of ${DASK_PACKAGES.join(", ")}`);
    const unknown = Object.keys(v.packages).filter((p) => !(DASK_PACKAGES as readonly string[]).includes(p));
    check(unknown.length === 0, `${argument}.packages`, `${unknown.map((p) => `"${p}"`).join(", ")} is not one of the packages Dask compares (${DASK_PACKAGES.join(", ")})`);
    const packages: Record<string, string> = {};
    for (const p of DASK_PACKAGES) {
        const version = v.packages[p];
        check(version !== undefined, `${argument}.packages.${p}`, `is missing: give the version of each of ${DASK_PACKAGES.join(", ")}`);
        check(typeof version === "string" && RELEASE.test(version), `${argument}.packages.${p}`, `"${version}" is not a release version such as "2026.8.0"`);
        packages[p] = version;
    }
    return { python: v.python, packages };
}
