/**
 * Test doubles of kube-proxy and cluster DNS for the live tier (which has neither iptables nor
 * a DNS server): a userspace proxy, kube-proxy's oldest mode, that listens on every Service's
 * ClusterIP and port (local in the tier's namespace) and forwards each connection to a ready
 * endpoint from the Service's EndpointSlices (the port by name, as kube-proxy maps it); and the
 * tier's /etc/hosts, kept to `<svc>.<ns>.svc.cluster.local`, `<svc>.<ns>.svc` and `<svc>.<ns>`
 * -> ClusterIP (headless Services: the ready endpoints' pod IPs), plus aliases a test declares
 * (the facility's public names -> Traefik's Service, standing in for the load balancer).
 */
import * as fs from "fs";
import * as net from "net";
import { ApiClient } from "./api";

interface Target {
    ip: string;
    port: number;
}

/** The userspace Service proxy and the hosts-file DNS. */
export class ServiceProxyDouble {
    private readonly listeners = new Map<string, net.Server>();
    private readonly targets = new Map<string, Target[]>();
    private readonly sockets = new Set<net.Socket>();
    private readonly aliases = new Map<string, string>();
    private readonly rr = new Map<string, number>();
    private timer?: NodeJS.Timeout;
    private busy = false;
    private lastHosts = "";
    /** Errors of the last sync, if any. */
    lastError?: string;

    constructor(
        private readonly api: ApiClient,
        private readonly hostsFile = process.env.HEPAF_LIVE_HOSTS ?? "/etc/hosts",
        private readonly baseHosts = fs.readFileSync(process.env.HEPAF_LIVE_HOSTS ?? "/etc/hosts", "utf8"),
    ) {}

    /** Resolves `hostname` to Service `namespace/name`'s address (the load balancer double). */
    alias(hostname: string, service: string): void {
        this.aliases.set(hostname, service);
    }

    /** Starts syncing every `intervalMs`. */
    start(intervalMs = 300): Promise<void> {
        this.timer = setInterval(() => void this.tick(), intervalMs);
        return this.tick();
    }

    /** Syncs once now (also waits for a running sync). */
    async tick(): Promise<void> {
        if (this.busy) return;
        this.busy = true;
        try {
            await this.sync();
            this.lastError = undefined;
        } catch (err) {
            this.lastError = (err as Error).message;
        } finally {
            this.busy = false;
        }
    }

    /** Stops listening and closes every forwarded connection. */
    async stop(): Promise<void> {
        if (this.timer) clearInterval(this.timer);
        for (const s of this.sockets) s.destroy();
        await Promise.all([...this.listeners.values()].map((l) => new Promise((r) => l.close(() => r(undefined)))));
        this.listeners.clear();
        fs.writeFileSync(this.hostsFile, this.baseHosts);
    }

    private async sync(): Promise<void> {
        const [services, slices] = await Promise.all([this.api.get("/api/v1/services"), this.api.get("/apis/discovery.k8s.io/v1/endpointslices")]);
        const byService = new Map<string, any[]>();
        for (const s of slices.items) {
            const svc = s.metadata.labels?.["kubernetes.io/service-name"];
            if (!svc) continue;
            const key = `${s.metadata.namespace}/${svc}`;
            byService.set(key, [...(byService.get(key) ?? []), s]);
        }
        const hosts: string[] = [];
        const addressOf = new Map<string, string>();
        const wanted = new Set<string>();
        for (const svc of services.items) {
            const key = `${svc.metadata.namespace}/${svc.metadata.name}`;
            const ready = (byService.get(key) ?? []).flatMap((sl: any) =>
                (sl.endpoints ?? []).filter((e: any) => e.conditions?.ready !== false).map((e: any) => ({ addresses: e.addresses as string[], ports: sl.ports ?? [] })),
            );
            const names = [`${svc.metadata.name}.${svc.metadata.namespace}.svc.cluster.local`, `${svc.metadata.name}.${svc.metadata.namespace}.svc`, `${svc.metadata.name}.${svc.metadata.namespace}`];
            const clusterIP = svc.spec.clusterIP;
            if (!clusterIP || clusterIP === "None") {
                const ip = ready[0]?.addresses[0];
                if (ip) {
                    hosts.push(`${ip}\t${names.join(" ")}`);
                    addressOf.set(key, ip);
                }
                continue;
            }
            hosts.push(`${clusterIP}\t${names.join(" ")}`);
            addressOf.set(key, clusterIP);
            for (const port of svc.spec.ports ?? []) {
                if ((port.protocol ?? "TCP") !== "TCP") continue;
                const listenKey = `${clusterIP}:${port.port}`;
                wanted.add(listenKey);
                const targets = ready.flatMap((e: any) => {
                    const p = (e.ports as any[]).find((x) => (port.name ? x.name === port.name : true));
                    return p ? e.addresses.map((ip: string) => ({ ip, port: p.port })) : [];
                });
                this.targets.set(listenKey, targets);
                if (!this.listeners.has(listenKey)) await this.listen(clusterIP, port.port, listenKey);
            }
        }
        for (const [k, l] of [...this.listeners]) {
            if (!wanted.has(k)) {
                l.close();
                this.listeners.delete(k);
                this.targets.delete(k);
            }
        }
        for (const [hostname, service] of this.aliases) {
            const ip = addressOf.get(service);
            if (ip) hosts.push(`${ip}\t${hostname}`);
        }
        const text = `${this.baseHosts.trimEnd()}\n${hosts.join("\n")}\n`;
        if (text !== this.lastHosts) {
            // In place: /etc/hosts is a bind mount of this very file.
            fs.writeFileSync(this.hostsFile, text);
            this.lastHosts = text;
        }
    }

    private listen(ip: string, port: number, key: string): Promise<void> {
        const server = net.createServer((client) => {
            this.sockets.add(client);
            client.on("close", () => this.sockets.delete(client));
            const targets = this.targets.get(key) ?? [];
            if (targets.length === 0) {
                client.destroy(); // no ready endpoint: refused, as kube-proxy rejects
                return;
            }
            const i = (this.rr.get(key) ?? 0) % targets.length;
            this.rr.set(key, i + 1);
            const upstream = net.connect(targets[i].port, targets[i].ip);
            this.sockets.add(upstream);
            upstream.on("close", () => this.sockets.delete(upstream));
            client.pipe(upstream).pipe(client);
            const end = () => {
                client.destroy();
                upstream.destroy();
            };
            client.on("error", end);
            upstream.on("error", end);
        });
        this.listeners.set(key, server);
        return new Promise((resolve, reject) => {
            server.once("error", reject);
            server.listen(port, ip, () => resolve());
        });
    }
}
