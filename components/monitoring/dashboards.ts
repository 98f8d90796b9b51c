import * as fs from "fs";
import * as path from "path";
import { shippedFile } from "../common/shipped-files";

/**
 * The dashboards a site imports into its own Grafana (Grafana dashboard JSON model, shipped in
 * the package under `components/monitoring/dashboards/`): each takes its Prometheus from a
 * `datasource` template variable (`${datasource}`), so it fits any Grafana. The project never
 * runs Grafana itself.
 */
export const DASHBOARD_FILES = ["facility-overview.json", "groups.json"] as const;

/** The directory of the shipped dashboards (beside this module, or in the package root). */
export function dashboardsDir(): string {
    return path.dirname(shippedFile("monitoring", path.join("dashboards", DASHBOARD_FILES[0])));
}

/** A dashboard as the JSON model has it (the parts the project reads). */
export interface Dashboard {
    uid: string;
    title: string;
    templating?: { list: { name: string; type: string; query?: unknown }[] };
    panels: { id: number; title: string; type: string; targets?: { refId: string; expr?: string }[] }[];
}

/** Every shipped dashboard, parsed, by file name. */
export function dashboards(): Record<string, Dashboard> {
    const dir = dashboardsDir();
    return Object.fromEntries(DASHBOARD_FILES.map((f) => [f, JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as Dashboard]));
}

/** One query of a dashboard panel. */
export interface DashboardQuery {
    /** The dashboard's uid. */
    dashboard: string;
    /** The panel's title. */
    panel: string;
    /** The target's refId within the panel (A, B, ...). */
    refId: string;
    /** The PromQL expression as written (it may name the dashboard's variables, e.g. `$group`). */
    expr: string;
}

/**
 * Every `targets[].expr` of every panel of every shipped dashboard, in file and panel order.
 * Pure: reads the shipped files. Pass each `expr` through {@link expandDashboardVariables}
 * before giving it to Prometheus.
 */
export function dashboardQueries(): DashboardQuery[] {
    return Object.values(dashboards()).flatMap((d) =>
        d.panels.flatMap((p) => (p.targets ?? []).map((t) => ({ dashboard: d.uid, panel: p.title, refId: t.refId, expr: t.expr ?? "" }))),
    );
}

/**
 * `expr` with the dashboards' template variables replaced as Grafana would: `$group` (and
 * `${group}`) by `values.group`, by default `.*` (the variable's "All"). The result is plain
 * PromQL for a Prometheus query or `promtool`.
 */
export function expandDashboardVariables(expr: string, values: { group?: string } = {}): string {
    const group = values.group ?? ".*";
    return expr.replace(/\$\{group\}|\$group\b/g, group);
}
