/**
 * The real kubectl (built at the API server's version) against the live control plane, with a
 * given kubeconfig: the admin's, or a ServiceAccount's token.
 */
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { stringify } from "yaml";

/** What one kubectl call returned. */
export interface KubectlResult {
    status: number;
    stdout: string;
    /** Everything kubectl wrote on stderr: errors, and the API server's warnings ("Warning: ..."). */
    stderr: string;
}

/** A kubectl bound to one kubeconfig. */
export class Kubectl {
    constructor(
        readonly binary: string,
        readonly kubeconfig: string,
    ) {}

    /** Runs kubectl; never throws (see {@link Kubectl.ok}). */
    run(args: string[], input?: string, timeoutMs = 120000): KubectlResult {
        const r = spawnSync(this.binary, ["--kubeconfig", this.kubeconfig, ...args], { input, encoding: "utf8", timeout: timeoutMs, maxBuffer: 256 * 1024 * 1024 });
        return { status: r.status ?? -1, stdout: r.stdout ?? "", stderr: `${r.stderr ?? ""}${r.error ? String(r.error) : ""}` };
    }

    /** Runs kubectl and returns stdout; throws with kubectl's own message on failure. */
    ok(args: string[], input?: string, timeoutMs?: number): string {
        const r = this.run(args, input, timeoutMs);
        if (r.status !== 0) {
            throw new Error(`kubectl ${args.join(" ")} failed (${r.status}): ${r.stderr.trim()}`);
        }
        return r.stdout;
    }

    /** `kubectl get ... -o json`, parsed. */
    json<T = any>(args: string[]): T {
        return JSON.parse(this.ok([...args, "-o", "json"])) as T;
    }

    /** The object, or undefined when it does not exist. */
    find<T = any>(kind: string, name: string, namespace?: string): T | undefined {
        const r = this.run(["get", kind, name, ...(namespace ? ["-n", namespace] : []), "-o", "json"]);
        if (r.status !== 0) {
            if (/NotFound|not found/.test(r.stderr)) return undefined;
            throw new Error(`kubectl get ${kind} ${name} failed: ${r.stderr.trim()}`);
        }
        return JSON.parse(r.stdout) as T;
    }

    /** A ServiceAccount token from the TokenRequest API (real, bound, short-lived). */
    token(namespace: string, serviceAccount: string, opts: { boundPod?: string; duration?: string } = {}): string {
        const args = ["create", "token", serviceAccount, "-n", namespace, "--duration", opts.duration ?? "2h"];
        if (opts.boundPod) args.push("--bound-object-kind", "Pod", "--bound-object-name", opts.boundPod);
        return this.ok(args).trim();
    }
}

/** Writes a kubeconfig for `server` with the CA and either a token or a client certificate. */
export function writeKubeconfig(
    file: string,
    server: string,
    caFile: string,
    user: { token: string } | { cert: string; key: string },
): string {
    const credentials = "token" in user ? { token: user.token } : { "client-certificate": user.cert, "client-key": user.key };
    fs.mkdirSync(path.dirname(file), { recursive: true });
    const config = {
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "live", cluster: { server, "certificate-authority": caFile } }],
        users: [{ name: "user", user: credentials }],
        contexts: [{ name: "live", context: { cluster: "live", user: "user" } }],
        "current-context": "live",
    };
    fs.writeFileSync(file, stringify(config), { mode: 0o600 });
    return file;
}
