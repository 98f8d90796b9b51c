import * as crypto from "crypto";
import { parse } from "yaml";
import { errorOf, isSecretValue, Recorded, setupMocks, settled, valueOf } from "../helpers/pulumi";
import { CrdValidator, k8sObjects, K8sObject, traefikCrds, validateAll } from "../helpers/k8s-schema";

const mocks = setupMocks();
import { builtImage, DASK_VERSIONS } from "../../components/images";
import {
    UPSTREAM_IMAGES, condorEnvironment, containerPortDirectives, DEFAULT_WORKER_IMAGE, HTCondorPool, HTCondorPoolArgs, htcondorPaths, jobqueueSettings, jwtKey, mintToken, planPool,
    renderCondorConfig,
} from "../../components";

const crds = new CrdValidator(traefikCrds());
beforeEach(() => mocks.reset());

const keyFile = crypto.randomBytes(64);
const signingKey = keyFile.toString("base64");
const find = (objs: K8sObject[], kind: string, name?: string) => objs.filter((o) => o.kind === kind && (name === undefined || o.metadata.name === name));

function external(over: Partial<HTCondorPoolArgs> = {}): HTCondorPoolArgs {
    return {
        mode: "external",
        facility: "af",
        collector: "cm.example.edu",
        schedd: { host: "ap.example.edu", name: "ap1@ap.example.edu" },
        trustDomain: "example.edu",
        tokens: { source: "mint", signingKey, issuedAt: 1_800_000_000, lifetimeDays: 30 },
        groups: [
            { name: "cms", accountingGroup: "group_cms", worker: { cores: 2, memoryMiB: 8192, image: "example/coffea:2026.10" } },
            { name: "atlas", accountingGroup: "group_atlas" },
        ],
        requireAccountingGroup: true,
        ...over,
    } as HTCondorPoolArgs;
}

function decode(token: string): { header: any; payload: any } {
    const [h, p] = token.split(".");
    return { header: JSON.parse(Buffer.from(h, "base64url").toString()), payload: JSON.parse(Buffer.from(p, "base64url").toString()) };
}

/** Every token of every Secret must never appear in any ConfigMap (inputs raw or unwrapped). */
function expectNoTokenInConfigMaps(resources: Recorded[], tokens: string[]): void {
    const configMaps = resources.filter((r) => r.type === "kubernetes:core/v1:ConfigMap");
    expect(configMaps.length).toBeGreaterThan(0);
    for (const cm of configMaps) {
        const text = JSON.stringify(cm.inputs) + JSON.stringify(cm.rawInputs);
        for (const t of tokens) {
            expect(text).not.toContain(t);
            expect(text).not.toContain(t.split(".")[2]);
        }
        expect(text).not.toMatch(/eyJ[A-Za-z0-9_-]+\.eyJ/); // no JWT at all
        expect(text).not.toContain(signingKey);
    }
}

