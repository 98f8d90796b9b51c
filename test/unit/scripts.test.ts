/**
 * The scripts' shared progress helper (scripts/lib/progress.sh), as the scripts use it: under
 * `set -euo pipefail`, with the step's own exit code and nothing left running. (A killed
 * heartbeat once made `set -e` stop python-env.sh after its first step, on a cold machine only.)
 */
import { spawnSync } from "child_process";
import * as path from "path";

const progress = path.join(__dirname, "..", "..", "scripts", "lib", "progress.sh");

function bash(script: string) {
    const r = spawnSync("bash", ["-c", `set -euo pipefail\n. ${JSON.stringify(progress)}\n${script}`], {
        encoding: "utf8",
        env: { ...process.env, HEPAF_PROGRESS_SECONDS: "1" },
        timeout: 60000,
    });
    return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe("progress_run", () => {
    test("a step that succeeds, unguarded under set -e: the script goes on", () => {
        const r = bash('progress_run "[t]" "quick step" true\necho after');
        expect(r.stderr).toContain("[t] quick step: done in");
        expect(r.stderr).not.toContain("unbound variable");
        expect(r.stdout).toBe("after\n");
        expect(r.code).toBe(0);
    });

    test("a step long enough for heartbeats: they stop with it", () => {
        const r = bash('progress_run "[t]" "slow step" sleep 2.5\necho after\nsleep 1.5');
        const beats = r.stderr.split("\n").filter((l) => l.includes("still slow step"));
        expect(beats.length).toBeGreaterThanOrEqual(1);
        // No heartbeat after the step's own last line.
        const lines = r.stderr.trim().split("\n");
        expect(lines[lines.length - 1]).toMatch(/^\[t\] slow step: done in \d+s$/);
        expect(r.stdout).toBe("after\n");
    });

    test("its output captured by the caller ends with the step (no heartbeat's sleep holds it open)", () => {
        // Ten captures of a step that takes no time, racing the heartbeat's start each time.
        const started = Date.now();
        const script = `set -euo pipefail\n. ${JSON.stringify(progress)}\nfor i in 1 2 3 4 5 6 7 8 9 10; do out="$(progress_run "[t]" step echo "made $i" 2>/dev/null)"; echo "$out"; done`;
        const r = spawnSync("bash", ["-c", script], { encoding: "utf8", env: { ...process.env, HEPAF_PROGRESS_SECONDS: "60" }, timeout: 300000 });
        expect(r.stdout).toBe(Array.from({ length: 10 }, (_, i) => `made ${i + 1}\n`).join(""));
        // One sleep left holding a capture would keep it open for its whole 60 s.
        expect(Date.now() - started).toBeLessThan(30000);
    });

    test("a failing step returns its own exit code and says FAILED", () => {
        const r = bash('progress_run "[t]" "bad step" bash -c "exit 7" || echo "rc=$?"');
        expect(r.stderr).toContain("[t] bad step: FAILED after");
        expect(r.stderr).toContain("(exit 7)");
        expect(r.stdout).toBe("rc=7\n");
    });

    test("a script stopped by set -e after the step leaves no heartbeat and no trap error", () => {
        const r = bash('progress_run "[t]" "step" true\nfalse\necho never');
        expect(r.code).toBe(1);
        expect(r.stdout).toBe("");
        expect(r.stderr).not.toContain("unbound variable");
    });
});
