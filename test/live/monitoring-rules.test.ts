/**
 * The facility's alert rules and dashboard queries, as Prometheus's own promtool (3.16.0, built
 * by scripts/live-tools.sh) reads them: the rules rendered with their default thresholds pass
 * `promtool check rules`, the promtool unit tests beside them pass `promtool test rules`, and
 * they test every alert both firing and silent; a broken rule is refused; every query of every
 * dashboard parses as PromQL. Needs no control plane: promtool only.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import * as YAML from "yaml";
import { alertRules, renderRules, renderRulesFile, RULES_TEST_FILE } from "../../components/monitoring/rules";
import { dashboardQueries, expandDashboardVariables } from "../../components/monitoring/dashboards";
import { shippedFile } from "../../components/common/shipped-files";
import { liveBinaries } from "./harness/tools";

jest.setTimeout(5 * 60 * 1000);

// promtool alone (not the images or the venv the other files need).
const t = { promtool: liveBinaries().promtool };
let dir: string;
beforeAll(() => {
    if (!t.promtool || !fs.existsSync(t.promtool)) throw new Error(`live: promtool is missing (${t.promtool || "no path"}); run scripts/live-tools.sh prometheus`);
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "hepaf-live-rules-"));
});
afterAll(() => {
    if (dir && !process.env.HEPAF_LIVE_KEEP) fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs promtool in `cwd`; its exit code and its output (stdout and stderr together). */
function promtool(args: string[], cwd: string): { code: number; output: string } {
    try {
        const out = execFileSync(t.promtool, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "pipe"], timeout: 120000 });
        return { code: 0, output: out };
    } catch (err) {
        const e = err as { status?: number; stdout?: string; stderr?: string };
        return { code: e.status ?? -1, output: `${e.stdout ?? ""}${e.stderr ?? ""}` };
    }
}

/** A directory holding `facility.rules.yaml` (rendered from `rules`) and the shipped unit tests. */
function ruleDir(name: string, rules: unknown): string {
    const d = path.join(dir, name);
    fs.mkdirSync(d);
    fs.writeFileSync(path.join(d, "facility.rules.yaml"), YAML.stringify(rules, { lineWidth: 0 }));
    fs.copyFileSync(shippedFile("monitoring", RULES_TEST_FILE), path.join(d, "facility.rules.test.yaml"));
    return d;
}

test("the rules rendered with the defaults pass promtool check rules and their unit tests", () => {
    const d = ruleDir("defaults", renderRules());
    // As the component writes them (renderRulesFile).
    fs.writeFileSync(path.join(d, "facility.rules.yaml"), renderRulesFile());
    const check = promtool(["check", "rules", "facility.rules.yaml"], d);
    expect([check.code, check.output]).toEqual([0, expect.stringContaining(`SUCCESS: ${alertRules(renderRules()).length} rules found`)]);
    const unit = promtool(["test", "rules", "facility.rules.test.yaml"], d);
    expect([unit.code, unit.output]).toEqual([0, expect.stringContaining("SUCCESS")]);
});

test("the unit tests see every alert fire and every alert stay silent, and name no other", () => {
    const alerts = alertRules(renderRules()).map((r) => r.alert);
    const tests = YAML.parse(fs.readFileSync(shippedFile("monitoring", RULES_TEST_FILE), "utf8")) as {
        tests: { name: string; alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[];
    };
    const cases = tests.tests.flatMap((g) => g.alert_rule_test ?? []);
    const fires = new Set(cases.filter((c) => (c.exp_alerts ?? []).length > 0).map((c) => c.alertname));
    const silent = new Set(cases.filter((c) => (c.exp_alerts ?? []).length === 0).map((c) => c.alertname));
    expect({ neverFires: alerts.filter((a) => !fires.has(a)), neverSilent: alerts.filter((a) => !silent.has(a)) }).toEqual({ neverFires: [], neverSilent: [] });
    expect(cases.map((c) => c.alertname).filter((a) => !alerts.includes(a))).toEqual([]);
});

test("promtool refuses a broken rule, and the unit tests catch a changed threshold", () => {
    const rules = renderRules();
    rules.groups[0].rules[0].expr = "(traefik_tls_certs_not_after - time() < 14 * 86400";
    const broken = ruleDir("broken", rules);
    const check = promtool(["check", "rules", "facility.rules.yaml"], broken);
    expect(check.code).not.toBe(0);
    expect(check.output).toMatch(/HepafEdgeCertificateExpiringSoon|parse error|unclosed/i);
    // Valid rules with another threshold than the tests were written for: the tests fail.
    const other = ruleDir("other-threshold", renderRules({ quotaRatio: 0.99 }));
    expect(promtool(["check", "rules", "facility.rules.yaml"], other).code).toBe(0);
    const unit = promtool(["test", "rules", "facility.rules.test.yaml"], other);
    expect(unit.code).not.toBe(0);
    expect(unit.output).toContain("HepafGroupNearQuota");
});

test("every dashboard query parses as PromQL", () => {
    const queries = dashboardQueries();
    expect(queries.length).toBeGreaterThan(10);
    // Each query as the expression of a recording rule of its own: promtool parses every one
    // and names the failing rule.
    const record = (i: number) => `hepaf:dashboard_query_${i}`;
    const file = { groups: [{ name: "dashboard-queries", rules: queries.map((q, i) => ({ record: record(i), expr: expandDashboardVariables(q.expr) })) }] };
    const d = path.join(dir, "dashboards");
    fs.mkdirSync(d);
    fs.writeFileSync(path.join(d, "queries.rules.yaml"), YAML.stringify(file, { lineWidth: 0 }));
    const check = promtool(["check", "rules", "queries.rules.yaml"], d);
    const failing = queries.filter((_q, i) => check.output.includes(record(i) + ":") || check.output.includes(`"${record(i)}"`));
    expect({ code: check.code, failing, output: check.code === 0 ? "" : check.output }).toEqual({ code: 0, failing: [], output: "" });
    expect(check.output).toContain(`SUCCESS: ${queries.length} rules found`);
});
