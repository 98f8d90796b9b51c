import * as fs from "fs";
import * as YAML from "yaml";
import { check } from "../common/errors";
import { shippedFile } from "../common/shipped-files";

/** The rule file, beside this module (shipped in the package): thresholds as `${name}` placeholders. */
export const RULES_TEMPLATE_FILE = "rules/facility.rules.yaml";
/** The promtool unit tests of the rules rendered with {@link DEFAULT_ALERT_PARAMS}. */
export const RULES_TEST_FILE = "rules/facility.rules.test.yaml";

/** The thresholds of the facility's alerts; each is a `${name}` placeholder of the rule file. */
export interface AlertParams {
    /** The front door's HTTPS certificate (Traefik's `traefik_tls_certs_not_after`) alerts this many days before it expires. Default 14. */
    edgeCertExpiryDays: number;
    /** The root and group CAs (`hepaf_ca_expiry_timestamp_seconds`) alert this many days before they expire. Default 60. */
    caExpiryDays: number;
    /** How long a certificate must stay within its bound before its alert fires. Default "10m". */
    certificateFor: string;
    /** How long no Traefik, hub or exporter target may be up (and a gateway API down) before its alert fires. Default "5m". */
    downFor: string;
    /** Window over which failed spawns are counted. Default "30m". */
    spawnFailureWindow: string;
    /** Failed (non-success) spawns within `spawnFailureWindow` that fire `HepafSpawnFailures`. Default 3. */
    spawnFailureCount: number;
    /** Quantile of successful spawn durations compared with `spawnSlowSeconds` (between 0 and 1). Default 0.9. */
    spawnSlowQuantile: number;
    /** Spawn duration (seconds) above which, at `spawnSlowQuantile`, spawns are slow. Default 120. */
    spawnSlowSeconds: number;
    /** Window of the spawn-duration quantile. Default "30m". */
    spawnSlowWindow: string;
    /** How long spawns must stay slow before `HepafSlowSpawns` fires. Default "5m". */
    spawnSlowFor: string;
    /** Share of a group's access requests refused (between 0 and 1) that fires `HepafAccessRefusing`. Default 0.5. */
    accessRefusedRatio: number;
    /** Requests per second a group must make for `HepafAccessRefusing` to fire (few requests prove nothing). Default 0.05. */
    accessMinRate: number;
    /** Window of the access service's rates. Default "10m". */
    accessWindow: string;
    /** How long the refusals must last before `HepafAccessRefusing` fires. Default "5m". */
    accessFor: string;
    /** Used share of a group's quota (between 0 and 1) that fires `HepafGroupNearQuota`. Default 0.9. */
    quotaRatio: number;
    /** How long a group must stay above `quotaRatio` before `HepafGroupNearQuota` fires. Default "15m". */
    quotaFor: string;
    /** How long a group's gateway clusters may stay Pending. Default "10m". */
    gatewayPendingFor: string;
    /** Seconds the oldest of a group's batch jobs may wait idle in the pool. Default 1800. */
    batchPendingSeconds: number;
    /** How long the oldest idle job must stay above `batchPendingSeconds` before `HepafBatchJobsIdle` fires. Default "5m". */
    batchPendingFor: string;
    /** Window (and hold time) of the exporter's error counter. Default "15m". */
    exporterErrorWindow: string;
}

/** What each parameter must be: a positive number, a share strictly between 0 and 1, or a Prometheus duration. */
const KINDS: Record<keyof AlertParams, "number" | "ratio" | "duration"> = {
    edgeCertExpiryDays: "number",
    caExpiryDays: "number",
    certificateFor: "duration",
    downFor: "duration",
    spawnFailureWindow: "duration",
    spawnFailureCount: "number",
    spawnSlowQuantile: "ratio",
    spawnSlowSeconds: "number",
    spawnSlowWindow: "duration",
    spawnSlowFor: "duration",
    accessRefusedRatio: "ratio",
    accessMinRate: "number",
    accessWindow: "duration",
    accessFor: "duration",
    quotaRatio: "ratio",
    quotaFor: "duration",
    gatewayPendingFor: "duration",
    batchPendingSeconds: "number",
    batchPendingFor: "duration",
    exporterErrorWindow: "duration",
};

/** The default thresholds (each parameter's JSDoc on {@link AlertParams} says why). */
export const DEFAULT_ALERT_PARAMS: Readonly<AlertParams> = Object.freeze({
    edgeCertExpiryDays: 14,
    caExpiryDays: 60,
    certificateFor: "10m",
    downFor: "5m",
    spawnFailureWindow: "30m",
    spawnFailureCount: 3,
    spawnSlowQuantile: 0.9,
    spawnSlowSeconds: 120,
    spawnSlowWindow: "30m",
    spawnSlowFor: "5m",
    accessRefusedRatio: 0.5,
    accessMinRate: 0.05,
    accessWindow: "10m",
    accessFor: "5m",
    quotaRatio: 0.9,
    quotaFor: "15m",
    gatewayPendingFor: "10m",
    batchPendingSeconds: 1800,
    batchPendingFor: "5m",
    exporterErrorWindow: "15m",
});

/** The names of the parameters, in declaration order. */
export const ALERT_PARAM_NAMES = Object.keys(KINDS) as (keyof AlertParams)[];

/** A Prometheus duration: one or more `<n><unit>` (ms, s, m, h, d, w, y), largest unit first, not zero. */
export const DURATION = /^(?:[0-9]+y)?(?:[0-9]+w)?(?:[0-9]+d)?(?:[0-9]+h)?(?:[0-9]+m)?(?:[0-9]+s)?(?:[0-9]+ms)?$/;

