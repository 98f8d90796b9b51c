/**
 * Every image comes from one place (components/images): the catalogue's defaults reach every
 * part of a facility, a registry moves only the images the project builds, overrides (the
 * facility's `images`, a part's own image) win, and a malformed reference is refused naming
 * its argument or stack key before anything is declared.
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { errorOf, setupMocks, settled } from "../helpers/pulumi";
import { k8sObjects, K8sObject } from "../helpers/k8s-schema";

const mocks = setupMocks();
import {
    AnalysisFacility, AnalysisFacilityArgs, BUILT_ROLES, builtImage, containerPortDirectives, DEFAULT_REGISTRY, defaultImages, HEPAF_VERSION, IMAGE_ROLES, isImageReference,
    isRegistryPrefix, parseImageReference, resolveImages, UPSTREAM_IMAGES, withTag,
} from "../../components";
import { rawStackConfig, toProgramConfig } from "../../infra/config";
import { asPulumiConfig, readStackFile } from "../../infra/stack-file";

const root = path.join(__dirname, "..", "..");
const DIGEST = "a".repeat(64);

beforeEach(() => mocks.reset());

describe("the catalogue", () => {
    test("HEPAF_VERSION is the package's version, the tag of the built images", () => {
        const pkg = JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8"));
        expect(HEPAF_VERSION).toBe(pkg.version);
        expect(builtImage("notebook")).toBe(`${DEFAULT_REGISTRY}/notebook:${pkg.version}`);
        expect(builtImage("hub", "registry.example.edu/hepaf/")).toBe(`registry.example.edu/hepaf/hub:${pkg.version}`);
    });

    test("every default is a valid reference, and the defaults are the catalogue's", () => {
        const defaults = defaultImages();
        expect(Object.keys(defaults).sort()).toEqual([...IMAGE_ROLES].sort());
        for (const ref of Object.values(defaults)) expect([ref, isImageReference(ref)]).toEqual([ref, true]);
        for (const role of BUILT_ROLES) expect(defaults[role]).toBe(builtImage(role));
        for (const [role, ref] of Object.entries(UPSTREAM_IMAGES)) expect(defaults[role as keyof typeof UPSTREAM_IMAGES]).toBe(ref);
    });
});

describe("image references (the OCI distribution grammar)", () => {
    test.each([
        ["busybox", { path: "busybox" }],
        ["example/coffea:2026.10", { path: "example/coffea", tag: "2026.10" }],
        ["registry.example.edu/hepaf/hub:0.1.0", { domain: "registry.example.edu", path: "hepaf/hub", tag: "0.1.0" }],
        ["localhost:5000/a_b__c-d---e/f.g:Tag_1-x.y", { domain: "localhost:5000", path: "a_b__c-d---e/f.g", tag: "Tag_1-x.y" }],
        ["Registry.Example.edu/x", { domain: "Registry.Example.edu", path: "x" }],
        [`ghcr.io/x/y@sha256:${DIGEST}`, { domain: "ghcr.io", path: "x/y", digest: `sha256:${DIGEST}` }],
        [`ghcr.io/x/y:1@sha256:${DIGEST}`, { domain: "ghcr.io", path: "x/y", tag: "1", digest: `sha256:${DIGEST}` }],
        ["[::1]:5000/x:1", { domain: "[::1]:5000", path: "x", tag: "1" }],
        [`x:${"t".repeat(128)}`, { path: "x", tag: "t".repeat(128) }],
    ])("%s is valid", (ref, parts) => {
        expect(parseImageReference(ref)).toEqual(parts);
    });

    test.each([
        ["", "empty"],
        ["Hub", "an upper-case path"],
        ["registry.example.edu/Hepaf/hub:1", "an upper-case path after a domain"],
        ["hub:", "an empty tag"],
        ["hub:-1", "a tag starting with '-'"],
        ["hub:.1", "a tag starting with '.'"],
        [`hub:${"t".repeat(129)}`, "a tag of 129 characters"],
        ["hub:1:2", "two tags"],
        ["hub@sha256:abc", "a short digest"],
        [`hub@sha256:${"A".repeat(64)}`, "an upper-case digest"],
        [`hub@md5:${DIGEST}`, "another digest algorithm"],
        ["a//b", "an empty path component"],
        ["a/-b", "a component starting with a separator"],
        ["a/b-", "a component ending with a separator"],
        ["a/b...c", "three dots"],
        ["my image:1", "a space"],
        ["-x.example.edu/a", "a domain component starting with '-'"],
        [`a/${"b".repeat(255)}`, "a name of more than 255 characters"],
    ])("%s is refused (%s)", (ref) => {
        expect(isImageReference(ref)).toBe(false);
    });

    test("registry prefixes: an image name without tag or digest", () => {
        for (const ok of ["registry.example.edu/hepaf", "registry.example.edu", "localhost:5000", "mirror.example.edu:5000/a/b", "hepaf", "registry.example.edu/hepaf/"]) {
            expect([ok, isRegistryPrefix(ok)]).toEqual([ok, true]);
        }
        for (const bad of ["", "registry.example.edu/hepaf:1", "registry.example.edu/Hepaf", `r.example.edu/x@sha256:${DIGEST}`, "https://registry.example.edu/hepaf", "a b"]) {
            expect([bad, isRegistryPrefix(bad)]).toEqual([bad, false]);
        }
    });

    test("withTag retags a catalogue image and names the argument of a bad tag", () => {
        expect(withTag(UPSTREAM_IMAGES.traefik, "v3.7.0")).toBe(UPSTREAM_IMAGES.traefik.replace(/:[^:/]+$/, ":v3.7.0"));
        expect(withTag(`x/y:1@sha256:${DIGEST}`, "2")).toBe("x/y:2");
        expect(errorOf(() => withTag(UPSTREAM_IMAGES.traefik, "v3 7", "edge.version"))).toMatch(/^edge\.version: "v3 7" is not a valid image tag/);
    });
});

describe("resolveImages", () => {
    test("no args: the catalogue", () => {
        expect(resolveImages(undefined)).toEqual(defaultImages());
        expect(resolveImages({})).toEqual(defaultImages());
    });

    test("a registry moves the three built images only", () => {
        const images = resolveImages({ registry: "registry.example.edu/hepaf" });
        expect(images.hub).toBe(`registry.example.edu/hepaf/hub:${HEPAF_VERSION}`);
        for (const role of BUILT_ROLES) expect(images[role]).toBe(builtImage(role, "registry.example.edu/hepaf"));
        for (const [role, ref] of Object.entries(UPSTREAM_IMAGES)) expect(images[role as keyof typeof UPSTREAM_IMAGES]).toBe(ref);
    });

    test("an override wins for its role, over the registry too", () => {
        const overrides = Object.fromEntries(IMAGE_ROLES.map((role) => [role, `mirror.example.edu/${role.toLowerCase()}:7`]));
        expect(resolveImages({ registry: "registry.example.edu/hepaf", ...overrides })).toEqual(overrides);
        const one = resolveImages({ registry: "registry.example.edu/hepaf", notebook: `site/notebook@sha256:${DIGEST}` });
        expect(one.notebook).toBe(`site/notebook@sha256:${DIGEST}`);
        expect(one.worker).toBe(builtImage("worker", "registry.example.edu/hepaf"));
    });

    test("a malformed reference, a bad registry or an unknown role is refused naming the path and what is valid", () => {
        expect(errorOf(() => resolveImages({ hub: "Registry.example.edu/Hub" }))).toMatch(/^images\.hub: "Registry\.example\.edu\/Hub" is not valid: use an image reference \[domain\/\]path\[:tag\]\[@sha256:<64 hex digits>\]/);
        expect(errorOf(() => resolveImages({ busybox: "busybox:1.37.0 " }, "site.images"))).toMatch(/^site\.images\.busybox: "busybox:1\.37\.0 " is not valid: use an image reference/);
        expect(errorOf(() => resolveImages({ registry: "registry.example.edu/hepaf:1" }))).toMatch(/^images\.registry: "registry\.example\.edu\/hepaf:1" is not valid: use a registry and path prefix such as "registry\.example\.edu\/hepaf"/);
        expect(errorOf(() => resolveImages({ jupyter: "x" } as any))).toMatch(/^images\.jupyter: is not an image role; use one of "registry", "hub", "notebook", "worker", "traefik", "proxy", "gatewayServer", "htcondorCm", "htcondorSubmit", "htcondorExecute", "busybox", "prometheus"$/);
        expect(errorOf(() => resolveImages("x" as any))).toMatch(/^images: must be a mapping of registry, hub, notebook/);
    });
});

/** Every container image of every workload, by `<namespace>/<workload>/<container>`. */
function containerImages(objs: K8sObject[]): Record<string, string> {
    const out: Record<string, string> = {};
    for (const o of objs as any[]) {
        const spec = o.spec?.template?.spec;
        if (!spec) continue;
        for (const c of [...(spec.initContainers ?? []), ...spec.containers]) out[`${o.metadata.namespace}/${o.metadata.name}/${c.name}`] = c.image;
    }
    return out;
}

