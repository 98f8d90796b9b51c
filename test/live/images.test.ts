/**
 * The images themselves, as scripts/images.sh built them and the kubelet double runs them: each
 * started from its own root filesystem with its own Env and User (no pod around it), as a site
 * would test a published image. The project's images hold exactly their locks (every pinned
 * distribution at its version, nothing else but pip), import what the facility's code imports,
 * and run as their non-root user; the notebook image's JupyterLab has dask-labextension; the
 * doubles hold the versions their upstream images are pinned to.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BUILT_ROLES, builtImage, PROXY_VERSION, PROMETHEUS_VERSION, TRAEFIK_VERSION, DASK_GATEWAY_VERSION, UPSTREAM_IMAGES } from "../../components/images";
import { containerUser, imageEnv, makeContainerRoot, removeContainerRoot } from "./harness/container-root";
import { BuiltImage, need, tools } from "./harness/tools";
import { parseLock } from "../helpers/locks";

jest.setTimeout(5 * 60 * 1000);

const t = tools();
let dir: string;
const roots: string[] = [];
beforeAll(() => {
    need(t, ["runtimeDouble"]);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-live-images-"));
});
afterAll(() => {
    for (const r of roots) removeContainerRoot(r);
    if (!process.env.HEPAF_LIVE_KEEP) fs.rmSync(dir, { recursive: true, force: true });
});

/** The built image of `ref`, or a failure naming the command that builds it. */
function image(ref: string): BuiltImage {
    const found = t.images[ref];
    if (!found) throw new Error(`image ${ref} is not built: run scripts/images.sh --doubles`);
    return found;
}

/** Runs `argv` in a fresh container of `ref` (its Env, User and WorkingDir); stdout and stderr together. */
async function run(ref: string, argv: string[]): Promise<string> {
    const img = image(ref);
    const base = path.join(dir, `c-${roots.length}`);
    roots.push(base);
    const root = await makeContainerRoot(base, img.rootfs, [], { readOnlyRoot: false, hostsFile: process.env.HEPAF_LIVE_HOSTS ?? "/etc/hosts" });
    const user = containerUser({ metadata: { name: "image-test" }, spec: {} }, { name: "c" }, img.config.User, img.rootfs);
    const env = { ...imageEnv(img), HOME: user.home };
    const flags = ["--root", root, "--uid", String(user.uid), "--gid", String(user.gid), "--cwd", img.config.WorkingDir || "/"];
    for (const [k, v] of Object.entries(env)) flags.push("--env", `${k}=${v}`);
    return execFileSync(t.runtimeDouble, [...flags, "--", ...argv], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120000 });
}

/** The pins of a lock: PEP 503 name -> version. */
const pins = (lock: string): Record<string, string> => Object.fromEntries(parseLock(lock).pins);

/** Every distribution the image's Python has, by PEP 503 name, and its uid (as the image runs). */
const INSTALLED = [
    "python3", "-c",
    "import importlib.metadata as m, json, os, re, sys; " +
        "print(json.dumps({'uid': os.getuid(), 'python': '%d.%d' % sys.version_info[:2], " +
        "'dists': {re.sub(r'[-_.]+', '-', d.metadata['Name'].lower()): d.version for d in m.distributions()}}))",
];

/** What the facility's own code imports in each image (hub modules, the access service, hepaf_dask, the scheduler preload). */
const IMPORTS: Record<string, string[]> = {
    hub: ["jupyterhub.app", "kubespawner", "oauthenticator.generic", "oauthenticator.github", "jupyterhub_idle_culler", "kubernetes_asyncio.client", "cryptography.x509", "yaml", "tornado.web", "jupyterhub.services.auth"],
    notebook: ["jupyterhub.singleuser", "jupyterlab", "dask_labextension.manager", "dask_jobqueue", "dask_gateway", "distributed", "htcondor2", "classad2", "yaml"],
    worker: ["distributed", "dask_gateway.scheduler_preload", "bokeh"],
};

