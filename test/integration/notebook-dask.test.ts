/**
 * hepaf_dask compares the Dask the facility's workers run, as the settings renderer writes it
 * into the group's hepaf_dask.json, with the notebook's own (this venv, which has the facility's
 * DASK_VERSIONS), for both ways a notebook makes its cluster: `hepaf_dask.cluster()` and
 * dask-labextension's factory class. HTCondor groups: the real dask-jobqueue cluster (its
 * scheduler on loopback, no job submitted). Gateway groups: a real dask-gateway-server on
 * loopback (its in-process backend) makes the cluster.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { planNotebookDask, settingsFileText } from "../../components";
import { DASK_VERSIONS } from "../../components/images";

const root = path.join(__dirname, "..", "..");
const python = execFileSync("bash", [path.join(root, "scripts", "python-env.sh")], { encoding: "utf8" }).trim();

/** What the notebook sees with the group's settings rendered from `args`. */
function check(args: Parameters<typeof planNotebookDask>[0]): any {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-notebook-dask-"));
    try {
        const settings = path.join(dir, "hepaf_dask.json");
        fs.writeFileSync(settings, settingsFileText(planNotebookDask(args, `${args.group}.dask`)));
        const out = execFileSync(python, [path.join(root, "test", "python", "notebook_dask_version_check.py"), JSON.stringify({ module: path.join(root, "components", "notebook-dask"), settings })],
            { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120000, cwd: dir });
        return JSON.parse(out);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const p = DASK_VERSIONS.packages;
// A site's own profile image, as the settings see it from the other side: the workers have another dask and msgpack.
const other = { python: DASK_VERSIONS.python, packages: { ...p, dask: "2026.3.0", msgpack: "1.1.0" } };
const message = `this notebook's Dask differs from the facility's: dask ${p.dask} here, 2026.3.0 on the workers; msgpack ${p.msgpack} here, 1.1.0 on the workers. `
    + `The batch and gateway workers run the facility's versions (Python ${DASK_VERSIONS.python}), and Dask needs client, scheduler and workers to agree, so the computation may fail. `
    + `Use the facility's notebook image, or Python ${DASK_VERSIONS.python} with: pip install cloudpickle==${p.cloudpickle} dask==2026.3.0 distributed==${p.distributed} msgpack==1.1.0 toolz==${p.toolz} tornado==${p.tornado}`;

describe.each([
    ["an HTCondor", { group: "cms", kind: "htcondor" as const }],
    ["a gateway", { group: "opendata", kind: "gateway" as const }],
])("%s group's notebook", (_kind, group) => {
    test("with the facility's Dask (the settings' default): no warning, the cluster is made both ways", () => {
        const seen = check(group);
        for (const way of ["helper", "labextension"]) {
            expect(seen[way]).toMatchObject({ versionWarnings: [], made: true });
        }
    });

    test("with another Dask on the workers: one VersionWarning naming each package and both versions, at the notebook's call; the cluster is still made", () => {
        const seen = check({ ...group, daskVersions: other });
        for (const way of ["helper", "labextension"]) {
            expect(seen[way]).toMatchObject({ versionWarnings: [message], pointsAt: ["notebook_dask_version_check.py"], made: true });
        }
    });
});

test("another Python minor on the workers is named too", () => {
    const seen = check({ group: "cms", kind: "htcondor", daskVersions: { python: "3.13", packages: p } });
    expect(seen.helper.versionWarnings).toHaveLength(1);
    expect(seen.helper.versionWarnings[0]).toMatch(new RegExp(`^this notebook's Dask differs from the facility's: Python ${DASK_VERSIONS.python.replace(".", "\\.")} here, 3\\.13 on the workers\\. `));
    expect(seen.helper.versionWarnings[0]).toContain("Python 3.13 with: pip install ");
});