/** What the pods a facility leaves to other software get: notebook profiles and init steps (hub values), gateway clusters (gateway values). */
function softwareImages(objs: K8sObject[]) {
    const values = (ns: string, name: string) => JSON.parse((objs.find((o) => o.kind === "ConfigMap" && o.metadata.namespace === ns && o.metadata.name === name) as any).data["values.json"]);
    const hub = values("af", "af-hub-config");
    return {
        profiles: Object.fromEntries(hub.groups.flatMap((g: any) => g.profiles.map((p: any) => [p.slug, p.image]))),
        initSteps: Object.fromEntries(hub.groups.map((g: any) => [g.name, g.pod.initContainers.map((c: any) => c.image)])),
        cmd: hub.spawner.cmd,
        clusters: Object.fromEntries(hub.groups.map((g: any) => [g.name, values(`af-${g.name}`, "dask-gateway-config").cluster.image])),
    };
}

const hub = { login: { type: "dummy" as const }, allowDummy: true };
/** Both groups submit to an in-cluster pool; cms has a profile without an image, opendata the day-one profile. */
const facilityArgs = (over: Partial<AnalysisFacilityArgs> = {}): AnalysisFacilityArgs => ({
    domain: "af.example.org",
    hub,
    htcondor: { pools: { local: { mode: "in-cluster" } } },
    groups: [
        { name: "cms", profiles: [{ name: "coffea", cpuGuarantee: "1", memoryGuarantee: "2Gi" }], htcondor: { pool: "local" } },
        { name: "opendata", htcondor: { pool: "local" } },
    ],
    traefik: { crds: { source: "none" } },
    ...over,
});

