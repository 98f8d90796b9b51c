/** The kubelet double's readiness probes (test/live/harness/probes.ts): the API's defaults, ports, thresholds, and real probes on loopback. */
import * as http from "http";
import * as net from "net";
import { probeOnce, PROBE_USER_AGENT, ReadinessState, readinessOf } from "../live/harness/probes";

describe("readinessOf", () => {
    test("none without a readinessProbe: the container is ready once it runs", () => {
        expect(readinessOf({ name: "c" })).toBeUndefined();
        expect(new ReadinessState(undefined, Date.now()).ready).toBe(true);
    });

    test("the API's defaults, and a named port resolved from the container's ports", () => {
        const r = readinessOf({ name: "hub", ports: [{ name: "http", containerPort: 8081 }], readinessProbe: { httpGet: { path: "/hub/health", port: "http" } } })!;
        expect(r).toMatchObject({ kind: "httpGet", port: 8081, path: "/hub/health", scheme: "HTTP", initialDelayMs: 0, periodMs: 10000, timeoutMs: 1000, successThreshold: 1, failureThreshold: 3 });
        expect(r.headers["User-Agent"]).toBe(PROBE_USER_AGENT);
        expect(readinessOf({ name: "c", readinessProbe: { tcpSocket: { port: 8000 }, initialDelaySeconds: 2, periodSeconds: 5, failureThreshold: 6 } })).toMatchObject({ kind: "tcpSocket", port: 8000, initialDelayMs: 2000, periodMs: 5000, failureThreshold: 6 });
    });

    test("a port the container does not name, and a kind the double does not run, are errors naming the container", () => {
        expect(() => readinessOf({ name: "api", ports: [{ name: "api", containerPort: 8000 }], readinessProbe: { httpGet: { port: "http" } } })).toThrow(/container api: readinessProbe port "http" is not one of its ports \(api\)/);
        expect(() => readinessOf({ name: "x", readinessProbe: { exec: { command: ["true"] } } })).toThrow(/container x: readinessProbe of kind exec: the kubelet double runs httpGet and tcpSocket probes only/);
    });
});

describe("ReadinessState", () => {
    const probe = readinessOf({ name: "c", readinessProbe: { tcpSocket: { port: 1 }, initialDelaySeconds: 5, periodSeconds: 10, successThreshold: 2, failureThreshold: 3 } })!;

    test("the first probe waits initialDelaySeconds, the next periodSeconds", async () => {
        const s = new ReadinessState(probe, 0);
        expect(s.due(4999)).toBe(false);
        expect(s.due(5000)).toBe(true);
        await s.run("127.0.0.1", 5000, async () => true);
        expect(s.due(14999)).toBe(false);
        expect(s.due(15000)).toBe(true);
    });

    test("ready after successThreshold successes in a row, unready after failureThreshold failures in a row", () => {
        const s = new ReadinessState(probe, 0);
        expect(s.ready).toBe(false);
        expect([s.record(true), s.record(false), s.record(true)]).toEqual([false, false, false]);
        expect(s.record(true)).toBe(true);
        expect(s.ready).toBe(true);
        expect([s.record(false), s.record(false), s.record(true), s.record(false), s.record(false)]).toEqual([false, false, false, false, false]);
        expect(s.record(false)).toBe(true);
        expect(s.ready).toBe(false);
    });
});

describe("probeOnce against real servers on loopback", () => {
    let server: http.Server;
    let port: number;
    const seen: Record<string, string | undefined>[] = [];
    beforeAll(async () => {
        server = http.createServer((req, res) => {
            seen.push({ path: req.url, agent: req.headers["user-agent"] });
            if (req.url === "/slow") return void setTimeout(() => res.end("late"), 1500);
            res.statusCode = req.url === "/ok" ? 200 : req.url === "/moved" ? 302 : 503;
            res.end();
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        port = (server.address() as net.AddressInfo).port;
    });
    afterAll(async () => {
        server.closeAllConnections();
        await new Promise((r) => server.close(r));
    });

    const http_ = (path: string) => readinessOf({ name: "c", readinessProbe: { httpGet: { path, port } } })!;

    test("httpGet: 200 to 399 succeeds, 503 and a timeout fail; sent with the kubelet's User-Agent", async () => {
        expect(await probeOnce("127.0.0.1", http_("/ok"))).toBe(true);
        expect(await probeOnce("127.0.0.1", http_("/moved"))).toBe(true);
        expect(await probeOnce("127.0.0.1", http_("/down"))).toBe(false);
        expect(await probeOnce("127.0.0.1", http_("/slow"))).toBe(false);
        expect(seen.find((s) => s.path === "/ok")?.agent).toBe(PROBE_USER_AGENT);
    });

    test("tcpSocket: a listening port succeeds, a closed one fails", async () => {
        const tcp = (p: number) => readinessOf({ name: "c", readinessProbe: { tcpSocket: { port: p } } })!;
        expect(await probeOnce("127.0.0.1", tcp(port))).toBe(true);
        const closed = net.createServer();
        await new Promise<void>((r) => closed.listen(0, "127.0.0.1", r));
        const closedPort = (closed.address() as net.AddressInfo).port;
        await new Promise((r) => closed.close(r));
        expect(await probeOnce("127.0.0.1", tcp(closedPort))).toBe(false);
    });
});
