/**
 * Mode `operator`, checked by the Prometheus Operator's own API types: the dev stack rendered
 * with `hepaf:monitoring.mode: operator` gives ServiceMonitors and a PrometheusRule; each is
 * decoded strictly (unknown fields refused) into github.com/prometheus-operator/prometheus-operator/pkg/apis/monitoring/v1
 * by a small Go program built from the Go module proxy. No operator runs here: what is checked
 * is that every field the component writes is one the operator reads, with the type it reads.
 */
import { execFileSync } from "child_process";
import * as path from "path";
import { stackObjects } from "./harness/stack";
import { goProgram, ROOT } from "./harness/tools";
import { SCRAPE_JOBS } from "../../components/common";

jest.setTimeout(10 * 60 * 1000);

let decoder: string;
beforeAll(() => {
    decoder = goProgram(path.join(ROOT, "test", "live", "operator-types"), "operator-types");
});

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const decode = (objects: any[]): { kind: string; name: string; error?: string; object?: any }[] =>
    execFileSync(decoder, [], { input: JSON.stringify(objects), encoding: "utf8" }).trim().split("\n").map((l) => JSON.parse(l));

test("every ServiceMonitor and the PrometheusRule decode strictly into the operator's types, as written", () => {
    const objects = stackObjects("dev", { "hepaf:monitoring": { mode: "operator", operator: { labels: { release: "kps" } } } }).filter((o) => o.apiVersion === "monitoring.coreos.com/v1");
    expect(objects.map((o) => o.kind).sort()).toEqual([...Object.values(SCRAPE_JOBS).map(() => "ServiceMonitor"), "PrometheusRule"].sort());
    const decoded = decode(objects);
    expect(decoded.filter((d) => d.error)).toEqual([]);
    const hub = decoded.find((d) => d.name === SCRAPE_JOBS.hub)!.object;
    // What the operator holds is what the component wrote (nothing dropped on the way in).
    expect(hub.spec.endpoints[0]).toMatchObject({ port: "http", path: "/hub/metrics", authorization: { type: "Bearer", credentials: { name: "hepaf-hub-metrics-token", key: "token" } } });
    expect(hub.spec.endpoints[0].relabelings[0]).toMatchObject({ targetLabel: "job", replacement: SCRAPE_JOBS.hub });
    const rule = decoded.find((d) => d.kind === "PrometheusRule")!.object;
    const written = objects.find((o) => o.kind === "PrometheusRule")!;
    expect(rule.spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.alert))).toEqual(written.spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.alert)));
    expect(rule.spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.expr))).toEqual(written.spec.groups.flatMap((g: any) => g.rules.map((r: any) => r.expr)));
});

test("the example site's monitoring (mode operator, labelled for its kube-prometheus-stack) decodes strictly too", () => {
    const objects = stackObjects("example-university").filter((o) => o.apiVersion === "monitoring.coreos.com/v1");
    expect(objects.length).toBe(Object.values(SCRAPE_JOBS).length + 1);
    const decoded = decode(objects);
    expect(decoded.filter((d) => d.error)).toEqual([]);
    for (const d of decoded) expect(d.object.metadata.labels.release).toBe("kube-prometheus-stack");
});

test("the decoder refuses what the operator would not read (a misspelled field, a wrong type)", () => {
    const monitor = { apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata: { name: "m" }, spec: { selector: {}, endpoints: [{ port: "metrics" }] } };
    const [misspelled, wrongType, right] = decode([
        { ...monitor, spec: { ...monitor.spec, endpoints: [{ port: "metrics", pth: "/metrics" }] } },
        { ...monitor, spec: { ...monitor.spec, namespaceSelector: { matchNames: "af" } } },
        monitor,
    ]);
    expect(misspelled.error).toMatch(/unknown field "pth"/);
    expect(wrongType.error).toMatch(/matchNames/);
    expect(right.error).toBeUndefined();
});