async function declared(args: AnalysisFacilityArgs) {
    mocks.reset();
    const af = new AnalysisFacility("af", args);
    await settled();
    const objs = k8sObjects(mocks.resources);
    return { af, containers: containerImages(objs), software: softwareImages(objs) };
}

describe("a facility's images", () => {
    test("by default every part runs the catalogue's image: the built ones for hub, notebooks and gateway clusters", async () => {
        const { af, containers, software } = await declared(facilityArgs());
        expect(af.images).toEqual(defaultImages());
        expect(containers).toEqual({
            "af/af-edge/traefik": UPSTREAM_IMAGES.traefik,
            "af/af-hub/hub": builtImage("hub"),
            "af/af-proxy/chp": UPSTREAM_IMAGES.proxy,
            "af/af-dask-access/dask-access": builtImage("hub"),
            "af/af-local-cm/cm": UPSTREAM_IMAGES.htcondorCm,
            "af/af-local-submit/submit": UPSTREAM_IMAGES.htcondorSubmit,
            "af/af-local-execute/execute": UPSTREAM_IMAGES.htcondorExecute,
            "af-cms/dask-gateway-api/api": UPSTREAM_IMAGES.gatewayServer,
            "af-cms/dask-gateway-controller/controller": UPSTREAM_IMAGES.gatewayServer,
            "af-opendata/dask-gateway-api/api": UPSTREAM_IMAGES.gatewayServer,
            "af-opendata/dask-gateway-controller/controller": UPSTREAM_IMAGES.gatewayServer,
        });
        expect(software).toEqual({
            profiles: { "cms-coffea": builtImage("notebook"), "opendata-default": builtImage("notebook") },
            initSteps: { cms: [UPSTREAM_IMAGES.busybox], opendata: [UPSTREAM_IMAGES.busybox] },
            cmd: ["jupyterhub-singleuser"],
            clusters: { cms: builtImage("worker"), opendata: builtImage("worker") },
        });
    });

    test("a registry moves only the built images", async () => {
        const { containers, software } = await declared(facilityArgs({ images: { registry: "registry.example.edu/hepaf" } }));
        const site = (role: "hub" | "notebook" | "worker") => builtImage(role, "registry.example.edu/hepaf");
        expect(containers["af/af-hub/hub"]).toBe(`registry.example.edu/hepaf/hub:${HEPAF_VERSION}`);
        expect(containers["af/af-dask-access/dask-access"]).toBe(site("hub"));
        expect(software.profiles).toEqual({ "cms-coffea": site("notebook"), "opendata-default": site("notebook") });
        expect(software.clusters).toEqual({ cms: site("worker"), opendata: site("worker") });
        const upstream = Object.entries(containers).filter(([k]) => !/\/(hub|dask-access)$/.test(k)).map(([, v]) => v);
        expect(upstream.every((ref) => (Object.values(UPSTREAM_IMAGES) as string[]).includes(ref))).toBe(true);
        expect(software.initSteps.cms).toEqual([UPSTREAM_IMAGES.busybox]);
    });

    test("every role's override reaches its part", async () => {
        const o = Object.fromEntries(IMAGE_ROLES.map((role) => [role, `mirror.example.edu/${role.toLowerCase()}:7`])) as Record<(typeof IMAGE_ROLES)[number], string>;
        const { af, containers, software } = await declared(facilityArgs({ images: { registry: "registry.example.edu/hepaf", ...o } }));
        expect(af.images).toEqual(o);
        expect(containers).toEqual({
            "af/af-edge/traefik": o.traefik,
            "af/af-hub/hub": o.hub,
            "af/af-proxy/chp": o.proxy,
            "af/af-dask-access/dask-access": o.hub,
            "af/af-local-cm/cm": o.htcondorCm,
            "af/af-local-submit/submit": o.htcondorSubmit,
            "af/af-local-execute/execute": o.htcondorExecute,
            "af-cms/dask-gateway-api/api": o.gatewayServer,
            "af-cms/dask-gateway-controller/controller": o.gatewayServer,
            "af-opendata/dask-gateway-api/api": o.gatewayServer,
            "af-opendata/dask-gateway-controller/controller": o.gatewayServer,
        });
        expect(software).toMatchObject({
            profiles: { "cms-coffea": o.notebook, "opendata-default": o.notebook },
            initSteps: { cms: [o.busybox], opendata: [o.busybox] },
            clusters: { cms: o.worker, opendata: o.worker },
        });
    });

    test("an image a part names itself wins over the facility's", async () => {
        const { containers, software } = await declared(facilityArgs({
            images: { registry: "registry.example.edu/hepaf", hub: "mirror.example.edu/hub:7", worker: "mirror.example.edu/worker:7", traefik: "mirror.example.edu/traefik:7" },
            hub: { ...hub, hubImage: "site/hub:1", proxyImage: "site/chp:1" },
            traefik: { crds: { source: "none" }, image: "site/traefik:1" },
            htcondor: { pools: { local: { mode: "in-cluster", images: { cm: "site/cm:1" }, tokenInitImage: "site/busybox:1" } } },
            daskAccess: { image: "site/access:1" },
            groups: [
                { name: "cms", profiles: [{ name: "coffea", image: "site/coffea:1" }, { name: "plain" }], htcondor: { pool: "local" }, gateway: { image: "site/gateway:1", cluster: { image: "site/cluster:1" } } },
                { name: "opendata", htcondor: { pool: "local" }, gateway: { options: { images: { choices: ["site/od:1", "site/od:2"] } } } },
            ],
        }));
        expect(containers).toMatchObject({
            "af/af-hub/hub": "site/hub:1",
            "af/af-proxy/chp": "site/chp:1",
            "af/af-edge/traefik": "site/traefik:1",
            "af/af-dask-access/dask-access": "site/access:1",
            "af/af-local-cm/cm": "site/cm:1",
            "af/af-local-submit/submit": UPSTREAM_IMAGES.htcondorSubmit,
            "af-cms/dask-gateway-api/api": "site/gateway:1",
            "af-opendata/dask-gateway-api/api": UPSTREAM_IMAGES.gatewayServer,
        });
        expect(software).toMatchObject({
            profiles: { "cms-coffea": "site/coffea:1", "cms-plain": builtImage("notebook", "registry.example.edu/hepaf"), "opendata-default": builtImage("notebook", "registry.example.edu/hepaf") },
            initSteps: { cms: ["site/busybox:1"], opendata: ["site/busybox:1"] },
            // The images a gateway offers decide its default, not the facility's worker image.
            clusters: { cms: "site/cluster:1", opendata: "site/od:1" },
        });
    });

    test("a group's container-universe batch workers without an image of their own run the facility's worker image", async () => {
        /** The job description each group's sessions submit (the jobqueue settings in its pool's client ConfigMap). */
        const jobs = async (over: Partial<AnalysisFacilityArgs>) => {
            mocks.reset();
            new AnalysisFacility("af", facilityArgs(over));
            await settled();
            const cms = k8sObjects(mocks.resources).find((o) => o.kind === "ConfigMap" && o.metadata.namespace === "af-cms" && o.metadata.name === "htcondor-af-local-client") as any;
            const od = k8sObjects(mocks.resources).find((o) => o.kind === "ConfigMap" && o.metadata.namespace === "af-opendata" && o.metadata.name === "htcondor-af-local-client") as any;
            const directives = (cm: any) => parse(cm.data["jobqueue.yaml"]).jobqueue.htcondor["job-extra-directives"];
            return { cms: directives(cms), opendata: directives(od) };
        };
        const groups = (worker: object): AnalysisFacilityArgs["groups"] => [
            { name: "cms", htcondor: { pool: "local", worker } },
            { name: "opendata", htcondor: { pool: "local" } },
        ];
        const byDefault = await jobs({ groups: groups({ universe: "container" }) });
        expect(byDefault.cms).toMatchObject({ universe: "container", container_image: builtImage("worker"), ...containerPortDirectives() });
        // A group that says nothing stays in the vanilla universe.
        expect(byDefault.opendata).not.toHaveProperty("universe");
        expect(byDefault.opendata).not.toHaveProperty("container_image");
        // A site's registry moves it with the other built images; an override of the role wins.
        const site = builtImage("worker", "registry.example.edu/hepaf");
        expect((await jobs({ images: { registry: "registry.example.edu/hepaf" }, groups: groups({ universe: "container" }) })).cms).toMatchObject({ universe: "container", container_image: site });
        expect((await jobs({ images: { registry: "registry.example.edu/hepaf", worker: "mirror.example.edu/worker:7" }, groups: groups({ universe: "container", network: "host" }) })).cms)
            .toMatchObject({ universe: "container", container_image: "mirror.example.edu/worker:7", docker_network_type: "host" });
        // The group's own image wins over the facility's.
        expect((await jobs({ images: { registry: "registry.example.edu/hepaf" }, groups: groups({ image: "site/coffea:1" }) })).cms).toMatchObject({ universe: "container", container_image: "site/coffea:1" });
    });

    test("a vanilla worker with an image or a network is refused naming the group's worker, and nothing is declared", async () => {
        mocks.reset();
        const one = (worker: object) => errorOf(() => new AnalysisFacility("af", facilityArgs({ groups: [{ name: "cms", htcondor: { pool: "local", worker } }] })));
        expect(one({ universe: "vanilla", image: "site/coffea:1" })).toBe(
            'af-local.groups[0].worker.image: applies to container-universe workers only: with universe "vanilla" the job runs on the batch node\'s own Python; leave image out, or use universe "container"');
        expect(one({ universe: "vanilla", network: "bridge" })).toMatch(/^af-local\.groups\[0\]\.worker\.network: applies to container-universe workers only: give the worker universe "container" or an image/);
        expect(one({ universe: "singularity" })).toBe('af-local.groups[0].worker.universe: "singularity" is not valid; use one of "vanilla", "container"');
        await settled();
        expect(mocks.resources).toHaveLength(0);
    });

    test("a part's own version tags its pinned image, unless the facility overrides that role", async () => {
        const versioned = await declared(facilityArgs({
            traefik: { crds: { source: "none" }, version: "v3.6.13" },
            htcondor: { pools: { local: { mode: "in-cluster", imageTag: "25.0.2-el9" } } },
            groups: [{ name: "cms", htcondor: { pool: "local" }, gateway: { version: "2026.4.0" } }],
        }));
        expect(versioned.containers["af/af-edge/traefik"]).toBe(withTag(UPSTREAM_IMAGES.traefik, "v3.6.13"));
        expect(versioned.containers["af/af-local-cm/cm"]).toBe(withTag(UPSTREAM_IMAGES.htcondorCm, "25.0.2-el9"));
        expect(versioned.containers["af-cms/dask-gateway-api/api"]).toBe(withTag(UPSTREAM_IMAGES.gatewayServer, "2026.4.0"));
        const overridden = await declared(facilityArgs({
            images: { traefik: "mirror.example.edu/traefik:7", gatewayServer: "mirror.example.edu/dgs:7" },
            traefik: { crds: { source: "none" }, version: "v3.6.13" },
            groups: [{ name: "cms", gateway: { version: "2026.4.0" } }],
        }));
        expect(overridden.containers["af/af-edge/traefik"]).toBe("mirror.example.edu/traefik:7");
        expect(overridden.containers["af-cms/dask-gateway-api/api"]).toBe("mirror.example.edu/dgs:7");
    });

    test("a malformed reference anywhere is refused naming the argument, and nothing is declared", async () => {
        mocks.reset();
        const one = (over: Partial<AnalysisFacilityArgs>) => errorOf(() => new AnalysisFacility("af", facilityArgs(over)));
        expect(one({ images: { notebook: "ghcr.io/hepaf/Notebook:0.1.0" } })).toMatch(/^images\.notebook: "ghcr\.io\/hepaf\/Notebook:0\.1\.0" is not valid: use an image reference/);
        expect(one({ images: { registry: "https://registry.example.edu" } })).toMatch(/^images\.registry: "https:\/\/registry\.example\.edu" is not valid/);
        expect(one({ images: { htcondorCm: `cm@sha256:${"0".repeat(63)}` } })).toMatch(/^images\.htcondorCm: .* is not valid/);
        expect(one({ images: { workers: "x" } as any })).toMatch(/^images\.workers: is not an image role; use one of/);
        expect(one({ groups: [{ name: "cms", profiles: [{ name: "a", image: "a b" }] }] })).toMatch(/^af\.groups\[0\]\.profiles\[0\]\.image: "a b" is not valid: use an image reference/);
        expect(one({ groups: [{ name: "cms", gateway: { cluster: { image: "X/y" } } }] })).toMatch(/^groups\[0\]\.cluster\.image: "X\/y" is not valid/);
        expect(one({ traefik: { crds: { source: "none" }, image: "traefik:" } })).toMatch(/^af-edge\.image: "traefik:" is not valid/);
        expect(one({ hub: { ...hub, hubImage: "hub::1" } })).toMatch(/^af\.hubImage: "hub::1" is not valid/);
        await settled();
        expect(mocks.resources).toHaveLength(0);
    });
});