/** Whether `value` is a Prometheus duration Prometheus accepts and that is not zero (`30s`, `1h30m`; not `30s1m`, not `0d`). */
export function isPrometheusDuration(value: unknown): value is string {
    return typeof value === "string" && value !== "" && DURATION.test(value) && /[1-9]/.test(value);
}

/** An alerting rule as the rule file declares it. */
export interface AlertingRule {
    alert: string;
    expr: string;
    for?: string;
    labels: { severity: "critical" | "warning"; [name: string]: string };
    annotations: { summary: string; runbook: string; [name: string]: string };
}

/** A Prometheus rule file of alerting rules. */
export interface RuleFile {
    groups: { name: string; interval?: string; rules: AlertingRule[] }[];
}

/** The value of one parameter as written into the rules; refuses a bad one naming `path.<name>`. */
function paramText(name: keyof AlertParams, value: unknown, path: string): string {
    const kind = KINDS[name];
    const arg = `${path}.${name}`;
    if (kind === "duration") {
        check(typeof value === "string" && value !== "" && DURATION.test(value) && /[1-9]/.test(value), arg, `${JSON.stringify(value)} is not a duration: use a Prometheus duration such as "30s", "10m", "1h30m" or "7d" (not zero)`);
        return value;
    }
    check(typeof value === "number" && Number.isFinite(value) && value > 0, arg, `${JSON.stringify(value)} is not valid: use a positive number`);
    if (kind === "ratio") check(value < 1, arg, `${value} is not valid: use a share strictly between 0 and 1`);
    return String(value);
}

/** Replaces every `${name}` of `text` (found at `where` in the rule file) by its parameter's value. */
function substitute(text: string, values: Record<string, string>, where: string): string {
    const out = text.replace(/\$\{([^}]*)\}/g, (_all, name: string) => {
        check(Object.prototype.hasOwnProperty.call(values, name), `${RULES_TEMPLATE_FILE}:${where}`, `unknown placeholder \${${name}}; the parameters are ${ALERT_PARAM_NAMES.join(", ")}`);
        return values[name];
    });
    check(!out.includes("${"), `${RULES_TEMPLATE_FILE}:${where}`, `an unclosed placeholder in ${JSON.stringify(text)}`);
    return out;
}

/** Every string of `node` with its placeholders replaced (keys are left as they are). */
function substituteAll(node: unknown, values: Record<string, string>, where: string): unknown {
    if (typeof node === "string") return substitute(node, values, where);
    if (Array.isArray(node)) {
        // A rule is named by its alert, anything else by its index.
        const name = (n: unknown, i: number) => (n !== null && typeof n === "object" && typeof (n as AlertingRule).alert === "string" ? (n as AlertingRule).alert : String(i));
        return node.map((n, i) => substituteAll(n, values, `${where}[${name(n, i)}]`));
    }
    if (node !== null && typeof node === "object") {
        return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, substituteAll(v, values, where ? `${where}.${k}` : k)]));
    }
    return node;
}

/** The rule file's text as shipped (with its placeholders). */
export function rulesTemplate(): string {
    return fs.readFileSync(shippedFile("monitoring", RULES_TEMPLATE_FILE), "utf8");
}

/**
 * The facility's alerting rules with every `${name}` placeholder replaced: `params` over
 * {@link DEFAULT_ALERT_PARAMS}. A parameter that is not one, or a bad value (numbers must be
 * positive, shares between 0 and 1, durations Prometheus durations), is refused naming
 * `<path>.<name>`; a placeholder of the file that names no parameter is refused naming where it
 * is. Pure: reads the shipped file (or `template`), declares nothing. Serialize the result with
 * a YAML library to give Prometheus a rule file.
 */
export function renderRules(params: Partial<AlertParams> = {}, path = "alerts", template: string = rulesTemplate()): RuleFile {
    check(params !== null && typeof params === "object" && !Array.isArray(params), path, `must be a mapping of ${ALERT_PARAM_NAMES.join(", ")}`);
    for (const key of Object.keys(params)) {
        check((ALERT_PARAM_NAMES as string[]).includes(key), `${path}.${key}`, `is not an alert parameter; use one of ${ALERT_PARAM_NAMES.join(", ")}`);
    }
    const merged: AlertParams = { ...DEFAULT_ALERT_PARAMS, ...params };
    const values: Record<string, string> = {};
    for (const name of ALERT_PARAM_NAMES) values[name] = paramText(name, merged[name], path);
    const doc = YAML.parse(template) as unknown;
    check(doc !== null && typeof doc === "object" && Array.isArray((doc as RuleFile).groups), RULES_TEMPLATE_FILE, "the rule file has no groups");
    return substituteAll(doc, values, "") as RuleFile;
}

/** Every alerting rule of `rules`, by name, with the group it is in. */
export function alertRules(rules: RuleFile): (AlertingRule & { group: string })[] {
    return rules.groups.flatMap((g) => g.rules.filter((r) => r.alert).map((r) => ({ ...r, group: g.name })));
}

/**
 * The rendered rules as the text of a Prometheus rule file (what a ConfigMap or a
 * PrometheusRule's spec carries): {@link renderRules} serialized by the YAML library, long
 * expressions kept on one line.
 */
export function renderRulesFile(params: Partial<AlertParams> = {}, path = "alerts"): string {
    return YAML.stringify(renderRules(params, path), { lineWidth: 0 });
}