describe("HTCondorPool, external, minted tokens", () => {
    test("declares per group a client ConfigMap and a token Secret that validate", async () => {
        const pool = new HTCondorPool("campus", external());
        await settled();
        const objs = k8sObjects(mocks.resources);
        validateAll(objs, crds);
        expect(find(objs, "Deployment")).toHaveLength(0);
        expect(find(objs, "ConfigMap").map((c) => `${c.metadata.namespace}/${c.metadata.name}`).sort()).toEqual([
            "af-atlas/htcondor-campus-client", "af-cms/htcondor-campus-client",
        ]);

        const cm = find(objs, "ConfigMap").find((c) => c.metadata.namespace === "af-cms")! as any;
        const config: string = cm.data.condor_config;
        expect(config).toContain("CONDOR_HOST = cm.example.edu\n");
        expect(config).toContain("SCHEDD_HOST = ap1@ap.example.edu\n");
        expect(config).toContain("SEC_DEFAULT_AUTHENTICATION_METHODS = IDTOKENS\n");
        expect(config).toContain(`SEC_TOKEN_DIRECTORY = ${htcondorPaths.TOKENS_DIR}\n`);
        expect(config).toContain("TRUST_DOMAIN = example.edu\n");
        expect(config).toContain("UID_DOMAIN = example.edu\n");

        const jq = parse(cm.data["jobqueue.yaml"]).jobqueue.htcondor;
        expect(jq.cores).toBe(2);
        expect(jq.memory).toBe("8192MiB");
        expect(jq["submit-command-extra"]).toEqual(["-name", "ap1@ap.example.edu", "-spool"]);
        expect(jq.processes).toBe(1);
        // A container-universe worker on bridge networking: the port mapping asked for, the launcher transferred and run.
        expect(jq["job-extra-directives"]).toMatchObject({
            accounting_group: "group_cms",
            universe: "container",
            container_image: "example/coffea:2026.10",
            container_service_names: "dask",
            dask_container_port: "8786",
            transfer_input_files: "/etc/hepaf/dask-tls/ca.crt,/etc/hepaf/dask-tls/tls.crt,/etc/hepaf/dask-tls/tls.key,/etc/hepaf/condor-job/hepaf_batch_worker.py",
        });
        expect(jq["worker-command"]).toBe("hepaf_batch_worker");
        expect(cm.data["hepaf_batch_worker.py"]).toMatch(/^"""Starts the Dask worker of an HTCondor job, once it has checked the worker has the facility's Dask/);
        expect(jq["scheduler-options"]).toEqual({ protocol: "tls", host: "0.0.0.0", port: 8786, dashboard_address: ":8787" });
        const tls = parse(cm.data["tls.yaml"]).distributed.comm;
        expect(tls["require-encryption"]).toBe(true);
        expect(tls.tls["ca-file"]).toBe("/etc/hepaf/dask-tls/ca.crt");

        // Tokens: in Secrets only, marked secret, verifiable with the derived key.
        const secrets = mocks.resources.filter((r) => r.type === "kubernetes:core/v1:Secret");
        expect(secrets.map((s) => `${s.inputs.metadata.namespace}/${s.inputs.metadata.name}`).sort()).toEqual([
            "af-atlas/htcondor-campus-token", "af-cms/htcondor-campus-token",
        ]);
        const tokens: string[] = [];
        for (const s of secrets) {
            expect(isSecretValue(s.rawInputs.stringData)).toBe(true);
            const token: string = s.inputs.stringData.campus;
            tokens.push(token);
            const { header, payload } = decode(token);
            const group = s.inputs.metadata.namespace.replace("af-", "");
            expect(header).toEqual({ alg: "HS256", typ: "JWT", kid: "POOL" });
            expect(payload).toMatchObject({ sub: `${group}@example.edu`, iss: "example.edu", iat: 1_800_000_000, exp: 1_800_000_000 + 30 * 86400, scope: "condor:/READ condor:/WRITE" });
            expect(payload.jti).toMatch(/^[0-9a-f]{32}$/);
            const [h, p, sig] = token.split(".");
            expect(crypto.createHmac("sha256", jwtKey(keyFile, "POOL")).update(`${h}.${p}`).digest("base64url")).toBe(sig);
        }
        expectNoTokenInConfigMaps(mocks.resources, tokens);

        // What the hub adds to a group's pods.
        const client = pool.clientConfigFor("cms");
        expect(client).toMatchObject({ namespace: "af-cms", configMapName: "htcondor-campus-client", tokenSecretName: "htcondor-campus-token" });
        expect(client.env).toEqual([
            { name: "CONDOR_CONFIG", value: "/etc/hepaf/condor/condor_config" },
            { name: "DASK_ROOT_CONFIG", value: "/etc/hepaf/dask" },
        ]);
        const init = client.initContainers[0] as any;
        expect(init.command.join(" ")).toContain("install -m 0600");
        // It runs as the notebook's user (KubeSpawner sets that on the notebook container only),
        // so the token copies are that user's and a root image is not refused for runAsNonRoot.
        expect(init.securityContext).toMatchObject({ runAsUser: 1000, runAsNonRoot: true, allowPrivilegeEscalation: false });
        expect((client.volumes as any[]).find((v) => v.name === "htcondor-tokens").emptyDir).toEqual({ medium: "Memory", sizeLimit: "1Mi" });
        // The pod parts validate as a pod.
        validateAll([{ apiVersion: "v1", kind: "Pod", metadata: { name: "p" }, spec: {
            initContainers: client.initContainers, volumes: client.volumes,
            containers: [{ name: "notebook", image: "example/coffea:2026.10", env: client.env, volumeMounts: client.volumeMounts }],
        } } as any], crds);
        expect(errorOf(() => pool.clientConfigFor("alice"))).toBe('group: pool "campus" has no group "alice"; groups: cms, atlas');
    });

    test("provided tokens go to Secrets as given", async () => {
        new HTCondorPool("campus", external({ tokens: { source: "provided" }, groups: [{ name: "cms", accountingGroup: "g", token: "eyJhbGc.eyJzdWIi.sig" }] } as any));
        await settled();
        const secret = mocks.resources.find((r) => r.type === "kubernetes:core/v1:Secret")!;
        expect(secret.inputs.stringData).toEqual({ campus: "eyJhbGc.eyJzdWIi.sig" });
        expect(isSecretValue(secret.rawInputs.stringData)).toBe(true);
        expectNoTokenInConfigMaps(mocks.resources, ["eyJhbGc.eyJzdWIi.sig"]);
    });

    test("remote tokens come from condor_token_create over SSH, secret and unlogged", async () => {
        new HTCondorPool("campus", external({ tokens: { source: "remote", connection: { host: "cm.example.edu", user: "condor" }, lifetimeDays: 7 } } as any));
        await settled();
        const cmds = mocks.resources.filter((r) => r.type === "command:remote:Command");
        expect(cmds).toHaveLength(2);
        expect(cmds[0].inputs.create).toBe("condor_token_create -identity cms@example.edu -key POOL -authz READ -authz WRITE -lifetime 604800");
        expect(cmds[0].inputs.logging).toBe("none");
    });
});

describe("HTCondorPool, in-cluster", () => {
    test("declares cm, submit and execute with a stable key, role tokens and Services", async () => {
        const pool = new HTCondorPool("local", {
            mode: "in-cluster", facility: "af", namespace: "af", issuedAt: 1_800_000_000,
            execute: { replicas: 2, cpus: 4, memoryMiB: 8192 }, groups: [{ name: "opendata" }],
        });
        await settled();
        const objs = k8sObjects(mocks.resources);
        validateAll(objs, crds);
        expect(pool.collector).toBe("local-cm.af.svc.cluster.local:9618");
        expect(pool.trustDomain).toBe("local-cm.af.svc.cluster.local");
        expect(find(objs, "Deployment").map((d) => d.metadata.name).sort()).toEqual(["local-cm", "local-execute", "local-submit"]);
        const image = (n: string) => (find(objs, "Deployment", n)[0] as any).spec.template.spec.containers[0].image;
        expect(image("local-cm")).toBe(UPSTREAM_IMAGES.htcondorCm);
        expect(image("local-execute")).toBe(UPSTREAM_IMAGES.htcondorExecute);
        const execute = find(objs, "Deployment", "local-execute")[0] as any;
        expect(execute.spec.replicas).toBe(2);
        // The daemons call no Kubernetes API: no token is mounted in their pods.
        for (const d of find(objs, "Deployment") as any[]) expect(d.spec.template.spec.automountServiceAccountToken).toBe(false);
        expect(execute.spec.template.spec.containers[0].env).toEqual(expect.arrayContaining([{ name: "NUM_CPUS", value: "4" }, { name: "MEMORY", value: "8192" }]));
        expect(find(objs, "Service").map((s: any) => [s.metadata.name, s.spec.ports[0].port])).toEqual([["local-cm", 9618], ["local-submit", 9618]]);
        expect(mocks.resources.filter((r) => r.type === "random:index/randomBytes:RandomBytes")).toHaveLength(1);

        const key = mocks.resources.find((r) => r.inputs?.metadata?.name === "local-signing-key")!;
        expect(isSecretValue(key.rawInputs.data)).toBe(true);
        const keyBytes = Buffer.from(key.inputs.data.POOL, "base64");
        const tokenOf = (secret: string) => Object.values(mocks.resources.find((r) => r.inputs?.metadata?.name === secret)!.inputs.stringData)[0] as string;
        const scopes = (t: string) => decode(t).payload.scope;
        expect(scopes(tokenOf("local-execute-token"))).toBe("condor:/READ condor:/ADVERTISE_MASTER condor:/ADVERTISE_STARTD condor:/DAEMON");
        expect(scopes(tokenOf("local-submit-token"))).toBe("condor:/READ condor:/ADVERTISE_MASTER condor:/ADVERTISE_SCHEDD condor:/DAEMON");
        const group = tokenOf("htcondor-local-token");
        expect(decode(group).payload).toMatchObject({ sub: "opendata@local-cm.af.svc.cluster.local", scope: "condor:/READ condor:/WRITE" });
        const [h, p, sig] = group.split(".");
        expect(crypto.createHmac("sha256", jwtKey(keyBytes, "POOL")).update(`${h}.${p}`).digest("base64url")).toBe(sig);
        expectNoTokenInConfigMaps(mocks.resources, [group, tokenOf("local-execute-token"), tokenOf("local-submit-token")]);
        const cfg = (find(objs, "ConfigMap", "local-config")[0] as any).data;
        expect(cfg["submit.conf"]).toContain("SCHEDD_NAME = ap@local\n");
        expect(parse((find(objs, "ConfigMap", "htcondor-local-client")[0] as any).data["jobqueue.yaml"]).jobqueue.htcondor["submit-command-extra"]).toEqual(["-name", "ap@local", "-spool"]);
    });
});

describe("bad input fails before any resource, naming the argument", () => {
    const cases: [string, () => unknown, string][] = [
        ["trust domain not a host name", () => new HTCondorPool("p", external({ trustDomain: "not a domain!" } as any)),
            'p.trustDomain: "not a domain!" is not a valid trust domain: use a DNS host name such as "example.edu"'],
        ["signing key missing when minting", () => new HTCondorPool("p", external({ tokens: { source: "mint" } } as any)),
            "p.tokens.signingKey: minting tokens needs the pool's signing key (base64 of the key file, as a Pulumi secret)"],
        ["group without accounting group", () => new HTCondorPool("p", external({ groups: [{ name: "cms", accountingGroup: "group_cms" }, { name: "atlas" }] } as any)),
            'p.groups[1].accountingGroup: pool "p" requires an accounting group (requireAccountingGroup); give group "atlas" one, e.g. "group_atlas"'],
        ["unknown mode", () => new HTCondorPool("p", { ...external(), mode: "cloud" } as any),
            'p.mode: "cloud" is not valid; use one of "external", "in-cluster"'],
        ["provided token missing", () => new HTCondorPool("p", external({ tokens: { source: "provided" } } as any)),
            'p.groups[0].token: tokens are "provided": give group "cms"\'s IDTOKEN as a Pulumi secret'],
        ["network for a vanilla worker", () => new HTCondorPool("p", external({ groups: [{ name: "cms", accountingGroup: "g", worker: { network: "bridge" } }] } as any)),
            "p.groups[0].worker.network: applies to container-universe workers only: give the worker universe \"container\" or an image, or leave network out (vanilla jobs use the node's own address)"],
        ["network for an explicitly vanilla worker", () => new HTCondorPool("p", external({ groups: [{ name: "cms", accountingGroup: "g", worker: { universe: "vanilla", network: "host" } }] })),
            "p.groups[0].worker.network: applies to container-universe workers only: give the worker universe \"container\" or an image, or leave network out (vanilla jobs use the node's own address)"],
        ["an image for a vanilla worker", () => new HTCondorPool("p", external({ groups: [{ name: "cms", accountingGroup: "g", worker: { universe: "vanilla", image: "x/y:1" } }] })),
            'p.groups[0].worker.image: applies to container-universe workers only: with universe "vanilla" the job runs on the batch node\'s own Python; leave image out, or use universe "container"'],
        ["unknown universe", () => new HTCondorPool("p", external({ groups: [{ name: "cms", accountingGroup: "g", worker: { universe: "docker" } }] } as any)),
            'p.groups[0].worker.universe: "docker" is not valid; use one of "vanilla", "container"'],
        ["a malformed worker image of the pool", () => new HTCondorPool("p", external({ workerImage: "Registry.example.edu/Worker" })),
            'p.workerImage: "Registry.example.edu/Worker" is not valid: use an image reference [domain/]path[:tag][@sha256:<64 hex digits>]: path components of lower-case letters and digits joined by \'.\', \'_\', \'__\' or \'-\', ' +
            'a tag of letters, digits, \'_\', \'.\' and \'-\' (at most 128, not starting with \'.\' or \'-\'), e.g. "registry.example.edu/hepaf/notebook:0.1.0"'],
        ["unknown network", () => new HTCondorPool("p", external({ groups: [{ name: "cms", accountingGroup: "g", worker: { image: "x/y:1", network: "overlay" } }] } as any)),
            'p.groups[0].worker.network: "overlay" is not valid; use one of "bridge", "host"'],
        ["execute replicas beyond bound", () => new HTCondorPool("p", { mode: "in-cluster", facility: "af", namespace: "af", groups: [{ name: "x" }], execute: { replicas: 9, maxReplicas: 4 } }),
            "p.execute.replicas: 9 is out of bounds: use an integer from 0 to maxReplicas (4)"],
    ];
    test.each(cases)("%s", async (_what, fn, message) => {
        expect(errorOf(fn)).toBe(message);
        await settled();
        expect(mocks.resources).toHaveLength(0);
    });
});

describe("jobqueue settings per universe: how the session reaches a worker, and the Dask it must have", () => {
    const settings = (worker: object) => jobqueueSettings(worker, { scheddName: "ap" }, "w");
    const inputs = "/etc/hepaf/dask-tls/ca.crt,/etc/hepaf/dask-tls/tls.crt,/etc/hepaf/dask-tls/tls.key,/etc/hepaf/condor-job/hepaf_batch_worker.py";
    /** The launcher's settings as HTCondor hands them to the job (the environment's one entry, "" a double quote). */
    const launcher = (s: ReturnType<typeof settings>) => {
        const m = /^"HEPAF_BATCH_WORKER=(\S+)"$/.exec(s["job-extra-directives"].environment);
        expect(m).not.toBeNull();
        return JSON.parse(m![1].replace(/""/g, '"'));
    };
    const environment = (advertise: string) => condorEnvironment({ HEPAF_BATCH_WORKER: JSON.stringify({ advertise, dask: DASK_VERSIONS }) });
    test("vanilla: the launcher checks the facility's Dask, then the worker advertises the node's own address; nothing mapped", () => {
        const s = settings({});
        expect(s["job-extra-directives"]).toEqual({
            should_transfer_files: "YES", when_to_transfer_output: "ON_EXIT_OR_EVICT", transfer_input_files: inputs, environment: environment("node"),
        });
        expect(launcher(s)).toEqual({ advertise: "node", dask: DASK_VERSIONS });
        expect(s["worker-command"]).toBe("hepaf_batch_worker");
        expect(s.processes).toBe(1);
    });
    test("container on bridge networking (the default): the port mapped, the launcher transferred and started with the mapped port", () => {
        const s = settings({ image: "example/coffea:1" });
        expect(s["job-extra-directives"]).toEqual({
            should_transfer_files: "YES", when_to_transfer_output: "ON_EXIT_OR_EVICT", transfer_input_files: inputs, environment: environment("mapped-port"),
            universe: "container", container_image: "example/coffea:1", container_service_names: "dask", dask_container_port: "8786",
        });
        expect(launcher(s)).toEqual({ advertise: "mapped-port", dask: DASK_VERSIONS });
        expect(s["worker-command"]).toBe("hepaf_batch_worker");
        expect(containerPortDirectives()).toEqual({ container_service_names: "dask", dask_container_port: "8786" });
    });
    test("container on host networking: the node's own address, no mapping", () => {
        const s = settings({ image: "example/coffea:1", network: "host" });
        expect(s["job-extra-directives"]).toEqual({
            should_transfer_files: "YES", when_to_transfer_output: "ON_EXIT_OR_EVICT", transfer_input_files: inputs, environment: environment("node"),
            universe: "container", container_image: "example/coffea:1", docker_network_type: "host",
        });
        expect(s["worker-command"]).toBe("hepaf_batch_worker");
    });
    test("another expected Dask is rendered as given; a bad one is refused naming the argument", () => {
        const other = { python: "3.13", packages: { ...DASK_VERSIONS.packages, distributed: "2026.3.0" } };
        expect(launcher(settings({ daskVersions: other })).dask).toEqual(other);
        expect(errorOf(() => settings({ daskVersions: { python: "3.11", packages: { dask: "2026.8.0" } } })))
            .toBe("w.daskVersions.packages.cloudpickle: is missing: give the version of each of cloudpickle, dask, distributed, msgpack, toolz, tornado");
    });
    test("the environment in HTCondor's new syntax: double quotes doubled, a value with a space or a single quote in single quotes", () => {
        expect(condorEnvironment({ A: '{"x":1}', B: "two words", C: "it's" })).toBe(`"A={""x"":1} B='two words' C='it''s'"`);
        expect(errorOf(() => condorEnvironment({ "A-B": "x" }))).toBe('environment: "A-B" is not an environment variable name');
        expect(errorOf(() => condorEnvironment({ A: "x\ny" }))).toBe("environment.A: a value cannot span lines in a submit description");
    });
    test("the universe by default: vanilla without an image, container with one; an explicit universe as given", () => {
        expect(settings({})["job-extra-directives"]).not.toHaveProperty("universe");
        expect(settings({ universe: "vanilla" })["job-extra-directives"]).toEqual(settings({})["job-extra-directives"]);
        expect(settings({ image: "example/coffea:1" })["job-extra-directives"]).toMatchObject({ universe: "container", container_image: "example/coffea:1" });
        expect(settings({ universe: "container", image: "example/coffea:1" })["job-extra-directives"]).toEqual(settings({ image: "example/coffea:1" })["job-extra-directives"]);
    });
    test("container universe without an image: the worker image of the catalogue, or the one given, on bridge networking by default", () => {
        const s = settings({ universe: "container" });
        expect(s["job-extra-directives"]).toEqual({
            should_transfer_files: "YES", when_to_transfer_output: "ON_EXIT_OR_EVICT", transfer_input_files: inputs, environment: environment("mapped-port"),
            universe: "container", container_image: builtImage("worker"), ...containerPortDirectives(),
        });
        expect(DEFAULT_WORKER_IMAGE).toBe(builtImage("worker"));
        const site = builtImage("worker", "registry.example.edu/hepaf");
        expect(jobqueueSettings({ universe: "container" }, { scheddName: "ap", workerImage: site }, "w")["job-extra-directives"]).toMatchObject({ container_image: site });
        // The worker's own image wins over the facility's.
        expect(jobqueueSettings({ universe: "container", image: "example/coffea:1" }, { scheddName: "ap", workerImage: site }, "w")["job-extra-directives"].container_image).toBe("example/coffea:1");
        // A vanilla worker ignores it.
        expect(jobqueueSettings({}, { scheddName: "ap", workerImage: site }, "w")["job-extra-directives"]).not.toHaveProperty("container_image");
        expect(settings({ universe: "container", network: "host" })["job-extra-directives"]).toMatchObject({
            universe: "container", container_image: builtImage("worker"), docker_network_type: "host",
        });
        expect(settings({ universe: "container", network: "host" })["job-extra-directives"]).not.toHaveProperty("container_service_names");
    });
    test("a pool's groups: container-universe workers without an image run its workerImage, else the catalogue's worker image", async () => {
        const site = builtImage("worker", "registry.example.edu/hepaf");
        const groups = [
            { name: "cms", accountingGroup: "group_cms", worker: { universe: "container" as const } },
            { name: "atlas", accountingGroup: "group_atlas" },
        ];
        const jobOf = (args: HTCondorPoolArgs, group: string) => planPool("p", args).groups.find((g) => g.name === group)!.jobqueue["job-extra-directives"];
        expect(jobOf(external({ groups }), "cms")).toMatchObject({ universe: "container", container_image: builtImage("worker"), ...containerPortDirectives() });
        expect(jobOf(external({ groups, workerImage: site }), "cms")).toMatchObject({ universe: "container", container_image: site });
        expect(jobOf(external({ groups, workerImage: site }), "atlas")).not.toHaveProperty("universe");
        // What the pool declares carries the same job.
        new HTCondorPool("campus", external({ groups, workerImage: site }));
        await settled();
        const cm = find(k8sObjects(mocks.resources), "ConfigMap").find((c) => c.metadata.namespace === "af-cms")! as any;
        expect(parse(cm.data["jobqueue.yaml"]).jobqueue.htcondor["job-extra-directives"]).toMatchObject({ universe: "container", container_image: site, ...containerPortDirectives() });
    });
    test("a container image as HTCondor takes it (docker:// or an Apptainer file); no image is no default image but the vanilla universe", () => {
        for (const image of ["docker://registry.example.edu/hepaf/worker:0.1.0", "worker.sif"]) {
            expect(settings({ image })["job-extra-directives"]).toMatchObject({ universe: "container", container_image: image });
        }
        expect(settings({})["job-extra-directives"]).not.toHaveProperty("universe");
        expect(settings({})["job-extra-directives"]).not.toHaveProperty("container_image");
    });
});

describe("condor_config serializer", () => {
    test("writes ordered knobs and refuses what the parser would misread", () => {
        expect(renderCondorConfig([["A", "x"], ["B", 3], ["C", true], ["D", ["a", "b"]], ["E", "$(A)/y"]], "cfg", ["hi"])).toBe(
            "# hi\nA = x\nB = 3\nC = true\nD = a, b\nE = $(A)/y\n",
        );
        expect(errorOf(() => renderCondorConfig([["BAD NAME", "x"]], "cfg"))).toBe('cfg.BAD NAME: "BAD NAME" is not a valid condor_config knob name (letters, digits, \'_\', \'.\')');
        expect(errorOf(() => renderCondorConfig([["A", "x\nB = y"]], "cfg"))).toBe("cfg.A: a condor_config value must be one line (no CR, LF or NUL)");
        expect(errorOf(() => renderCondorConfig([["A", "x\\"]], "cfg"))).toBe("cfg.A: a condor_config value must not end with '\\' (it would continue the line)");
        expect(errorOf(() => renderCondorConfig([["A", "1$"]], "cfg"))).toBe("cfg.A: '$' is only allowed in a macro reference $(NAME) or $ENV(NAME)");
        expect(errorOf(() => renderCondorConfig([["A", "1"], ["a", "2"]], "cfg"))).toBe('cfg.a: knob "a" is set twice');
    });
});

describe("IDTOKEN minting", () => {
    test("minting is deterministic for fixed claims", () => {
        const claims = { subject: "cms@example.edu", issuer: "example.edu", scopes: ["READ", "WRITE"] as const, id: "ab", issuedAt: 1 };
        expect(mintToken(keyFile, "POOL", claims)).toBe(mintToken(keyFile, "POOL", claims));
        expect(mintToken(keyFile, "POOL", claims)).not.toBe(mintToken(keyFile, "other", claims));
    });
});

void valueOf;
