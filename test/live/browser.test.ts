/**
 * What users see, in a real browser: headless chromium (Debian's, driven by playwright-core) on
 * a laptop double that reaches only the facility's public address, trusting the facility root
 * as a user who installed root-ca.crt does (harness/browser.ts). Through real Traefik, the real
 * hub and proxy, the notebook image's JupyterLab and dask-labextension, the Dask access service,
 * the session scheduler's and a gateway cluster's Bokeh dashboards, each journey asserts what the
 * page shows and keeps a screenshot in the test's directory (kept with HEPAF_LIVE_KEEP=1):
 *
 * 1. a CMS user signs in (dummy login), picks the CMS profile, the spawn reaches JupyterLab; the
 *    Dask panel's "new" makes the group's cluster kind;
 * 2. in that session a notebook computes on it; the dashboard link opens through Traefik and its
 *    plots draw and update over the websocket while the tasks run;
 * 3. the Dask access page: the CMS bundle downloads as a zip of the right name; the open-data
 *    bundle's address is refused with a page that says why;
 * 4. an open-data user gets a refusal page at the CMS user's dashboard; a signed-out browser is
 *    sent to the hub's sign-in and comes back to the dashboard;
 * 5. a gateway cluster's dashboard, from the link the gateway client gives.
 */
import * as fs from "fs";
import * as path from "path";
import { BrowserContext, Page, Response } from "playwright-core";
import { LiveBrowser, startBrowser } from "./harness/browser";
import { deploymentLogs, LiveFacility, startFacility, waitDeploymentRunning, waitFrontDoor } from "./harness/facility";
import { Host, HostNetwork } from "./harness/host-network";
import { HubSession } from "./harness/hub-client";
import { Proc, startProcess, waitFor } from "./harness/processes";
import { ROOT } from "./harness/tools";

jest.setTimeout(20 * 60 * 1000);

const DOMAIN = "https://af.example.org";
const ALICE_DASHBOARD = `${DOMAIN}/services/dask/sessions/alice/status`;
let f: LiveFacility;
let rootCa: string;
const hosts = new HostNetwork();
let laptop: Host;
let live: LiveBrowser;
let shotDir: string;
const shots: string[] = [];
const timings: Record<string, number> = {};
let alice: BrowserContext;
let lab: Page;
const t0 = Date.now();

beforeAll(async () => {
    // Open data's gateway is not needed here (its users only sign in); CMS's runs (journey 5).
    f = await startFacility("dev", { names: ["alice.dask.af.example.org"], run: (pod) => pod.metadata.namespace !== "af-opendata" || !/dask-gateway/.test(pod.spec.containers[0].image) });
    try {
        for (const [ns, name] of [["af", "af-hub"], ["af", "af-proxy"], ["af", "af-dask-access"], ["af-cms", "dask-gateway-api"], ["af-cms", "dask-gateway-controller"]]) {
            await waitDeploymentRunning(f, ns, name);
        }
        await waitFrontDoor(f);
        rootCa = f.cp.admin.find("configmap", "hepaf-root-ca", "af").data["ca.crt"];
        const probe = new HubSession(DOMAIN, "probe", { ca: rootCa });
        await waitFor(`${DOMAIN}/services/dask/health through Traefik`, async () => (await probe.request("GET", "/services/dask/health")).status === 200, { timeoutMs: 120000, intervalMs: 500 });
        await probe.close();
    } catch (err) {
        throw new Error(`${(err as Error).message}\n${deploymentLogs(f, "af", "af-dask-access")}`);
    }
    const edge = f.cp.admin.find("service", "af-edge", "af").spec.clusterIP;
    laptop = hosts.attach("laptop", "10.250.0.2", [edge]);
    shotDir = path.join(f.cp.dir, "screenshots");
    fs.mkdirSync(shotDir, { recursive: true });
    live = await startBrowser(path.join(f.cp.dir, "browser"), laptop.netns, rootCa);
    timings.setup = (Date.now() - t0) / 1000;
});
afterAll(async () => {
    await live?.stop();
    await f?.stop();
    hosts.detachAll();
    console.log(`live browser: journeys ${JSON.stringify(timings)} s; screenshots ${shots.join(", ")}; file ${((Date.now() - t0) / 1000).toFixed(0)} s`);
});

