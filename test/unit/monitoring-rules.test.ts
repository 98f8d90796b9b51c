/**
 * The alert rules and dashboards as data: renderRules fills every `${name}` of the shipped rule
 * file from typed parameters over the defaults and refuses unknown parameters, unknown
 * placeholders and bad values naming them; every alert carries a severity, a summary and a
 * one-line runbook; every dashboard parses, has a title and uid, takes its Prometheus from the
 * `datasource` variable, and every panel query is non-empty. (promtool checks the rendered
 * rules, their unit tests and the dashboard queries in the live tier.)
 */
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { shippedFile } from "../../components/common/shipped-files";
import { errorOf } from "../helpers/pulumi";
import {
    ALERT_PARAM_NAMES, alertRules, DEFAULT_ALERT_PARAMS, renderRules, renderRulesFile, RULES_TEST_FILE, rulesTemplate,
} from "../../components/monitoring/rules";
import { DASHBOARD_FILES, dashboardQueries, dashboards, expandDashboardVariables } from "../../components/monitoring/dashboards";

describe("renderRules", () => {
    test("with the defaults, no placeholder is left and the thresholds are the defaults'", () => {
        const rules = renderRules();
        expect(JSON.stringify(rules)).not.toContain("${");
        const byName = Object.fromEntries(alertRules(rules).map((r) => [r.alert, r]));
        expect(byName.HepafGroupNearQuota.expr).toBe(`hepaf_group_quota_used_ratio > ${DEFAULT_ALERT_PARAMS.quotaRatio}`);
        expect(byName.HepafFrontDoorDown.for).toBe(DEFAULT_ALERT_PARAMS.downFor);
        expect(byName.HepafEdgeCertificateExpiringSoon.annotations.summary).toContain(`within ${DEFAULT_ALERT_PARAMS.edgeCertExpiryDays} days`);
    });

    test("every parameter is a placeholder of the file, and every placeholder a parameter", () => {
        // The file's values (its comments may mention the syntax).
        const used = [...JSON.stringify(parse(rulesTemplate())).matchAll(/\$\{([^}]*)\}/g)].map((m) => m[1]);
        expect([...new Set(used)].sort()).toEqual([...ALERT_PARAM_NAMES].sort());
        expect(Object.keys(DEFAULT_ALERT_PARAMS).sort()).toEqual([...ALERT_PARAM_NAMES].sort());
    });

    test("substitutes given parameters, everywhere they appear, over the defaults", () => {
        const rules = renderRules({ quotaRatio: 0.75, downFor: "2m", batchPendingSeconds: 3600, spawnSlowWindow: "1h" });
        const byName = Object.fromEntries(alertRules(rules).map((r) => [r.alert, r]));
        expect(byName.HepafGroupNearQuota.expr).toBe("hepaf_group_quota_used_ratio > 0.75");
        expect(byName.HepafGroupNearQuota.annotations.summary).toContain("more than 0.75 of its");
        for (const a of ["HepafFrontDoorDown", "HepafHubDown", "HepafGatewayDown", "HepafExporterDown"]) expect(byName[a].for).toBe("2m");
        expect(byName.HepafBatchJobsIdle.expr).toBe("hepaf_batch_job_pending_oldest_seconds > 3600");
        expect(byName.HepafSlowSpawns.expr).toContain("[1h]");
        expect(byName.HepafCAExpiringSoon.expr).toContain(`${DEFAULT_ALERT_PARAMS.caExpiryDays} * 86400`);
    });

    test("refuses a parameter that is not one, naming it", () => {
        expect(errorOf(() => renderRules({ quota: 0.5 } as any))).toMatch(/^alerts\.quota: is not an alert parameter; use one of edgeCertExpiryDays, /);
        expect(errorOf(() => renderRules({ quota: 0.5 } as any, "monitoring.alerts"))).toMatch(/^monitoring\.alerts\.quota: /);
        expect(errorOf(() => renderRules([] as any))).toMatch(/^alerts: must be a mapping of /);
    });

    test.each([
        [{ quotaRatio: 0 }, /^alerts\.quotaRatio: 0 is not valid: use a positive number$/],
        [{ quotaRatio: 1.5 }, /^alerts\.quotaRatio: 1\.5 is not valid: use a share strictly between 0 and 1$/],
        [{ spawnSlowQuantile: 1 }, /^alerts\.spawnSlowQuantile: 1 is not valid: use a share strictly between 0 and 1$/],
        [{ caExpiryDays: -3 }, /^alerts\.caExpiryDays: -3 is not valid: use a positive number$/],
        [{ spawnFailureCount: Number.NaN }, /^alerts\.spawnFailureCount: null is not valid: use a positive number$/],
        [{ batchPendingSeconds: "1800" }, /^alerts\.batchPendingSeconds: "1800" is not valid: use a positive number$/],
        [{ downFor: "5 minutes" }, /^alerts\.downFor: "5 minutes" is not a duration: use a Prometheus duration such as "30s", "10m", "1h30m" or "7d" \(not zero\)$/],
        [{ downFor: "0m" }, /^alerts\.downFor: "0m" is not a duration/],
        [{ accessWindow: "10" }, /^alerts\.accessWindow: "10" is not a duration/],
        [{ accessWindow: "m10" }, /^alerts\.accessWindow: "m10" is not a duration/],
        [{ gatewayPendingFor: 600 }, /^alerts\.gatewayPendingFor: 600 is not a duration/],
        [{ exporterErrorWindow: "" }, /^alerts\.exporterErrorWindow: "" is not a duration/],
    ])("refuses the bad value %j naming its parameter", (params, message) => {
        expect(errorOf(() => renderRules(params as any))).toMatch(message);
    });

    test("renderRulesFile is the same rules as YAML text", () => {
        expect(parse(renderRulesFile({ quotaRatio: 0.8 }))).toEqual(renderRules({ quotaRatio: 0.8 }));
        expect(errorOf(() => renderRulesFile({ quotaRatio: 2 }, "monitoring.alerts"))).toMatch(/^monitoring\.alerts\.quotaRatio: /);
    });

    test("accepts compound durations", () => {
        expect(alertRules(renderRules({ gatewayPendingFor: "1h30m" })).find((r) => r.alert === "HepafGatewayClustersPending")!.for).toBe("1h30m");
    });

    test("refuses a placeholder of the file that names no parameter, and an unclosed one, saying where", () => {
        const template = rulesTemplate().replace("> ${quotaRatio}", "> ${quotaLimit}");
        expect(errorOf(() => renderRules({}, "alerts", template))).toMatch(
            /^rules\/facility\.rules\.yaml:groups\[\d\]\.rules\[HepafGroupNearQuota\]\.expr: unknown placeholder \$\{quotaLimit\}; the parameters are edgeCertExpiryDays, /,
        );
        const unclosed = rulesTemplate().replace("> ${quotaRatio}", "> ${quotaRatio");
        expect(errorOf(() => renderRules({}, "alerts", unclosed))).toMatch(/^rules\/facility\.rules\.yaml:groups\[\d\]\.rules\[HepafGroupNearQuota\]\.expr: an unclosed placeholder in /);
        expect(errorOf(() => renderRules({}, "alerts", "nothing: here\n"))).toMatch(/^rules\/facility\.rules\.yaml: the rule file has no groups$/);
    });
});

