/**
 * Where the live tier's programs are: the binaries scripts/live-tools.sh built (cached outside
 * the repository, keyed by version), the project's Python venv, and configurable-http-proxy
 * from node_modules. A missing one is one line naming it and the command that makes it.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";

/** The repository root. */
export const ROOT = path.join(__dirname, "..", "..", "..");

/** Paths of the programs. */
export interface Tools {
    etcd: string;
    kubeApiserver: string;
    kubeControllerManager: string;
    kubeScheduler: string;
    kubectl: string;
    kwok: string;
    /** kwok's Stage definitions (kustomize/stage of its module). */
    kwokStages: string;
    traefik: string;
    /** The venv's bin directory (jupyterhub, dask-gateway-server, dask, python). */
    venvBin: string;
    python: string;
    /** configurable-http-proxy (npm). */
    chp: string;
}

let cached: Tools | undefined;

/** Where every program is (see {@link need} for the check). */
export function tools(): Tools {
    if (cached) return cached;
    const out = execFileSync("bash", [path.join(ROOT, "scripts", "live-tools.sh"), "--print-bin", "--no-build"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    const bin = Object.fromEntries(
        out
            .trim()
            .split("\n")
            .map((l) => l.split("=", 2) as [string, string]),
    );
    const python = execFileSync("bash", [path.join(ROOT, "scripts", "python-env.sh")], { encoding: "utf8" }).trim();
    const t: Tools = {
        etcd: bin.etcd,
        kubeApiserver: bin["kube-apiserver"],
        kubeControllerManager: bin["kube-controller-manager"],
        kubeScheduler: bin["kube-scheduler"],
        kubectl: bin.kubectl,
        kwok: bin.kwok,
        kwokStages: bin["kwok-stages"],
        traefik: bin.traefik,
        venvBin: path.dirname(python),
        python,
        chp: path.join(ROOT, "node_modules", ".bin", "configurable-http-proxy"),
    };
    cached = t;
    return t;
}

/** Checks that the named programs exist; throws one line naming the first one missing. */
export function need(t: Tools, names: (keyof Tools)[]): void {
    for (const name of names) {
        const p = t[name];
        if (!p || !fs.existsSync(p)) {
            throw new Error(`live: ${name} is missing (${p || "no path"}); run scripts/live-tools.sh (Go programs), scripts/python-env.sh (venv) or npm ci`);
        }
    }
}