/** A screenshot of `page`, kept in the test's directory as `<name>.png`. */
async function shot(page: Page, name: string): Promise<void> {
    await page.screenshot({ path: path.join(shotDir, `${name}.png`), timeout: 30000 });
    shots.push(`${name}.png`);
}

/** Runs `journey`, timing it; on failure keeps a screenshot of each open page. */
async function journey(name: string, fn: () => Promise<void>): Promise<void> {
    const start = Date.now();
    try {
        await fn();
    } catch (err) {
        for (const [i, page] of live.browser.contexts().flatMap((c) => c.pages()).entries()) {
            await shot(page, `${name}-failed-${i}`).catch(() => undefined);
        }
        throw err;
    } finally {
        timings[name] = Math.round((Date.now() - start) / 100) / 10;
    }
}

/** Fills and submits the hub's login form on `page` (any password, dummy login). */
async function hubLogin(page: Page, user: string): Promise<void> {
    await page.locator("#username_input").fill(user);
    await page.locator("#password_input").fill("live");
    await Promise.all([page.waitForNavigation({ timeout: 60000 }), page.locator("#login_submit").click()]);
}

/** What a Bokeh dashboard page draws: its canvases and how many of their pixels are painted. */
async function drawn(page: Page): Promise<{ canvases: number; painted: number; signature: string }> {
    // Canvases live in Bokeh's shadow roots; Playwright's CSS selectors go through open ones.
    const each = await page.locator("canvas").evaluateAll((els) =>
        els.map((el) => {
            // No DOM types in the project's TypeScript: the element is a canvas.
            const c = el as any;
            if (!c.width || !c.height) return { painted: 0, sum: 0 };
            const ctx = c.getContext("2d");
            if (!ctx) return { painted: 0, sum: 0 };
            const d = ctx.getImageData(0, 0, c.width, c.height).data;
            let painted = 0;
            let sum = 0;
            for (let i = 0; i < d.length; i += 4) {
                // Not transparent and not white: something was drawn there.
                if (d[i + 3] > 0 && (d[i] < 250 || d[i + 1] < 250 || d[i + 2] < 250)) {
                    painted++;
                    sum = (sum + d[i] * 3 + d[i + 1] * 5 + d[i + 2] * 7 + i) % 1000000007;
                }
            }
            return { painted, sum };
        }),
    );
    return { canvases: each.length, painted: each.reduce((a, e) => a + e.painted, 0), signature: each.map((e) => `${e.painted}:${e.sum}`).join(",") };
}

/** Watches the Bokeh websocket of `page` (opened after this call): its URL and frames received. */
function watchSocket(page: Page): { url?: string; frames: number; closed: boolean } {
    const seen: { url?: string; frames: number; closed: boolean } = { frames: 0, closed: false };
    page.on("websocket", (ws) => {
        if (!/\/ws(\?|$)/.test(ws.url())) return;
        seen.url = ws.url();
        ws.on("framereceived", () => seen.frames++);
        ws.on("close", () => (seen.closed = true));
    });
    return seen;
}

/** The page's visible text. */
const text = (page: Page) => page.locator("body").innerText({ timeout: 30000 });