describe("the alerts", () => {
    const alerts = alertRules(renderRules());

    test("are named Hepaf<CamelCase>, once each", () => {
        expect(alerts.length).toBeGreaterThanOrEqual(13);
        for (const a of alerts) expect(a.alert).toMatch(/^Hepaf(?:[A-Z][a-z]*|CA)+$/);
        expect(new Set(alerts.map((a) => a.alert)).size).toBe(alerts.length);
    });

    test("each has a severity, a summary and a one-line runbook", () => {
        for (const a of alerts) {
            expect([a.alert, a.labels.severity]).toEqual([a.alert, expect.stringMatching(/^(critical|warning)$/)]);
            expect([a.alert, typeof a.annotations.summary, a.annotations.summary.length > 10]).toEqual([a.alert, "string", true]);
            expect([a.alert, typeof a.annotations.runbook, a.annotations.runbook.length > 20, a.annotations.runbook.includes("\n")]).toEqual([a.alert, "string", true, false]);
        }
    });

    test("each is tested by the shipped promtool tests both firing and silent (promtool runs them in the live tier)", () => {
        const tests = parse(fs.readFileSync(shippedFile("monitoring", RULES_TEST_FILE), "utf8")) as { rule_files: string[]; tests: { alert_rule_test?: { alertname: string; exp_alerts?: unknown[] }[] }[] };
        expect(tests.rule_files).toEqual(["facility.rules.yaml"]);
        const cases = tests.tests.flatMap((g) => g.alert_rule_test ?? []);
        for (const a of alerts) {
            expect([a.alert, cases.some((c) => c.alertname === a.alert && (c.exp_alerts ?? []).length > 0)]).toEqual([a.alert, true]);
            expect([a.alert, cases.some((c) => c.alertname === a.alert && (c.exp_alerts ?? []).length === 0)]).toEqual([a.alert, true]);
        }
    });

    test("read the metrics and jobs the facility publishes", () => {
        const exprs = alerts.map((a) => a.expr).join("\n");
        for (const job of exprs.matchAll(/job="([^"]*)"/g)) expect(["hepaf-traefik", "hepaf-hub", "hepaf-exporter"]).toContain(job[1]);
        for (const m of [
            "traefik_tls_certs_not_after", "hepaf_ca_expiry_timestamp_seconds", "jupyterhub_server_spawn_duration_seconds_count", "jupyterhub_server_spawn_duration_seconds_bucket",
            "hepaf_group_quota_used_ratio", "hepaf_batch_job_pending_oldest_seconds", "hepaf_gateway_clusters", "hepaf_gateway_up", "hepaf_access_requests_total", "hepaf_exporter_errors_total",
        ]) expect([m, exprs.includes(m)]).toEqual([m, true]);
    });
});

