/**
 * The real dask-gateway-server 2026.3.0 loads the gateway config the DaskGateway component ships
 * (components/dask-gateway/dask_gateway_config.py) with values rendered by the same pure
 * renderer the component uses, exactly as the API server and controller containers do.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { CrdValidator, traefikCrds } from "../helpers/k8s-schema";
import { DaskGatewayArgs, gatewayConfigPath, planGateway, renderGatewayValues, serializeGatewayValues } from "../../components/dask-gateway";

const root = path.join(__dirname, "..", "..");
const python = execFileSync("bash", [path.join(root, "scripts", "python-env.sh")], { encoding: "utf8" }).trim();
const driver = path.join(root, "test", "python", "check_gateway_config.py");
const GiB = 2 ** 30;

const args: DaskGatewayArgs = {
    facility: "af",
    group: "cms",
    domain: "af.example.edu",
    hub: { serviceName: "dask-gateway-cms", apiToken: "unused-here", hubApiUrl: "http://hub.af.svc.cluster.local:8081/hub/api" },
    traefik: { namespace: "af", entrypoints: { web: "web", websecure: "websecure", dask: "dask" }, routeLabels: { "hepaf.io/traefik": "edge" }, daskPort: 8786 },
    cluster: {
        image: "example/coffea:2026.10",
        worker: { cores: 2, memoryGiB: 4, memoryLimitGiB: 6 },
        scheduler: { cores: 1, memoryGiB: 2 },
        environment: { XRD_RUNFORKHANDLER: "1" },
        workerExtraPodConfig: { nodeSelector: { "hepaf.io/pool": "dask" } },
    },
    limits: { maxWorkers: 200, maxCores: 400, maxMemoryGiB: 1600, idleTimeoutMinutes: 30 },
    options: {
        workerCores: { min: 1, max: 4, default: 2 },
        workerMemoryGiB: { min: 2, max: 16, default: 4 },
        images: { choices: ["example/coffea:2026.10", "example/coffea:2026.4"] },
    },
};

function run(request: object = {}): any {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-gateway-"));
    try {
        // What the ConfigMap and the Secret carry.
        const plan = planGateway("cms", args);
        const values = renderGatewayValues(plan, {
            hubApiUrl: "http://hub.af.svc.cluster.local:8081/hub/api",
            entrypoints: args.traefik.entrypoints,
            routeLabels: args.traefik.routeLabels,
            cluster: args.cluster,
        });
        fs.writeFileSync(path.join(dir, "values.json"), serializeGatewayValues(values));
        fs.copyFileSync(gatewayConfigPath(), path.join(dir, "dask_gateway_config.py"));
        fs.writeFileSync(path.join(dir, "secret.env"), "JUPYTERHUB_API_TOKEN=0123456789abcdef0123456789abcdef\n", { mode: 0o600 });
        const secretEnv = Object.fromEntries(
            fs.readFileSync(path.join(dir, "secret.env"), "utf8").trim().split("\n").map((l) => l.split("=", 2) as [string, string]),
        );
        // values.json next to the config file is found without HEPAF_GATEWAY_VALUES; the pods set it explicitly.
        const env = { PATH: process.env.PATH ?? "", HOME: process.env.HOME ?? "", ...secretEnv, HEPAF_GATEWAY_VALUES: path.join(dir, "values.json") };
        const out = execFileSync(python, [driver, path.join(dir, "dask_gateway_config.py"), JSON.stringify(request)], { encoding: "utf8", env, cwd: dir, stdio: ["ignore", "pipe", "pipe"] });
        return JSON.parse(out);
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

describe("dask-gateway-server 2026.3.0 loads the gateway config", () => {
    const r = run();

    test("the API server uses KubeBackend and JupyterHubAuthenticator for this group's hub service", () => {
        expect(r.app).toEqual({
            address: ":8000",
            backend: "dask_gateway_server.backends.kubernetes.backend.KubeBackend",
            authenticator: "dask_gateway_server.auth.JupyterHubAuthenticator",
        });
        expect(r.auth).toEqual({
            jupyterhub_api_url: "http://hub.af.svc.cluster.local:8081/hub/api",
            jupyterhub_service_name: "dask-gateway-cms",
            use_service_access_scopes: true,
            token_length: 32,
        });
        expect(r.backend.gateway_instance).toBe("af-cms");
        expect(r.backend.label_selector).toBe("gateway.dask.org/instance=af-cms");
        expect(r.backend.api_url).toBe("http://dask-gateway-api.af-cms.svc.cluster.local:8000/api");
    });

    test("cluster sizes, limits and idle timeout are effective", () => {
        expect(r.cluster).toEqual({
            namespace: "af-cms",
            image: "example/coffea:2026.10",
            scheduler_cores: 1,
            scheduler_memory: 2 * GiB,
            worker_cores: 2,
            worker_cores_limit: 2,
            worker_memory: 4 * GiB,
            worker_memory_limit: 6 * GiB,
            environment: { XRD_RUNFORKHANDLER: "1" },
            idle_timeout: 1800,
            cluster_max_cores: 400,
            cluster_max_memory: 1600 * GiB,
            // dask-gateway caps workers by the core limit too: (400 - 1 scheduler core) // 2 cores = 199.
            cluster_max_workers: 199,
            worker_extra_pod_config: { nodeSelector: { "hepaf.io/pool": "dask" } },
            // distributed's CLI (current distributed has no dask-scheduler/dask-worker scripts).
            scheduler_cmd: ["dask", "scheduler"],
            worker_cmd: ["dask", "worker"],
        });
    });

    test("a group member is offered the configured options; an outsider is refused", () => {
        expect(r.options.member.spec).toEqual([
            { field: "worker_cores", label: "Worker cores", default: 2, spec: { type: "int", min: 1, max: 4 } },
            { field: "worker_memory", label: "Worker memory (GiB)", default: 4, spec: { type: "float", min: 2, max: 16 } },
            { field: "image", label: "Image", default: "example/coffea:2026.10", spec: { type: "select", options: ["example/coffea:2026.10", "example/coffea:2026.4"] } },
        ]);
        expect(r.options.member.config).toEqual({
            image: "example/coffea:2026.10", worker_cores: 2, worker_cores_limit: 2, worker_memory: 4 * GiB, worker_memory_limit: 4 * GiB,
        });
        expect(r.options.outsider.error).toMatch(/HTTPForbidden: .*mallory.*not a member of group 'cms'/);
    });

    test("chosen options become the cluster's config; out-of-range choices are refused", () => {
        const chosen = run({ worker_cores: 4, worker_memory: 8, image: "example/coffea:2026.4" });
        expect(chosen.options.member.config).toEqual({
            image: "example/coffea:2026.4", worker_cores: 4, worker_cores_limit: 4, worker_memory: 8 * GiB, worker_memory_limit: 8 * GiB,
        });
        expect(run({ worker_cores: 9 }).options.member.configError).toMatch(/worker_cores.*4/);
        expect(run({ image: "evil/miner:1" }).options.member.configError).toMatch(/image/);
    });

    test("the controller's routes land on the shared Traefik: its entrypoints, its labels, the SNI the client sends", () => {
        expect(r.controller).toMatchObject({
            address: ":8000",
            gateway_instance: "af-cms",
            label_selector: "gateway.dask.org/instance=af-cms",
            api_url: "http://dask-gateway-api.af-cms.svc.cluster.local:8000/api",
            proxy_prefix: "/services/dask-gateway-cms",
            proxy_web_entrypoint: "websecure",
            proxy_tcp_entrypoint: "dask",
            proxy_web_middlewares: [{ name: "dask-gateway-clusters-prefix", namespace: "af-cms" }],
        });
        const tcp = r.controller.ingressroutetcp;
        expect(tcp.spec.entryPoints).toEqual(["dask"]);
        expect(tcp.spec.routes[0].match).toBe("HostSNI(`daskgateway-af-cms.abc123`)");
        expect(tcp.spec.tls).toEqual({ passthrough: true });
        expect(tcp.metadata.labels).toMatchObject({ "hepaf.io/traefik": "edge", "gateway.dask.org/instance": "af-cms", "hepaf.io/group": "cms" });
        const web = r.controller.ingressroute;
        expect(web.spec.entryPoints).toEqual(["websecure"]);
        expect(web.spec.routes[0].match).toBe("PathPrefix(`/services/dask-gateway-cms/clusters/af-cms.abc123/`)");
        expect(web.metadata.labels["hepaf.io/traefik"]).toBe("edge");
        // What the controller would create validates against the official Traefik CRDs.
        const crds = new CrdValidator(traefikCrds());
        crds.validate({ ...tcp, metadata: { ...tcp.metadata, namespace: "af-cms" } });
        crds.validate({ ...web, metadata: { ...web.metadata, namespace: "af-cms" } });
        // And a worker pod as the controller builds it: sizes, extra pod config, instance labels.
        const pod = r.controller.worker_pod;
        expect(pod.spec.containers[0].resources).toEqual({ requests: { cpu: "2.000", memory: String(4 * GiB) }, limits: { cpu: "2.000", memory: String(6 * GiB) } });
        expect(pod.spec.nodeSelector).toEqual({ "hepaf.io/pool": "dask" });
        expect(pod.metadata.labels["gateway.dask.org/instance"]).toBe("af-cms");
    });
});
