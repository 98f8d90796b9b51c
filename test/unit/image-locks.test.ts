/**
 * The images the project builds, held offline to their locks: every lock satisfies its
 * requirements.in and hashes every pin; a package shared by two images (or by an image and the
 * tests' venv) has one version everywhere, so notebooks, their batch workers and gateway
 * clusters run one Dask and the hub and notebooks one JupyterHub; the Dask the components
 * render (DASK_VERSIONS) is the locks' own; each Containerfile installs exactly its lock.
 * `scripts/images-lock.sh` regenerates the locks.
 */
import * as fs from "fs";
import * as path from "path";
import { BUILT_ROLES, DASK_PACKAGES, DASK_VERSIONS, HEPAF_VERSION } from "../../components/images";
import { parseIn, parseLock } from "../helpers/locks";

const read = (p: string) => fs.readFileSync(path.join(__dirname, "..", "..", p), "utf8");

const LOCKS: Record<string, { in: string; lock: string }> = {
    ...Object.fromEntries(BUILT_ROLES.map((r) => [r, { in: `images/${r}/requirements.in`, lock: `images/${r}/requirements.txt` }])),
    "tests' venv": { in: "test/python/requirements.in", lock: "test/python/requirements.txt" },
    "gateway-server double": { in: "test/live/images/gateway-server/requirements.in", lock: "test/live/images/gateway-server/requirements.txt" },
};

/** Locks of their own resolution (no image runs what they install): held to their .in, not to the images' constraints. */
const OWN_LOCKS: Record<string, { in: string; lock: string }> = {
    "Python SDK tests' venv": { in: "provider/python/requirements.in", lock: "provider/python/requirements.txt" },
};

describe("image locks", () => {
    test.each(Object.entries({ ...LOCKS, ...OWN_LOCKS }))("%s: the lock satisfies its requirements.in and hashes every pin", (_, f) => {
        const { pins, unhashed } = parseLock(f.lock);
        expect(pins.size).toBeGreaterThan(0);
        expect(unhashed).toEqual([]);
        const problems = parseIn(f.in).flatMap((r) => {
            const got = pins.get(r.name);
            if (got === undefined) return [`${r.line}: not in ${f.lock}`];
            if (r.pinned && got !== r.pinned) return [`${r.line}: ${f.lock} pins ${got}`];
            return [];
        });
        expect(problems).toEqual([]);
    });

    test("a package in several locks has one version in all of them, the constraints' (one Dask, one JupyterHub)", () => {
        const constraints = parseLock("images/constraints.txt").pins;
        const differ: string[] = [];
        for (const [who, f] of Object.entries(LOCKS)) {
            for (const [name, version] of parseLock(f.lock).pins) {
                const want = constraints.get(name);
                if (want !== version) differ.push(`${who}: ${name}==${version}, constraints: ${want ?? "none"}`);
            }
        }
        expect(differ).toEqual([]);
        // What that means where it matters.
        const hub = parseLock("images/hub/requirements.txt").pins;
        const notebook = parseLock("images/notebook/requirements.txt").pins;
        expect(notebook.get("jupyterhub")).toBe(hub.get("jupyterhub"));
    });

    test("the Dask the components render is the notebook's and the worker's locked Dask", () => {
        const notebook = parseLock("images/notebook/requirements.txt").pins;
        const worker = parseLock("images/worker/requirements.txt").pins;
        expect(Object.keys(DASK_VERSIONS.packages).sort()).toEqual([...DASK_PACKAGES].sort());
        for (const [name, version] of Object.entries(DASK_VERSIONS.packages)) {
            expect({ name, version: worker.get(name) }).toEqual({ name, version });
            expect({ name, version: notebook.get(name) }).toEqual({ name, version });
        }
        // Debian bookworm's python3, which every Containerfile installs, is 3.11.
        expect(DASK_VERSIONS.python).toBe("3.11");
    });

    test.each(BUILT_ROLES)("images/%s/Containerfile: Debian bookworm's Python, installs exactly its hashed lock, runs as a non-root user", (role) => {
        const text = read(`images/${role}/Containerfile`);
        expect(text).toMatch(/^FROM docker\.io\/library\/debian:bookworm-slim$/m);
        expect(text).toMatch(/apt-get install [^\n]*python3 /);
        expect(text).toMatch(/COPY requirements\.txt /);
        expect(text).toMatch(/pip install [^\n]*--no-deps --require-hashes/);
        expect(text).toMatch(/^USER 1000$/m);
    });

    test("the images' tag is the package's version", () => {
        expect(HEPAF_VERSION).toBe(JSON.parse(read("package.json")).version);
    });
});