describe("the dashboards", () => {
    test("every dashboard parses, has a title and a uid, and takes its Prometheus from the datasource variable", () => {
        const all = dashboards();
        expect(Object.keys(all)).toEqual([...DASHBOARD_FILES]);
        const uids = new Set<string>();
        for (const [file, d] of Object.entries(all)) {
            expect([file, typeof d.title, d.title.length > 0, typeof d.uid, /^[a-z0-9-]{1,40}$/.test(d.uid)]).toEqual([file, "string", true, "string", true]);
            uids.add(d.uid);
            const ds = d.templating?.list.find((v) => v.name === "datasource");
            expect([file, ds?.type, ds?.query]).toEqual([file, "datasource", "prometheus"]);
            for (const p of d.panels) expect([file, p.title, (p as any).datasource]).toEqual([file, p.title, { type: "prometheus", uid: "${datasource}" }]);
        }
        expect(uids.size).toBe(DASHBOARD_FILES.length);
    });

    test("dashboardQueries gives every target's expression, each non-empty", () => {
        const queries = dashboardQueries();
        const targets = Object.values(dashboards()).flatMap((d) => d.panels.flatMap((p) => p.targets ?? []));
        expect(queries).toHaveLength(targets.length);
        expect(queries.length).toBeGreaterThan(10);
        for (const q of queries) expect([q.dashboard, q.panel, q.refId, q.expr.trim().length > 0]).toEqual([q.dashboard, q.panel, expect.stringMatching(/^[A-Z]$/), true]);
        expect(queries.map((q) => q.expr)).toEqual(expect.arrayContaining([expect.stringContaining("traefik_open_connections"), expect.stringContaining("dask_scheduler_workers"), expect.stringContaining("jupyterhub_total_users")]));
    });

    test("expandDashboardVariables gives plain PromQL for the group variable", () => {
        expect(expandDashboardVariables('hepaf_gateway_up{group=~"$group"}')).toBe('hepaf_gateway_up{group=~".*"}');
        expect(expandDashboardVariables('x{group=~"${group}"}', { group: "cms" })).toBe('x{group=~"cms"}');
        for (const q of dashboardQueries()) expect(expandDashboardVariables(q.expr)).not.toMatch(/\$/);
    });
});

test("the README's table of alerts gives each alert's runbook exactly as the rules do, and no other alert", () => {
    const readme = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");
    const rows = readme.split("\n").filter((l) => /^\| `Hepaf\w+` \|/.test(l));
    const inReadme = Object.fromEntries(rows.map((l) => { const cells = l.split(" | "); return [/`(\w+)`/.exec(cells[0])![1], cells[cells.length - 1].replace(/ \|$/, "")]; }));
    const inRules = Object.fromEntries(alertRules(renderRules()).map((r) => [r.alert, r.annotations.runbook]));
    expect(inReadme).toEqual(inRules);
});