test("1. a CMS user signs in, picks the CMS profile and reaches JupyterLab; the Dask panel's new cluster makes the group's kind", async () => {
    await journey("1-jupyterlab", async () => {
        alice = await live.browser.newContext({ acceptDownloads: true, viewport: { width: 1400, height: 900 } });
        // Every action and wait of the pages bounded (Playwright's default is none for some).
        alice.setDefaultTimeout(60000);
        lab = await alice.newPage();
        const first = await lab.goto(`${DOMAIN}/hub/login`, { timeout: 60000 });
        expect(first?.status()).toBe(200);
        await hubLogin(lab, "alice");
        // The spawn form: CMS's profile only (alice is in CMS), as KubeSpawner renders it.
        await lab.goto(`${DOMAIN}/hub/spawn`, { timeout: 60000 });
        const profiles = lab.locator("#kubespawner-profiles-list h3");
        await profiles.first().waitFor({ timeout: 60000 });
        expect(await profiles.allInnerTexts()).toEqual(["Coffea (CMS)"]);
        await lab.locator("#profile-item-cms-coffea").check();
        await shot(lab, "1-spawn-form");
        await Promise.all([lab.waitForURL(/\/user\/alice\/lab/, { timeout: 300000 }), lab.locator("#spawn_form button[type=submit]").click()]);
        // JupyterLab, drawn by its JavaScript from the notebook image: the launcher with a Python notebook.
        await lab.locator(".jp-LauncherCard[data-category='Notebook']").first().waitFor({ timeout: 180000 });
        expect(await lab.title()).toMatch(/JupyterLab/);
        // The Dask panel of dask-labextension, opened from its tab in the left sidebar.
        await lab.locator("li[data-id='dask-dashboard-launcher']").click();
        const panel = lab.locator("#dask-dashboard-launcher");
        const create = panel.getByRole("button", { name: /new/i }).first();
        await create.waitFor({ timeout: 60000 });
        await create.click();
        // The group's cluster kind, made by the factory the pod's settings name, with its dedicated worker.
        const card = panel.locator(".dask-ClusterListingItem").first();
        await card.waitFor({ timeout: 180000 });
        await expect(card.locator(".dask-ClusterListingItem-title").innerText()).resolves.toBe("HTCondorSessionCluster 1");
        await waitFor("the cluster's dedicated worker in the panel", async () => /Number of Workers: 1\b/.test(await card.innerText({ timeout: 5000 })), { timeoutMs: 120000, intervalMs: 500 });
        const link = card.locator(".dask-ClusterListingItem-link a");
        expect(await link.getAttribute("href")).toBe(ALICE_DASHBOARD);
        await shot(lab, "1-dask-panel");
    });
});

