/**
 * Readiness as a kubelet judges it, for the kubelet double: each container's `readinessProbe`
 * (httpGet or tcpSocket, the two kinds the facility's pods use) run against the pod's IP on the
 * kubelet's schedule. A container without one is ready once it runs; one with a probe is not
 * ready until `successThreshold` probes in a row succeed, and stops being ready after
 * `failureThreshold` in a row fail. The first probe runs `initialDelaySeconds` after the
 * container started, then one every `periodSeconds`; each is given `timeoutSeconds`. The
 * defaults are the API's (0, 10, 1, 1, 3). An httpGet succeeds with a status from 200 to 399,
 * sent as a kubelet sends it (`User-Agent: kube-probe/<minor>`, no certificate check for
 * HTTPS); a tcpSocket probe succeeds when the connection opens.
 */
import * as http from "http";
import * as https from "https";
import * as net from "net";

/** A container's readiness probe, its port resolved and the API's defaults applied. */
export interface Readiness {
    kind: "httpGet" | "tcpSocket";
    port: number;
    /** httpGet only. */
    path: string;
    scheme: "HTTP" | "HTTPS";
    /** Headers the probe sets (httpGet only). */
    headers: Record<string, string>;
    initialDelayMs: number;
    periodMs: number;
    timeoutMs: number;
    successThreshold: number;
    failureThreshold: number;
}

/** The kubelet's User-Agent for probes: `kube-probe/<major>.<minor>`. */
export const PROBE_USER_AGENT = "kube-probe/1.37";

/**
 * The readiness probe of `container` (a pod spec container), or undefined when it has none.
 * A named port is looked up in the container's `ports`; an exec or grpc probe, or a port the
 * container does not name, is an error naming the container (the double runs neither kind).
 */
export function readinessOf(container: any): Readiness | undefined {
    const p = container.readinessProbe;
    if (!p) return undefined;
    const kind = p.httpGet ? "httpGet" : p.tcpSocket ? "tcpSocket" : undefined;
    if (!kind) {
        const which = Object.keys(p).find((k) => ["exec", "grpc"].includes(k)) ?? "an unknown";
        throw new Error(`container ${container.name}: readinessProbe of kind ${which}: the kubelet double runs httpGet and tcpSocket probes only`);
    }
    const action = p[kind];
    const headers: Record<string, string> = { "User-Agent": PROBE_USER_AGENT, Accept: "*/*" };
    for (const h of action.httpHeaders ?? []) headers[h.name] = h.value;
    const seconds = (v: number | undefined, d: number) => (v ?? d) * 1000;
    return {
        kind,
        port: resolvePort(container, action.port),
        path: action.path ?? "/",
        scheme: action.scheme ?? "HTTP",
        headers,
        initialDelayMs: seconds(p.initialDelaySeconds, 0),
        periodMs: seconds(p.periodSeconds, 10),
        timeoutMs: seconds(p.timeoutSeconds, 1),
        successThreshold: p.successThreshold ?? 1,
        failureThreshold: p.failureThreshold ?? 3,
    };
}

/** A probe's port: a number, or the name of one of the container's ports. */
function resolvePort(container: any, port: number | string): number {
    if (typeof port === "number") return port;
    if (/^[0-9]+$/.test(port)) return Number(port);
    const named = (container.ports ?? []).find((p: any) => p.name === port);
    if (!named) throw new Error(`container ${container.name}: readinessProbe port "${port}" is not one of its ports (${(container.ports ?? []).map((p: any) => p.name).join(", ") || "none"})`);
    return named.containerPort;
}

/** Runs one probe against `ip`; true when it succeeds within its timeout. */
export function probeOnce(ip: string, r: Readiness): Promise<boolean> {
    return new Promise((resolve) => {
        if (r.kind === "tcpSocket") {
            const socket = net.connect({ host: ip, port: r.port });
            socket.setTimeout(r.timeoutMs, () => socket.destroy(new Error("timeout")));
            socket.once("connect", () => {
                socket.destroy();
                resolve(true);
            });
            socket.once("error", () => resolve(false));
            return;
        }
        const get = r.scheme === "HTTPS" ? https.get : http.get;
        const req = get({ host: ip, port: r.port, path: r.path, headers: r.headers, timeout: r.timeoutMs, rejectUnauthorized: false, agent: false }, (res) => {
            res.resume();
            const status = res.statusCode ?? 0;
            resolve(status >= 200 && status < 400);
        });
        req.once("timeout", () => req.destroy(new Error("timeout")));
        req.once("error", () => resolve(false));
    });
}

/** One container's readiness over time, as the kubelet's prober keeps it. */
export class ReadinessState {
    ready: boolean;
    private successes = 0;
    private failures = 0;
    private nextAt: number;
    private inFlight = false;

    /** `startedAt`: when the container started (ms since the epoch). */
    constructor(
        readonly probe: Readiness | undefined,
        startedAt: number,
    ) {
        this.ready = !probe;
        this.nextAt = startedAt + (probe?.initialDelayMs ?? 0);
    }

    /** Whether a probe is due at `now` (none while one runs). */
    due(now: number): boolean {
        return !!this.probe && !this.inFlight && now >= this.nextAt;
    }

    /** Runs the due probe against `ip`; resolves true when the container's readiness changed. */
    async run(ip: string, now: number, probe: typeof probeOnce = probeOnce): Promise<boolean> {
        if (!this.probe) return false;
        this.inFlight = true;
        this.nextAt = now + this.probe.periodMs;
        try {
            return this.record(await probe(ip, this.probe));
        } finally {
            this.inFlight = false;
        }
    }

    /** Counts one probe's result; true when the container's readiness changed. */
    record(ok: boolean): boolean {
        const p = this.probe!;
        if (ok) {
            this.failures = 0;
            this.successes++;
            if (this.ready || this.successes < p.successThreshold) return false;
            this.ready = true;
            return true;
        }
        this.successes = 0;
        this.failures++;
        if (!this.ready || this.failures < p.failureThreshold) return false;
        this.ready = false;
        return true;
    }
}
