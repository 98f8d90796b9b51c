/**
 * The anchors Traefik is measured against in the front door's cost bench, started by the bench
 * and stopped by their PIDs: HAProxy (the distribution's package, scripts/haproxy.sh) routing
 * the bench's name by SNI with TLS passthrough, and a plain relay (bench/front-door/relay: Go's
 * io.Copy between TCP sockets, splice(2); one backend, no SNI parsing) as the floor. Each runs
 * in a network namespace the bench names (Traefik's own pod's, so every relay's bytes take the
 * same veth pair), on the CPUs it is given from its start (HAProxy then sizes its threads to
 * them, as Go sizes GOMAXPROCS to them).
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Proc, startProcess, waitFor } from "../../test/live/harness/processes";
import { goProgram, ROOT } from "../../test/live/harness/tools";

/** Where an anchor listens, what it sends to, and the one name it routes. */
export interface AnchorTarget {
    /** ip:port it listens on. */
    listen: string;
    /** ip:port of the scheduler. */
    backend: string;
    /** The TLS SNI it routes (HAProxy only; the relay routes everything to the backend). */
    sni: string;
}

/**
 * HAProxy's configuration: TCP mode, the ClientHello inspected for its SNI, the bench's name
 * sent on unchanged (passthrough), anything else refused. No logging, no splicing (HAProxy's
 * defaults: it copies through its own buffers, as Traefik does).
 */
export function haproxyConfig(t: AnchorTarget): string {
    return [
        "global",
        "    maxconn 1000",
        "defaults",
        "    mode tcp",
        "    timeout connect 5s",
        "    timeout client 120s",
        "    timeout server 120s",
        "frontend dask",
        `    bind ${t.listen}`,
        "    tcp-request inspect-delay 5s",
        "    tcp-request content accept if { req_ssl_hello_type 1 }",
        `    use_backend scheduler if { req_ssl_sni -i ${t.sni} }`,
        "backend scheduler",
        `    server scheduler ${t.backend}`,
        "",
    ].join("\n");
}

/** The anchors' programs. */
export interface AnchorPrograms {
    haproxy: string;
    relay: string;
}

/** HAProxy's path (installed by scripts/haproxy.sh when missing) and the relay's (built once). */
export function anchorPrograms(): AnchorPrograms {
    const haproxy = execFileSync("bash", [path.join(ROOT, "scripts", "haproxy.sh")], { encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] }).trim();
    return { haproxy, relay: goProgram(path.join(ROOT, "bench", "front-door", "relay"), "bench-relay") };
}

/** Which anchor. */
export type AnchorKind = "haproxy" | "relay";

/** Starts an anchor in `netns` (default the bench's own) on `cpus` (a taskset list); waits until it listens. */
export async function startAnchor(kind: AnchorKind, programs: AnchorPrograms, dir: string, netns: string | undefined, cpus: string, t: AnchorTarget): Promise<Proc> {
    fs.mkdirSync(dir, { recursive: true });
    let argv: string[];
    if (kind === "haproxy") {
        const cfg = path.join(dir, "haproxy.cfg");
        fs.writeFileSync(cfg, haproxyConfig(t));
        execFileSync(programs.haproxy, ["-c", "-q", "-f", cfg]);
        argv = [programs.haproxy, "-db", "-f", cfg];
    } else {
        argv = [programs.relay, t.listen, t.backend];
    }
    // ip netns exec, then taskset, exec the program: the PID is the program's own.
    const proc = startProcess(dir, `${kind}-cpu${cpus}`, "taskset", ["-c", cpus, ...argv], { netns });
    const [ip, port] = t.listen.split(":");
    await waitFor(`${kind} to listen on ${t.listen}`, () => listens(netns, ip, Number(port)), { timeoutMs: 20000, intervalMs: 100, watch: [proc] });
    return proc;
}

/** Whether something listens on ip:port in `netns` (ss, as root in the bench's namespaces). */
function listens(netns: string | undefined, ip: string, port: number): boolean {
    const ss = ["ss", "-Htln", `sport = :${port}`];
    const out = netns ? execFileSync("ip", ["netns", "exec", netns, ...ss], { encoding: "utf8" }) : execFileSync(ss[0], ss.slice(1), { encoding: "utf8" });
    return out.includes(`${ip}:${port}`);
}
