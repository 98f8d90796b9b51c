/**
 * A real browser for the live tier: Debian's chromium (installed by scripts/browser.sh), driven
 * by playwright-core (which downloads no browser of its own), started inside an outside
 * machine's network namespace (a laptop double, host-network.ts), so that it reaches only what
 * a user's browser reaches, with the facility's public names resolving as the tier's DNS double
 * says. It trusts the facility's root CA the way a user who installed `root-ca.crt` does: in the
 * NSS certificate database of its own HOME (`~/.pki/nssdb`, made with NSS's certutil), trusted
 * for websites; nothing turns certificate checks off.
 */
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as path from "path";
import { Browser, BrowserServer, chromium } from "playwright-core";
import { waitFor } from "./processes";
import { ROOT } from "./tools";

/** A running browser: the connection, and its process (stopped by PID). */
export interface LiveBrowser {
    browser: Browser;
    pid: number;
    /** The HOME it runs with (its NSS database, its profile's files). */
    home: string;
    /** Closes the browser; kills its process group if it does not go within `graceMs`. */
    stop(graceMs?: number): Promise<void>;
}

/** The browser's binary (scripts/browser.sh installs it when missing, outside the tier's namespaces). */
export function chromiumBinary(): string {
    try {
        return execFileSync("bash", [path.join(ROOT, "scripts", "browser.sh"), "--print-bin"], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] }).trim();
    } catch (err) {
        throw new Error(`live: no browser: ${((err as { stderr?: Buffer }).stderr ?? "").toString().trim() || (err as Error).message} (run scripts/browser.sh, as scripts/test-live.sh does)`);
    }
}

/** An NSS database in `home` that trusts `caPem` for websites, as certutil makes it for a user. */
export function trustingHome(home: string, caPem: string, nickname: string): void {
    const db = path.join(home, ".pki", "nssdb");
    fs.mkdirSync(db, { recursive: true });
    const caFile = path.join(home, "root-ca.crt");
    fs.writeFileSync(caFile, caPem);
    execFileSync("certutil", ["-N", "-d", `sql:${db}`, "--empty-password"], { stdio: ["ignore", "ignore", "pipe"] });
    // "C,,": a trusted CA for TLS servers (websites), nothing else.
    execFileSync("certutil", ["-A", "-d", `sql:${db}`, "-n", nickname, "-t", "C,,", "-i", caFile], { stdio: ["ignore", "ignore", "pipe"] });
}

/** Starts headless chromium in network namespace `netns`, trusting `caPem`, its files under `dir`. */
export async function startBrowser(dir: string, netns: string, caPem: string): Promise<LiveBrowser> {
    const bin = chromiumBinary();
    // Chromium cancels requests in flight when its network changes (ERR_NETWORK_CHANGED): let the
    // machine's addresses settle first (IPv6 duplicate address detection keeps a fresh link's
    // addresses "tentative" for a moment).
    await waitFor(`the network of ${netns} settled`, () => execFileSync("ip", ["-n", netns, "addr", "show", "tentative"], { encoding: "utf8" }).trim() === "", { timeoutMs: 20000, intervalMs: 200 });
    const home = path.join(dir, "home");
    trustingHome(home, caPem, "facility root CA");
    // Playwright starts the program it is given with its own pipes: this one enters the laptop's
    // network namespace and becomes chromium (exec), so the PID Playwright has is chromium's.
    const wrapper = path.join(dir, "chromium-on-laptop");
    fs.writeFileSync(wrapper, `#!/bin/sh\nexec ip netns exec ${netns} ${bin} "$@"\n`, { mode: 0o755 });
    const server: BrowserServer = await chromium.launchServer({
        executablePath: wrapper,
        headless: true,
        // The tier runs as root, and chromium's sandbox refuses root: --no-sandbox is for the
        // test only (the pages are the facility's own). Certificate checks stay on.
        args: ["--no-sandbox", "--disable-dev-shm-usage"],
        env: { HOME: home, PATH: process.env.PATH ?? "/usr/bin:/bin", LANG: "C.UTF-8", TZ: "UTC" },
        handleSIGINT: false,
        handleSIGTERM: false,
        handleSIGHUP: false,
        timeout: 60000,
    });
    const pid = server.process().pid!;
    const browser = await chromium.connect(server.wsEndpoint(), { timeout: 30000 });
    const stop = async (graceMs = 10000) => {
        const gone = new Promise<void>((resolve) => (server.process().exitCode !== null ? resolve() : server.process().once("exit", () => resolve())));
        await Promise.race([browser.close().then(() => server.close()), new Promise((r) => setTimeout(r, graceMs).unref())]).catch(() => undefined);
        if ((await Promise.race([gone.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 2000).unref())])) === false) {
            for (const target of [-pid, pid]) {
                try {
                    process.kill(target, "SIGKILL");
                } catch {
                    // already gone
                }
            }
        }
    };
    return { browser, pid, home, stop };
}