describe.each(BUILT_ROLES)("the %s image", (role) => {
    const ref = builtImage(role);

    test("holds exactly its lock, on Debian bookworm's Python 3.11, and runs as its non-root user", async () => {
        const got = JSON.parse((await run(ref, INSTALLED)).trim());
        expect(got.python).toBe("3.11");
        expect(got.uid).toBe(1000);
        const locked = pins(`images/${role}/requirements.txt`);
        const installed: Record<string, string> = got.dists;
        const differ = Object.entries(locked).filter(([n, v]) => installed[n] !== v).map(([n, v]) => `${n}: locked ${v}, image ${installed[n] ?? "none"}`);
        const extra = Object.keys(installed).filter((n) => !(n in locked) && n !== "pip" && n !== "setuptools");
        expect({ differ, extra }).toEqual({ differ: [], extra: [] });
    });

    test("imports what the facility's code imports there", async () => {
        const out = await run(ref, ["python3", "-c", `import importlib\nfor m in ${JSON.stringify(IMPORTS[role])}: importlib.import_module(m)\nprint("imported", len(${JSON.stringify(IMPORTS[role])}))`]);
        expect(out.trim()).toBe(`imported ${IMPORTS[role].length}`);
    });
});

test("the notebook image starts a hub server and its JupyterLab has dask-labextension", async () => {
    const hub = pins("images/hub/requirements.txt").jupyterhub;
    expect((await run(builtImage("notebook"), ["jupyterhub-singleuser", "--version"])).trim()).toBe(hub);
    const lab = await run(builtImage("notebook"), ["sh", "-c", "jupyter labextension list 2>&1"]);
    expect(lab).toMatch(new RegExp(`dask-labextension v${pins("images/notebook/requirements.txt")["dask-labextension"].replace(/\./g, "\\.")} .*enabled`));
    // HTCondor's command-line tools are not in it (images/README.md says why).
    expect((await run(builtImage("notebook"), ["sh", "-c", "command -v condor_submit || echo none"])).trim()).toBe("none");
});

test("the image doubles hold the versions their upstream images are pinned to", async () => {
    expect(await run(UPSTREAM_IMAGES.traefik, ["traefik", "version"])).toMatch(new RegExp(`Version:\\s+${TRAEFIK_VERSION.replace(/\./g, "\\.")}\\n`));
    expect((await run(UPSTREAM_IMAGES.proxy, ["configurable-http-proxy", "--version"])).trim()).toBe(PROXY_VERSION);
    expect((await run(UPSTREAM_IMAGES.gatewayServer, ["dask-gateway-server", "--version"])).trim()).toBe(DASK_GATEWAY_VERSION);
    expect((await run(UPSTREAM_IMAGES.busybox, ["sh", "-c", "command -v install"])).trim()).toBe("/usr/bin/install");
    const release = PROMETHEUS_VERSION.replace(/^v/, "").replace(/\./g, "\\.");
    expect(await run(UPSTREAM_IMAGES.prometheus, ["/bin/prometheus", "--version"])).toMatch(new RegExp(`^prometheus, version ${release} `));
    expect(await run(UPSTREAM_IMAGES.prometheus, ["/bin/promtool", "--version"])).toMatch(new RegExp(`^promtool, version ${release} `));
});

test("the Prometheus double is laid out as the official image: its paths, user, entrypoint and default config", async () => {
    const img = image(UPSTREAM_IMAGES.prometheus);
    expect(img.config.Entrypoint).toEqual(["/bin/prometheus"]);
    expect(img.config.Cmd).toEqual(["--config.file=/etc/prometheus/prometheus.yml", "--storage.tsdb.path=/prometheus"]);
    expect(img.config.User).toBe("nobody");
    expect(img.config.WorkingDir).toBe("/prometheus");
    // Its own user owns its data directory, and its promtool accepts the default config.
    expect((await run(UPSTREAM_IMAGES.prometheus, ["sh", "-c", "id -u; stat -c %u /prometheus; touch /prometheus/w && echo writable"])).trim().split("\n")).toEqual(["65534", "65534", "writable"]);
    expect(await run(UPSTREAM_IMAGES.prometheus, ["/bin/promtool", "check", "config", "/etc/prometheus/prometheus.yml"])).toContain("SUCCESS");
});
