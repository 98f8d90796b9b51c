/**
 * Where the live tier's programs are: the binaries scripts/live-tools.sh built (cached outside
 * the repository, keyed by version), the project's Python venv (for what runs outside pods:
 * the HTCondor doubles, batch nodes, laptops), the images scripts/images.sh built (every pod's
 * software), and the kubelet double's container-start step (test/live/runtime, built by `go`
 * on first use, cached by the hash of its source). A missing one is one line naming it and the
 * command that makes it.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { createHash } from "crypto";

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
    /** Prometheus 3.16.0 (Kubernetes service discovery only), as the Prometheus image double holds it. */
    prometheus: string;
    /** promtool of the same build: `check rules`, `test rules`, `check config`. */
    promtool: string;
    /** The venv's bin directory (python, dask, the htcondor2 bindings): software outside pods. */
    venvBin: string;
    python: string;
    /** The container-start step of the kubelet double (test/live/runtime). */
    runtimeDouble: string;
    /** The built images, by reference (scripts/images.sh --print-index). */
    images: Record<string, BuiltImage>;
}

/** An image scripts/images.sh built: its unpacked root filesystem and its config. */
export interface BuiltImage {
    rootfs: string;
    /** The OCI image config's `config`: Entrypoint, Cmd, User, Env, WorkingDir, ... */
    config: { Entrypoint?: string[] | null; Cmd?: string[] | null; User?: string; Env?: string[]; WorkingDir?: string; Labels?: Record<string, string> };
    key: string;
    layersBytes: number;
}

/**
 * Builds (once, cached outside the repository by the hash of its go.mod, go.sum and main.go)
 * the Go program in `src` (a folder of the repository; its modules, pinned by its go.sum, come
 * from the Go module proxy into the live tools' module cache); returns the binary's path,
 * `<cache>/bin/<name>-<hash>`.
 */
export function goProgram(src: string, name: string): string {
    const hash = createHash("sha256");
    for (const f of ["go.mod", "go.sum", "main.go"]) if (fs.existsSync(path.join(src, f))) hash.update(fs.readFileSync(path.join(src, f)));
    const cache = process.env.HEPAF_CACHE ?? path.join(process.env.HOME ?? "/root", ".cache", "hepaf");
    const bin = path.join(cache, "bin", `${name}-${hash.digest("hex").slice(0, 12)}`);
    if (!fs.existsSync(bin)) {
        fs.mkdirSync(path.dirname(bin), { recursive: true });
        const env = {
            ...process.env, CGO_ENABLED: "0", GOTOOLCHAIN: "local", GOFLAGS: "-buildvcs=false", GOWORK: "off",
            GOCACHE: process.env.HEPAF_GOCACHE ?? path.join(cache, "go", "build"),
            GOMODCACHE: process.env.HEPAF_GOMODCACHE ?? path.join(cache, "go", "mod"),
        };
        execFileSync("go", ["build", "-o", `${bin}.partial`, "."], { cwd: src, env, stdio: ["ignore", "ignore", "pipe"] });
        fs.renameSync(`${bin}.partial`, bin);
    }
    return bin;
}

/** The kubelet double's container-start step (test/live/runtime). */
function runtimeDouble(): string {
    return goProgram(path.join(ROOT, "test", "live", "runtime"), "runtime-double");
}

let cached: Tools | undefined;

/**
 * Where scripts/live-tools.sh puts its programs (`--print-bin`: name -> path; built or not),
 * without the venv, the images or the runtime double: for tests that need one program only.
 */
export function liveBinaries(): Record<string, string> {
    const out = execFileSync("bash", [path.join(ROOT, "scripts", "live-tools.sh"), "--print-bin", "--no-build"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    return Object.fromEntries(
        out
            .trim()
            .split("\n")
            .map((l) => l.split("=", 2) as [string, string]),
    );
}

/** Where every program is (see {@link need} for the check). */
export function tools(): Tools {
    if (cached) return cached;
    const bin = liveBinaries();
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
        prometheus: bin.prometheus,
        promtool: bin.promtool,
        venvBin: path.dirname(python),
        python,
        runtimeDouble: runtimeDouble(),
        images: JSON.parse(execFileSync("bash", [path.join(ROOT, "scripts", "images.sh"), "--doubles", "--print-index", "--no-build"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] })),
    };
    cached = t;
    return t;
}

/** Checks that the named programs exist; throws one line naming the first one missing. */
export function need(t: Tools, names: Exclude<keyof Tools, "images">[]): void {
    for (const name of names) {
        const p = t[name];
        if (!p || !fs.existsSync(p)) {
            throw new Error(`live: ${name} is missing (${p || "no path"}); run scripts/live-tools.sh (Go programs) or scripts/python-env.sh (venv)`);
        }
    }
}