describe("stack config hepaf:images", () => {
    const base = { domain: "af.example.org", hub, groups: [{ name: "cms" }] };

    test("becomes the facility's images; the example site takes its built images from its mirror", () => {
        expect(toProgramConfig(base).facility.images).toBeUndefined();
        expect(toProgramConfig({ ...base, images: { registry: "registry.example.edu/hepaf", busybox: "mirror.example.edu/busybox:1" } }).facility.images)
            .toEqual({ registry: "registry.example.edu/hepaf", busybox: "mirror.example.edu/busybox:1" });
        const example = toProgramConfig(rawStackConfig(asPulumiConfig(readStackFile("example-university"))));
        expect(resolveImages(example.facility.images).notebook).toBe(`registry.example.edu/hepaf/notebook:${HEPAF_VERSION}`);
        // Its profiles name no image: they get the notebook image.
        expect(example.facility.groups.flatMap((g) => g.profiles ?? []).map((p) => p.image)).toEqual([undefined]);
    });

    test.each<[object, string]>([
        [{ images: { hub: "Hub:1" } }, 'hepaf:images.hub: "Hub:1" is not valid: use an image reference [domain/]path[:tag][@sha256:<64 hex digits>]'],
        [{ images: { registry: "registry.example.edu/hepaf:1" } }, 'hepaf:images.registry: "registry.example.edu/hepaf:1" is not valid: use a registry and path prefix'],
        [{ images: { notebok: "x/y:1" } }, 'hepaf:images.notebok is not a known setting; did you mean "notebook"?'],
        [{ images: { worker: "" } }, 'hepaf:images.worker must be an image reference such as "registry.example.edu/hepaf/notebook:0.1.0", got ""'],
        [{ images: "ghcr.io/hepaf" }, "hepaf:images must be a mapping"],
        [{ groups: [{ name: "cms", profiles: [{ name: "a", image: "A" }] }] }, 'hepaf:groups[0].profiles[0].image: "A" is not valid: use an image reference'],
        [{ hub: { ...hub, image: "x/hub:1" }, images: { hub: "y/hub:1" } }, "hepaf:hub.image and hepaf:images.hub both name the hub's image: keep one"],
    ])("%o is refused naming the key, before anything is declared", async (over, message) => {
        mocks.reset();
        expect(errorOf(() => toProgramConfig({ ...base, ...over }))).toContain(message);
        await settled();
        expect(mocks.resources).toHaveLength(0);
    });
});

