/** Monitoring: who publishes metrics, who may scrape them, and how each mode finds them. */
import { parse } from "yaml";
import { errorOf, setupMocks, settled } from "../helpers/pulumi";
import { k8sObjects } from "../helpers/k8s-schema";
import { grantsByNamespace } from "../helpers/rbac";

const mocks = setupMocks();
import { AnalysisFacility, AnalysisFacilityArgs, durationSeconds, SCRAPE_JOBS, SCRAPE_LABEL } from "../../components";

beforeEach(() => mocks.reset());

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Obj = any;

const facility = (monitoring?: AnalysisFacilityArgs["monitoring"]) =>
    new AnalysisFacility("af", {
        domain: "af.example.org",
        hub: { login: { type: "dummy" }, allowDummy: true },
        htcondor: { pools: { campus: { mode: "external", collector: "cm.example.org", schedd: { host: "ap.example.org" }, trustDomain: "example.org", tokens: { source: "mint", signingKey: "c2lnbmluZy1rZXk=" } } } },
        groups: [{ name: "cms", htcondor: { pool: "campus" } }, { name: "opendata" }],
        traefik: { crds: { source: "none" } },
        ...(monitoring ? { monitoring } : {}),
    });

const objs = (): Obj[] => k8sObjects(mocks.resources);
const find = (kind: string, name: string, namespace?: string) =>
    objs().find((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
const policy = (name: string, namespace: string) => {
    const p = find("NetworkPolicy", name, namespace);
    if (!p) throw new Error(`no NetworkPolicy ${namespace}/${name}`);
    return p.spec;
};
/** The ports a NetworkPolicy opens to pods of `namespace` (a rule without `from` opens to everyone). */
const portsOpenTo = (spec: Obj, namespace: string): (number | "all")[] =>
    (spec.ingress ?? [])
        .filter((r: Obj) => r.from === undefined || r.from.some((f: Obj) => f.namespaceSelector?.matchLabels?.["kubernetes.io/metadata.name"] === namespace))
        .flatMap((r: Obj) => (r.ports ? r.ports.map((p: Obj) => p.port) : ["all"]));
const hubValues = () => JSON.parse(find("ConfigMap", "af-hub-config")!.data["values.json"]);
const hubSecrets = () => JSON.parse(find("Secret", "af-hub-secret")!.stringData["secrets.json"]);

describe("without a scraper (mode none, the default)", () => {
    test("Traefik's metrics have a ClusterIP Service of their own and the public Service does not carry them", async () => {
        facility();
        await settled();
        const metrics = find("Service", "af-edge-metrics", "af")!;
        expect(metrics.spec.type).toBe("ClusterIP");
        expect(metrics.metadata.labels[SCRAPE_LABEL]).toBe(SCRAPE_JOBS.traefik);
        expect(metrics.spec.ports).toEqual([{ name: "metrics", port: 9100, targetPort: "metrics", protocol: "TCP" }]);
        const edge = find("Service", "af-edge", "af")!;
        expect(edge.spec.ports.map((p: Obj) => p.name)).not.toContain("metrics");
    });

    test("no namespace may reach a metrics port: Traefik's policy opens its public entrypoints and ping only", async () => {
        facility();
        await settled();
        const traefik = policy("af-edge", "af");
        const everyone = traefik.ingress.filter((r: Obj) => r.from === undefined).flatMap((r: Obj) => r.ports.map((p: Obj) => p.port));
        expect(everyone.sort()).toEqual([8000, 8443, 8786, 9000]);
        expect(traefik.ingress).toHaveLength(1);
        expect(policy("af-hub", "af").ingress.some((r: Obj) => JSON.stringify(r).includes("af-monitoring"))).toBe(false);
    });

    test("/hub/metrics is closed at the front door: its route goes through an allow-list no client matches", async () => {
        facility();
        await settled();
        const route = find("IngressRoute", "af-hub", "af")!;
        const metrics = route.spec.routes.find((r: Obj) => /PathPrefix\(`\/hub\/metrics`\)/.test(r.match));
        expect(metrics.match).toBe("Host(`af.example.org`) && PathPrefix(`/hub/metrics`)");
        const mw = find("Middleware", metrics.middlewares[0].name, "af")!;
        expect(mw.spec).toEqual({ ipAllowList: { sourceRange: ["127.0.0.1/32", "::1/128"] } });
        expect(mw.metadata.labels["hepaf.io/traefik"]).toBe("af-edge");
    });

    test("nothing scrapes: no Prometheus, no ServiceMonitor, no exporter, no metrics token for the hub", async () => {
        facility();
        await settled();
        expect(objs().filter((o) => ["ServiceMonitor", "PrometheusRule"].includes(o.kind))).toHaveLength(0);
        expect(find("Deployment", "prometheus")).toBeUndefined();
        expect(find("Deployment", "hepaf-exporter")).toBeUndefined();
        expect(hubValues().services.map((s: Obj) => s.name)).not.toContain("hepaf-metrics");
    });
});

describe("mode prometheus: the facility's own Prometheus", () => {
    const config = (): Obj => parse(find("ConfigMap", "prometheus", "af-monitoring")!.data["prometheus.yml"]);

    test("one scrape job per part, each looking only at its namespaces, keeping the Service's scrape label, port and ready endpoints", async () => {
        facility({ mode: "prometheus" });
        await settled();
        const jobs = Object.fromEntries(config().scrape_configs.map((j: Obj) => [j.job_name, j]));
        expect(Object.keys(jobs).sort()).toEqual(["prometheus", ...Object.values(SCRAPE_JOBS)].sort());
        expect(jobs["hepaf-traefik"].kubernetes_sd_configs).toEqual([{ role: "endpointslice", namespaces: { names: ["af"] } }]);
        expect(jobs["hepaf-session-scheduler"].kubernetes_sd_configs[0].namespaces.names).toEqual(["af-cms", "af-opendata"]);
        expect(jobs["hepaf-traefik"].relabel_configs.slice(0, 3)).toEqual([
            { source_labels: ["__meta_kubernetes_service_label_hepaf_io_scrape"], regex: "hepaf-traefik", action: "keep" },
            { source_labels: ["__meta_kubernetes_endpointslice_port_name"], regex: "metrics", action: "keep" },
            { source_labels: ["__meta_kubernetes_endpointslice_endpoint_conditions_ready"], regex: "true", action: "keep" },
        ]);
        expect(jobs["hepaf-gateway-scheduler"].relabel_configs[0]).toEqual({
            source_labels: ["__meta_kubernetes_service_label_app_kubernetes_io_component", "__meta_kubernetes_service_label_hepaf_io_facility"],
            regex: "dask-scheduler;af",
            action: "keep",
        });
        expect(jobs["hepaf-hub"].metrics_path).toBe("/hub/metrics");
        // Every sample says which facility it is from; schedulers (users' code beside them) are bounded.
        expect(jobs["hepaf-hub"].relabel_configs).toContainEqual({ target_label: "facility", replacement: "af" });
        expect(jobs["hepaf-session-scheduler"]).toMatchObject({ sample_limit: 20000, label_limit: 30 });
        expect(jobs["hepaf-hub"].sample_limit).toBeUndefined();
        expect(config().rule_files).toEqual(["/etc/prometheus/facility.rules.yaml"]);
    });

    test("every Service the facility declares with a scrape label is found by its job, on a port of the named kind", async () => {
        facility({ mode: "prometheus" });
        await settled();
        const jobs = Object.fromEntries(config().scrape_configs.map((j: Obj) => [j.job_name, j]));
        const labelled = objs().filter((o) => o.kind === "Service" && o.metadata.labels?.[SCRAPE_LABEL]);
        expect(labelled.map((s) => s.metadata.labels[SCRAPE_LABEL]).sort()).toEqual([SCRAPE_JOBS.daskAccess, SCRAPE_JOBS.exporter, SCRAPE_JOBS.hub, SCRAPE_JOBS.traefik].sort());
        for (const svc of labelled) {
            const job = jobs[svc.metadata.labels[SCRAPE_LABEL]];
            expect(job.kubernetes_sd_configs[0].namespaces.names).toContain(svc.metadata.namespace);
            const portName = job.relabel_configs[1].regex;
            expect(svc.spec.ports.map((p: Obj) => p.name)).toContain(portName);
        }
        // Sessions' Services are made by the hub at spawn: it is told the label.
        expect(hubValues().daskSessions.serviceLabels).toEqual({ [SCRAPE_LABEL]: SCRAPE_JOBS.sessionScheduler });
    });

    test("the hub's metrics token: an API-only hub service holding read:metrics alone, mounted where the hub job reads it, in no ConfigMap", async () => {
        facility({ mode: "prometheus" });
        await settled();
        const service = hubValues().services.find((s: Obj) => s.name === "hepaf-metrics");
        expect(service).toMatchObject({ scopes: ["read:metrics"] });
        expect(service.url ?? null).toBeNull();
        const token = hubSecrets().serviceTokens["hepaf-metrics"];
        expect(token).toMatch(/^[A-Za-z0-9]{64}$/);
        const secret = find("Secret", "hepaf-hub-metrics-token", "af-monitoring")!;
        expect(secret.stringData.token).toBe(token);
        const job = config().scrape_configs.find((j: Obj) => j.job_name === "hepaf-hub");
        const pod = find("Deployment", "prometheus", "af-monitoring")!.spec.template.spec;
        const mount = pod.containers[0].volumeMounts.find((m: Obj) => m.name === "hub-token");
        expect(pod.volumes.find((v: Obj) => v.name === "hub-token").secret.secretName).toBe("hepaf-hub-metrics-token");
        expect(job.authorization).toEqual({ type: "Bearer", credentials_file: `${mount.mountPath}/token` });
        for (const cm of objs().filter((o) => o.kind === "ConfigMap")) {
            expect(JSON.stringify(cm.data ?? {})).not.toContain(token);
        }
    });

    test("only the monitoring namespace's Prometheus pods reach each metrics port", async () => {
        facility({ mode: "prometheus" });
        await settled();
        // The peer is Prometheus' pods, not every pod of the namespace.
        const peer = policy("af-hub", "af").ingress.find((r: Obj) => JSON.stringify(r).includes("af-monitoring")).from[0];
        expect(peer).toEqual({ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "af-monitoring" } }, podSelector: { matchLabels: { "app.kubernetes.io/name": "prometheus" } } });
        expect(find("Deployment", "prometheus", "af-monitoring")!.spec.template.metadata.labels["app.kubernetes.io/name"]).toBe("prometheus");
        // Prometheus' own API answers its namespace only.
        expect(policy("prometheus", "af-monitoring").ingress).toEqual([{ from: [{ podSelector: {} }], ports: [{ port: 9090, protocol: "TCP" }] }]);
        expect(portsOpenTo(policy("af-edge", "af"), "af-monitoring")).toEqual([8000, 8443, 8786, 9000, 9100]);
        expect(portsOpenTo(policy("af-edge", "af"), "af-cms")).toEqual([8000, 8443, 8786, 9000]);
        expect(portsOpenTo(policy("af-hub", "af"), "af-monitoring")).toEqual([8081]);
        expect(portsOpenTo(policy("hepaf-exporter", "af"), "af-monitoring")).toEqual([9102]);
        expect(portsOpenTo(policy("af-singleuser", "af-cms"), "af-monitoring")).toEqual([8787]);
        expect(portsOpenTo(policy("dask-gateway-clusters", "af-opendata"), "af-monitoring")).toEqual([8787]);
        expect(portsOpenTo(policy("af-dask-access", "af"), "af-monitoring")).toEqual([9101]);
    });

    test("Prometheus may discover (read Services, pods, EndpointSlices) only in the namespaces it scrapes, and reads no Secret", async () => {
        facility({ mode: "prometheus" });
        await settled();
        const grants = grantsByNamespace(objs(), "af-monitoring-prometheus");
        expect(Object.keys(grants).sort()).toEqual(["af", "af-cms", "af-opendata"]);
        for (const rules of Object.values(grants)) {
            expect(rules.flatMap((r: Obj) => r.resources).sort()).toEqual(["endpointslices", "pods", "services"]);
            expect([...new Set(rules.flatMap((r: Obj) => r.verbs))].sort()).toEqual(["list", "watch"]);
        }
        expect(objs().some((o) => o.kind === "ClusterRoleBinding" && JSON.stringify(o.subjects).includes("af-monitoring"))).toBe(false);
    });

    test("the exporter reads the published CA bundles, quotas and gateway clusters, and no Secret", async () => {
        facility({ mode: "prometheus" });
        await settled();
        const grants = grantsByNamespace(objs(), "hepaf-exporter");
        expect(Object.keys(grants).sort()).toEqual(["af", "af-cms", "af-opendata"]);
        expect(grants.af).toEqual([{ apiGroups: [""], resources: ["configmaps"], verbs: ["get"], resourceNames: ["hepaf-root-ca"] }]);
        expect(grants["af-cms"].flatMap((r: Obj) => r.resources).sort()).toEqual(["configmaps", "daskclusters", "resourcequotas"]);
        expect(JSON.stringify(grants)).not.toContain("secrets");
        const values = JSON.parse(find("ConfigMap", "hepaf-exporter", "af")!.data["exporter-values.json"]);
        expect(values.groups.map((g: Obj) => [g.namespace, g.caConfigMap.name, g.gatewayHealthUrl])).toEqual([
            ["af-cms", "hepaf-group-ca", "http://dask-gateway-api.af-cms.svc.cluster.local:8000/api/health"],
            ["af-opendata", "hepaf-group-ca", "http://dask-gateway-api.af-opendata.svc.cluster.local:8000/api/health"],
        ]);
    });

    test("the alert rules are in Prometheus' ConfigMap, with thresholds as the site set them", async () => {
        facility({ mode: "prometheus", alerts: { caExpiryDays: 21 } });
        await settled();
        const rules = parse(find("ConfigMap", "prometheus", "af-monitoring")!.data["facility.rules.yaml"]);
        const alerts = rules.groups.flatMap((g: Obj) => g.rules);
        expect(alerts.length).toBeGreaterThan(5);
        expect(alerts.find((a: Obj) => a.alert === "HepafCAExpiringSoon").expr).toBe("(hepaf_ca_expiry_timestamp_seconds - time()) < 21 * 86400");
    });

    test("a site's own namespace and interval are used", async () => {
        facility({ mode: "prometheus", namespace: "metrics", scrapeInterval: "15s" });
        await settled();
        expect(find("Namespace", "metrics")).toBeDefined();
        const cfg = parse(find("ConfigMap", "prometheus", "metrics")!.data["prometheus.yml"]);
        expect(cfg.global.scrape_interval).toBe("15s");
        // The exporter reads the cluster as often as it is scraped.
        expect(JSON.parse(find("ConfigMap", "hepaf-exporter", "af")!.data["exporter-values.json"]).intervalSeconds).toBe(15);
        expect(portsOpenTo(policy("af-hub", "af"), "metrics")).toEqual([8081]);
    });
});

