/**
 * Test doubles of machines outside the cluster, in the live tier's own network namespace: each
 * is a network namespace of its own joined to the node by a veth pair, like a pod (see
 * pod-network.ts), with the routes such a machine has. A batch node is on the site network:
 * it reaches the front door, the pods, anything. A laptop on the Internet reaches only the
 * facility's one public address (what the load balancer exposes): a packet to any other
 * address of the site (a pod, a batch node) has no route ("Network is unreachable").
 */
import { execFileSync } from "child_process";

const GATEWAY = "169.254.1.1";

function ip(args: string[]): void {
    execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });
}

/** A machine outside the cluster: the namespace to run its processes in, and its address. */
export interface Host {
    netns: string;
    ip: string;
    hostIf: string;
}

/** Outside machines of one test, removed by {@link HostNetwork.detachAll}. */
export class HostNetwork {
    private readonly hosts = new Map<string, Host>();

    /**
     * Adds machine `name` at `address` (outside the pod and Service ranges). `reach`: "site" for a
     * default route (a batch node), or the only addresses it may reach (a laptop: the front door's).
     */
    attach(name: string, address: string, reach: "site" | string[]): Host {
        if (this.hosts.has(name)) throw new Error(`host ${name} exists`);
        const n = this.hosts.size;
        const host: Host = { netns: `hepaf-host-${name}`, ip: address, hostIf: `hhost${n}` };
        ip(["netns", "add", host.netns]);
        this.hosts.set(name, host);
        ip(["link", "add", host.hostIf, "type", "veth", "peer", "name", "eth0", "netns", host.netns]);
        ip(["-n", host.netns, "link", "set", "lo", "up"]);
        ip(["-n", host.netns, "addr", "add", `${address}/32`, "dev", "eth0"]);
        ip(["-n", host.netns, "link", "set", "eth0", "up"]);
        ip(["-n", host.netns, "route", "add", GATEWAY, "dev", "eth0", "scope", "link"]);
        if (reach === "site") {
            ip(["-n", host.netns, "route", "add", "default", "via", GATEWAY, "dev", "eth0"]);
        } else {
            for (const to of reach) ip(["-n", host.netns, "route", "add", `${to}/32`, "via", GATEWAY, "dev", "eth0"]);
        }
        ip(["link", "set", host.hostIf, "up"]);
        ip(["addr", "add", `${GATEWAY}/32`, "dev", host.hostIf]);
        ip(["route", "add", `${address}/32`, "dev", host.hostIf]);
        return host;
    }

    /** Removes every machine's namespace and link. */
    detachAll(): void {
        for (const host of this.hosts.values()) {
            try {
                ip(["link", "del", host.hostIf]);
            } catch {
                // gone with the namespace
            }
            try {
                ip(["netns", "del", host.netns]);
            } catch {
                // already gone
            }
        }
        this.hosts.clear();
    }
}