test("2. in that session a notebook computes on the cluster; its dashboard link opens through Traefik and the plots draw and update while tasks run", async () => {
    await journey("2-dashboard", async () => {
        expect(lab).toBeDefined();
        // A notebook from the launcher; the panel's "<>" puts the client code in its cell.
        await lab.locator(".jp-LauncherCard[data-category='Notebook']").first().click();
        const cell = lab.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell").first();
        await cell.waitFor({ timeout: 120000 });
        // Its kernel started and connected (through the front door's websocket), as the status bar says.
        const statusBar = lab.locator("#jp-main-statusbar");
        await waitFor("the notebook's kernel idle", async () => /Python 3 \(ipykernel\) \| Idle/.test(await statusBar.innerText({ timeout: 5000 })), { timeoutMs: 180000, intervalMs: 500 }).catch(async (err) => {
            throw new Error(`${err.message}; the status bar says: ${await statusBar.innerText({ timeout: 5000 }).catch(() => "?")}`);
        });
        await lab.locator("#dask-dashboard-launcher .dask-ClusterListingItem-code").first().click();
        await waitFor("the client code in the notebook", async () => /client = Client\("tls:\/\//.test(await lab.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").innerText({ timeout: 5000 })), { timeoutMs: 30000, intervalMs: 300 });
        // Runs a cell (the last, after typing `code` into it) as a user does: Shift+Enter in its editor.
        const cells = lab.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-Cell");
        const run = async (code?: string, last?: ReturnType<typeof cells.first>) => {
            // Pinned by its place: Shift+Enter adds a new last cell.
            const cell = last ?? cells.nth((await cells.count()) - 1);
            await cell.locator(".cm-content").click();
            if (code !== undefined) await lab.keyboard.insertText(code);
            await lab.keyboard.press("Shift+Enter");
            // Sent to the kernel: the prompt shows [*] (running) or its execution count.
            await waitFor("the cell to run", async () => /\[(\*|\d+)\]/.test(await cell.locator(".jp-InputPrompt").innerText({ timeout: 5000 })), { timeoutMs: 30000, intervalMs: 300 }).catch(async (err) => {
                throw new Error(`${err.message}; the status bar says: ${await statusBar.innerText({ timeout: 5000 }).catch(() => "?")}`);
            });
        };
        // The panel puts its code in a new cell above the active one.
        await run(undefined, cells.filter({ hasText: "client = Client(" }).first());
        // The client's summary, as the kernel printed it: the dashboard link of the session.
        const output = lab.locator(".jp-NotebookPanel:not(.lm-mod-hidden) .jp-OutputArea-output").first();
        await waitFor("the client's summary", async () => /Dashboard/.test(await output.innerText({ timeout: 5000 })), { timeoutMs: 180000, intervalMs: 500 });
        expect(await output.locator(`a[href='${ALICE_DASHBOARD}']`).count()).toBeGreaterThan(0);
        await run("import time\ndef work(i):\n    time.sleep(0.5)\n    return i * i\nfutures = client.map(work, range(200), pure=False)\nprint('submitted', len(futures))");
        await waitFor("the tasks submitted", async () => /submitted 200/.test(await lab.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").innerText({ timeout: 5000 })), { timeoutMs: 60000, intervalMs: 500 });

        // The dashboard, from the panel's link (a new tab): one sign-in with the hub, then the status page.
        const [dash] = await Promise.all([alice.waitForEvent("page", { timeout: 30000 }), lab.locator("#dask-dashboard-launcher .dask-ClusterListingItem-link a").first().click()]);
        const socket = watchSocket(dash);
        await dash.waitForURL(ALICE_DASHBOARD, { timeout: 120000 });
        await dash.waitForLoadState("load", { timeout: 60000 });
        await waitFor("the status page's plots drawn", async () => (await drawn(dash)).painted > 1000, { timeoutMs: 90000, intervalMs: 1000 });
        const before = await drawn(dash);
        const framesBefore = socket.frames;
        await dash.waitForTimeout(6000);
        const after = await drawn(dash);
        // The websocket through the front door and its sign-in: open, and the server pushes updates.
        expect(socket.url).toBe("wss://af.example.org/services/dask/sessions/alice/status/ws");
        expect(socket.closed).toBe(false);
        expect(socket.frames - framesBefore).toBeGreaterThan(3);
        expect(before.canvases).toBeGreaterThan(0);
        expect(after.signature).not.toBe(before.signature);
        await shot(dash, "2-dashboard-status");
        // And the notebook has the whole result.
        await lab.bringToFront();
        await run("print('total', sum(client.gather(futures)))");
        const total = (199 * 200 * 399) / 6;
        await waitFor("the computation's result", async () => new RegExp(`total ${total}\\b`).test(await lab.locator(".jp-NotebookPanel:not(.lm-mod-hidden)").innerText({ timeout: 5000 })), { timeoutMs: 180000, intervalMs: 1000 });
        await shot(lab, "2-notebook");
        await dash.close();
    });
});

test("3. the Dask access page: the CMS bundle downloads as a zip of the right name; the open-data bundle's address is refused with a page that says why", async () => {
    await journey("3-bundle", async () => {
        expect(alice).toBeDefined();
        const page = await alice.newPage();
        const res = await page.goto(`${DOMAIN}/services/dask/`, { timeout: 60000 });
        expect(res?.status()).toBe(200);
        expect(page.url()).toBe(`${DOMAIN}/services/dask/`);
        await expect(page.locator("h1").innerText()).resolves.toBe("Dask at af.example.org");
        const body = await text(page);
        expect(body).toContain("Signed in as alice.");
        expect(await page.getByRole("button").allInnerTexts()).toEqual(["Download the cms bundle"]);
        await shot(page, "3-access-page");
        let zipResponse: Response | undefined;
        page.on("response", (r) => {
            if (r.url().endsWith("/services/dask/bundle/cms")) zipResponse = r;
        });
        const [download] = await Promise.all([page.waitForEvent("download", { timeout: 60000 }), page.getByRole("button", { name: "Download the cms bundle" }).click()]);
        expect(download.suggestedFilename()).toBe("af.example.org-cms.zip");
        const file = path.join(f.cp.dir, "downloads", download.suggestedFilename());
        await download.saveAs(file);
        expect(await download.failure()).toBeNull();
        expect(zipResponse?.headers()["content-type"]).toBe("application/zip");
        const zip = fs.readFileSync(file);
        expect(zip.subarray(0, 4).toString("latin1")).toBe("PK\x03\x04");
        const names = startProcess(path.join(f.cp.dir, "downloads"), "zip-listing", f.tools.python, ["-c", "import sys, zipfile; print('\\n'.join(zipfile.ZipFile(sys.argv[1]).namelist()))", file]);
        await waitFor("the zip's listing", () => names.exited(), { timeoutMs: 30000 });
        expect(names.log().trim().split("\n").sort()).toEqual(["README.txt", "ca.crt", "dask.yaml", "root-ca.crt", "tls.crt", "tls.key"].map((n) => `af.example.org-cms/${n}`).sort());

        // The open-data bundle's address, as a colleague might send it: a page that says why not.
        const refused = await page.goto(`${DOMAIN}/services/dask/bundle/opendata`, { timeout: 60000 });
        expect(refused?.status()).toBe(403);
        expect(refused?.headers()["content-type"]).toMatch(/^text\/html/);
        const why = await text(page);
        expect(why).toContain("alice is not a member of opendata");
        expect(await page.getByRole("link", { name: /Dask access page/ }).getAttribute("href")).toBe("/services/dask/");
        expect(await page.getByRole("button").count()).toBe(0);
        await shot(page, "3-opendata-refused");
        // Her own group's address gives the download button, which works.
        await page.goto(`${DOMAIN}/services/dask/bundle/cms`, { timeout: 60000 });
        const [again] = await Promise.all([page.waitForEvent("download", { timeout: 60000 }), page.getByRole("button", { name: "Download the cms bundle" }).click()]);
        expect(again.suggestedFilename()).toBe("af.example.org-cms.zip");
        await page.close();
    });
});

test("4. an open-data user at the CMS user's dashboard gets a refusal page; a signed-out browser is sent to the hub's sign-in and comes back to the dashboard", async () => {
    await journey("4-refusal", async () => {
        const bobs = await live.browser.newContext({ viewport: { width: 1200, height: 700 } });
        bobs.setDefaultTimeout(60000);
        try {
            const page = await bobs.newPage();
            await page.goto(`${DOMAIN}/hub/login`, { timeout: 60000 });
            await hubLogin(page, "bob");
            const res = await page.goto(ALICE_DASHBOARD, { timeout: 60000 });
            // After his sign-in with the service (through the hub's OAuth), the answer is Traefik's
            // forwardAuth refusal, with the access service's own words: not a blank page.
            expect(page.url()).toBe(ALICE_DASHBOARD);
            expect(res?.status()).toBe(403);
            expect(await text(page)).toContain("bob may not see this dashboard");
            await shot(page, "4-bob-refused");
        } finally {
            await bobs.close();
        }
        const fresh = await live.browser.newContext({ viewport: { width: 1400, height: 900 } });
        fresh.setDefaultTimeout(60000);
        try {
            const page = await fresh.newPage();
            await page.goto(ALICE_DASHBOARD, { timeout: 60000 });
            expect(new URL(page.url()).pathname).toBe("/hub/login");
            await page.locator("#username_input").waitFor({ timeout: 30000 });
            await shot(page, "4-signed-out-sent-to-login");
            await hubLogin(page, "alice");
            await page.waitForURL(ALICE_DASHBOARD, { timeout: 60000 });
            await waitFor("the status page's plots drawn after the sign-in", async () => (await drawn(page)).painted > 1000, { timeoutMs: 90000, intervalMs: 1000 });
            await shot(page, "4-back-at-dashboard");
        } finally {
            await fresh.close();
        }
    });
});

test("5. a gateway cluster's dashboard, opened from the link the gateway client gives", async () => {
    await journey("5-gateway", async () => {
        // alice's dask_gateway client on the laptop, configured by nothing but the bundle she
        // downloaded in journey 3 and her hub token, as its README says.
        const zip = path.join(f.cp.dir, "downloads", "af.example.org-cms.zip");
        expect(fs.existsSync(zip)).toBe(true);
        const unzip = startProcess(path.join(f.cp.dir, "downloads"), "unzip-bundle", f.tools.python, ["-m", "zipfile", "-e", zip, path.join(f.cp.dir, "downloads", "bundle")]);
        await waitFor("the bundle unpacked", () => unzip.exited(), { timeoutMs: 30000 });
        const bundle = path.join(f.cp.dir, "downloads", "bundle", "af.example.org-cms");
        const hub = new HubSession(DOMAIN, "alice", { ca: rootCa });
        await hub.login();
        const stopFile = path.join(f.cp.dir, "gateway-client-stop");
        let client: Proc | undefined;
        try {
            client = startProcess(path.join(f.cp.dir, "laptop"), "alice-gateway-client", f.tools.python, [path.join(ROOT, "test", "python", "live", "gateway_client.py"), JSON.stringify({ stopFile })], {
                netns: laptop.netns,
                env: { DASK_CONFIG: bundle, DASK_ROOT_CONFIG: undefined, JUPYTERHUB_API_TOKEN: hub.token, SSL_CERT_FILE: path.join(bundle, "root-ca.crt") },
            });
            const lines = () => client!.log().split("\n").filter((l) => l.startsWith("{")).map((l) => JSON.parse(l));
            const done = await waitFor("the gateway client's result and dashboard link", () => lines().find((l) => "result" in l || "error" in l), { watch: [client], timeoutMs: 360000 }).catch((err) => {
                throw new Error(`${err.message}\n${deploymentLogs(f, "af-cms", "dask-gateway-api").slice(-3000)}`);
            });
            expect(done.error).toBeUndefined();
            expect(done.result).toBe(4950);
            expect(done.dashboard).toMatch(/^https:\/\/af\.example\.org\/services\/dask\/gateways\/cms\/clusters\/af-cms\.[0-9a-f]{32}\/status$/);
            const page = await alice.newPage();
            const socket = watchSocket(page);
            await page.goto(done.dashboard, { timeout: 60000 });
            expect(page.url()).toBe(done.dashboard);
            await waitFor("the gateway cluster's status plots drawn", async () => (await drawn(page)).painted > 1000, { timeoutMs: 90000, intervalMs: 1000 });
            await waitFor("the dashboard's websocket pushing updates", () => socket.frames > 3, { timeoutMs: 30000 });
            expect(socket.url).toBe(`${done.dashboard.replace(/^https:/, "wss:")}/ws`);
            await shot(page, "5-gateway-dashboard");
            await page.close();
        } finally {
            fs.writeFileSync(stopFile, "");
            if (client) await waitFor("the gateway client to shut its cluster down", () => client!.exited(), { timeoutMs: 120000 }).catch(() => client!.stop());
            await hub.close();
        }
    });
});