describe("mode operator: ServiceMonitors for a site's Prometheus Operator", () => {
    test("a ServiceMonitor per job in the facility namespace, selecting what the plain configuration selects, with the same job label", async () => {
        facility({ mode: "operator", operator: { labels: { release: "kps" } } });
        await settled();
        const monitors = objs().filter((o) => o.kind === "ServiceMonitor");
        expect(monitors.map((m) => m.metadata.name).sort()).toEqual(Object.values(SCRAPE_JOBS).sort());
        for (const m of monitors) {
            expect(m.apiVersion).toBe("monitoring.coreos.com/v1");
            expect(m.metadata.namespace).toBe("af");
            expect(m.metadata.labels.release).toBe("kps");
            expect(m.spec.endpoints[0].relabelings[0]).toEqual({ targetLabel: "job", replacement: m.metadata.name, action: "replace" });
        }
        const hub = monitors.find((m) => m.metadata.name === "hepaf-hub")!;
        expect(hub.spec.endpoints[0]).toMatchObject({ port: "http", path: "/hub/metrics", authorization: { type: "Bearer", credentials: { name: "hepaf-hub-metrics-token", key: "token" } } });
        expect(find("Secret", "hepaf-hub-metrics-token", "af")).toBeDefined();
        const sessions = monitors.find((m) => m.metadata.name === "hepaf-session-scheduler")!;
        expect(sessions.spec.namespaceSelector).toEqual({ matchNames: ["af-cms", "af-opendata"] });
        const rule = objs().find((o) => o.kind === "PrometheusRule")!;
        expect(rule.metadata.labels.release).toBe("kps");
        expect(rule.spec.groups.length).toBeGreaterThan(0);
        expect(find("Deployment", "prometheus")).toBeUndefined();
        // The site's Prometheus namespace (default "monitoring") reaches the metrics ports.
        expect(portsOpenTo(policy("af-hub", "af"), "monitoring")).toEqual([8081]);
    });
});