describe("one fact in one place", () => {
    /** Every file under `dir`, as paths relative to the repository. */
    function files(dir: string): string[] {
        return fs.readdirSync(path.join(root, dir), { withFileTypes: true }).flatMap((e) =>
            e.isDirectory() ? files(path.join(dir, e.name)) : [path.join(dir, e.name)],
        );
    }
    const IMAGE_LITERAL = /\b(docker\.io|quay\.io|ghcr\.io|gcr\.io|registry\.k8s\.io|registry\.hub\.docker\.com|public\.ecr\.aws)\//;

    test("no file of components/ but components/images names an image registry", () => {
        const all = files("components");
        expect(all.length).toBeGreaterThan(50);
        expect(all.filter((f) => f.startsWith(path.join("components", "images"))).some((f) => IMAGE_LITERAL.test(fs.readFileSync(path.join(root, f), "utf8")))).toBe(true);
        const offending = all
            .filter((f) => !f.startsWith(path.join("components", "images") + path.sep))
            .flatMap((f) => fs.readFileSync(path.join(root, f), "utf8").split("\n").map((line, i) => [f, i + 1, line] as const))
            .filter(([, , line]) => IMAGE_LITERAL.test(line))
            .map(([f, n, line]) => `${f}:${n}: ${line.trim()}`);
        expect(offending).toEqual([]);
    });

    test("dask-sessions imports nothing of jupyterhub (imports run one way: jupyterhub may import dask-sessions)", () => {
        const sources = files(path.join("components", "dask-sessions")).filter((f) => f.endsWith(".ts"));
        expect(sources.length).toBeGreaterThan(5);
        const imports = sources.flatMap((f) =>
            [...fs.readFileSync(path.join(root, f), "utf8").matchAll(/(?:\bfrom\s+|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm)].map((m) => [f, m[1]] as const),
        );
        expect(imports.length).toBeGreaterThan(10);
        expect(imports.filter(([, spec]) => /(^|\/)jupyterhub(\/|$)/.test(spec))).toEqual([]);
        // And the other way round is what the hub does: it imports dask-sessions.
        const hubImports = files(path.join("components", "jupyterhub")).filter((f) => f.endsWith(".ts")).map((f) => fs.readFileSync(path.join(root, f), "utf8"));
        expect(hubImports.some((text) => /from "\.\.\/dask-sessions"/.test(text))).toBe(true);
    });
});
