/**
 * A test double of a CNI plugin, in the live tier's own network namespace: each pod that runs
 * gets a network namespace of its own with its pod IP (the one kwok put in the pod's status) on
 * eth0, joined to the tier's namespace (the "node") by a veth pair and a /32 route, Calico-style:
 * the pod's default route points at a link-local gateway address that the node carries on its
 * end of every pod's link. Pods reach each other and the Service addresses on the node; nothing
 * leaves the tier.
 */
import { execFileSync } from "child_process";

const GATEWAY = "169.254.1.1";

function ip(args: string[]): void {
    execFileSync("ip", args, { stdio: ["ignore", "ignore", "pipe"] });
}

/** One pod's network: the named namespace to run its processes in. */
export interface PodNet {
    netns: string;
    ip: string;
    hostIf: string;
}

/** Network namespaces and veth pairs of the running pods. */
export class PodNetwork {
    private next = 0;
    private readonly pods = new Map<string, PodNet>();

    /** Gives pod `key` (namespace/name) its namespace with address `podIp`. */
    attach(key: string, podIp: string): PodNet {
        const existing = this.pods.get(key);
        if (existing) return existing;
        // kwok hands a deleted pod's address to the next pod at once: that pod's network goes first.
        for (const [other, net] of this.pods) if (net.ip === podIp) this.detach(other);
        const n = this.next++;
        const net: PodNet = { netns: `hepaf-pod-${n}`, ip: podIp, hostIf: `hpod${n}` };
        ip(["netns", "add", net.netns]);
        ip(["link", "add", net.hostIf, "type", "veth", "peer", "name", "eth0", "netns", net.netns]);
        ip(["-n", net.netns, "link", "set", "lo", "up"]);
        ip(["-n", net.netns, "addr", "add", `${podIp}/32`, "dev", "eth0"]);
        ip(["-n", net.netns, "link", "set", "eth0", "up"]);
        ip(["-n", net.netns, "route", "add", GATEWAY, "dev", "eth0", "scope", "link"]);
        ip(["-n", net.netns, "route", "add", "default", "via", GATEWAY, "dev", "eth0"]);
        ip(["link", "set", net.hostIf, "up"]);
        // The node answers for the gateway address on every pod's link (it is its own address there).
        ip(["addr", "add", `${GATEWAY}/32`, "dev", net.hostIf]);
        ip(["route", "add", `${podIp}/32`, "dev", net.hostIf]);
        this.pods.set(key, net);
        return net;
    }

    /** Removes pod `key`'s namespace and veth pair. */
    detach(key: string): void {
        const net = this.pods.get(key);
        if (!net) return;
        this.pods.delete(key);
        try {
            ip(["link", "del", net.hostIf]);
        } catch {
            // gone with the namespace
        }
        try {
            ip(["netns", "del", net.netns]);
        } catch {
            // already gone
        }
    }

    /** Removes every pod network. */
    detachAll(): void {
        for (const key of [...this.pods.keys()]) this.detach(key);
    }
}