test("Prometheus durations in seconds", () => {
    expect([durationSeconds("30s"), durationSeconds("1m30s"), durationSeconds("2d"), durationSeconds("500ms")]).toEqual([30, 90, 172800, 0.5]);
});

describe("bad monitoring input is refused before anything is declared", () => {
    test.each([
        [{ mode: "grafana" }, /^monitoring\.mode: /],
        [{ namespace: "metrics" }, /^monitoring\.namespace: is only used with mode "operator" or "prometheus"/],
        [{ mode: "prometheus", namespace: "af" }, /^monitoring\.namespace: "af" is a namespace of the facility/],
        [{ mode: "operator", namespace: "af-cms" }, /^monitoring\.namespace: "af-cms" is a namespace of the facility/],
        [{ mode: "operator", podLabels: {} }, /^monitoring\.podLabels: give at least one label/],
        [{ mode: "prometheus", scrapeInterval: "30s1m" }, /^monitoring\.scrapeInterval: /],
        [{ mode: "prometheus", prometheus: { retention: "0d" } }, /^monitoring\.prometheus\.retention: /],
        [{ mode: "prometheus", namespace: "Bad_NS" }, /^monitoring\.namespace: /],
        [{ mode: "prometheus", scrapeInterval: "30 seconds" }, /^monitoring\.scrapeInterval: "30 seconds" is not a Prometheus duration/],
        [{ mode: "prometheus", scrapeInterval: "500ms" }, /^monitoring\.scrapeInterval: "500ms" is not a Prometheus duration of at least a second/],
        [{ mode: "prometheus", prometheus: { retention: "forever" } }, /^monitoring\.prometheus\.retention: /],
        [{ mode: "operator", prometheus: { retention: "2d" } }, /^monitoring\.prometheus: is only used with mode "prometheus"/],
        [{ mode: "prometheus", alerts: { noSuchThreshold: 3 } }, /^monitoring\.alerts\.noSuchThreshold: is not an alert parameter; use one of /],
        [{ mode: "prometheus", prometheus: { image: "not an image" } }, /^monitoring\.prometheus\.image: /],
    ])("%j", (monitoring, message) => {
        expect(errorOf(() => facility(monitoring as AnalysisFacilityArgs["monitoring"]))).toMatch(message);
        expect(mocks.resources).toHaveLength(0);
    });
});
