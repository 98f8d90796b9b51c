/**
 * A JupyterHub user as a browser and a script are: logs in through the login form (cookies and
 * the XSRF token), asks the hub for an API token, then uses the REST API with it; signs in to a
 * hub service through the hub's OAuth as a browser does (following the redirects). Cookies are
 * kept as a browser keeps them: by name and path, sent only under their path, removed when the
 * server clears them (the hub and each service set their own `_xsrf` on their own paths).
 */
import { Agent, request as undiciRequest } from "undici";

/** Options of a hub session. */
export interface HubSessionOptions {
    /** CA certificates to trust for HTTPS (the facility root). */
    ca?: string;
}

/** A response, its body read. */
export interface HubResponse {
    status: number;
    location?: string;
    headers: Record<string, string | string[] | undefined>;
    text(): Promise<string>;
    json(): Promise<any>;
    bytes(): Promise<Buffer>;
}

interface Cookie {
    name: string;
    value: string;
    path: string;
}

/** One user's session with a hub at `baseUrl` (`https://<domain>` or the proxy's Service URL). */
export class HubSession {
    private readonly cookies = new Map<string, Cookie>();
    private readonly dispatcher: Agent;
    /** The user's API token, once {@link HubSession.login} has run. */
    token?: string;

    constructor(
        readonly baseUrl: string,
        readonly user: string,
        opts: HubSessionOptions = {},
    ) {
        this.dispatcher = new Agent({ connect: { ca: opts.ca }, connections: 4 });
    }

    /** The cookies a browser sends with a request for `path`, most specific path first. */
    private cookiesFor(path: string): Cookie[] {
        const p = path.split("?")[0];
        return [...this.cookies.values()]
            .filter((c) => p === c.path || p.startsWith(c.path.endsWith("/") ? c.path : `${c.path}/`))
            .sort((a, b) => b.path.length - a.path.length);
    }

    /** The value of cookie `name` as sent with a request for `path`, if any. */
    cookie(name: string, path = "/"): string | undefined {
        return this.cookiesFor(path).find((c) => c.name === name)?.value;
    }

    private keep(setCookie: string, requestPath: string): void {
        const [pair, ...attrs] = setCookie.split(";");
        const i = pair.indexOf("=");
        const name = pair.slice(0, i).trim();
        const value = pair.slice(i + 1).trim();
        const attr = (key: string) => attrs.map((a) => a.trim()).find((a) => a.toLowerCase().startsWith(`${key}=`))?.slice(key.length + 1);
        // The default path is the request's directory (RFC 6265 5.1.4).
        const dir = requestPath.split("?")[0].replace(/\/[^/]*$/, "") || "/";
        const path = attr("path") ?? dir;
        const expires = attr("expires");
        const maxAge = attr("max-age");
        const cleared = (maxAge !== undefined && Number(maxAge) <= 0) || (expires !== undefined && Date.parse(expires) < Date.now());
        if (cleared) this.cookies.delete(`${path}|${name}`);
        else this.cookies.set(`${path}|${name}`, { name, value, path });
    }

    /** A raw request with this session's cookies (and token when `useToken`). */
    async request(
        method: string,
        path: string,
        opts: { body?: unknown; form?: Record<string, string>; useToken?: boolean; navigate?: boolean; headers?: Record<string, string> } = {},
    ): Promise<HubResponse> {
        const headers: Record<string, string> = { ...opts.headers };
        // A page load, as a browser makes it (fetch otherwise says "cors"): the hub sets its XSRF
        // cookie only on navigations, and without it the login form's token is checked against a
        // fresh one, which matches only within the same second.
        if (opts.navigate) headers["sec-fetch-mode"] = "navigate";
        const sent = this.cookiesFor(path);
        if (sent.length) headers.cookie = sent.map((c) => `${c.name}=${c.value}`).join("; ");
        // A script's request carries the XSRF token in a header; a form carries its own field only.
        const xsrf = this.cookie("_xsrf", path);
        if (xsrf && !opts.form) headers["x-xsrftoken"] = xsrf;
        if (opts.useToken && this.token) headers.authorization = `token ${this.token}`;
        let body: string | undefined;
        if (opts.form) {
            headers["content-type"] = "application/x-www-form-urlencoded";
            body = new URLSearchParams(opts.form).toString();
        } else if (opts.body !== undefined) {
            headers["content-type"] = "application/json";
            body = JSON.stringify(opts.body);
        }
        // undici's request, not fetch: fetch would send "Sec-Fetch-Mode: cors" whatever is asked.
        const r = await undiciRequest(`${this.baseUrl}${path}`, { method: method as any, headers, body, dispatcher: this.dispatcher });
        const setCookie = r.headers["set-cookie"];
        for (const c of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) this.keep(c, path);
        const data = Buffer.from(await r.body.arrayBuffer());
        const location = r.headers.location;
        return {
            status: r.statusCode,
            location: Array.isArray(location) ? location[0] : location,
            headers: r.headers,
            text: async () => data.toString("utf8"),
            json: async () => JSON.parse(data.toString("utf8")),
            bytes: async () => data,
        };
    }

    /** GETs `path` as a browser navigates, following redirects on this host (at most `hops`); the last response and the paths visited. */
    async navigate(path: string, hops = 10): Promise<{ res: HubResponse; visited: string[] }> {
        const visited = [path];
        let res = await this.request("GET", path, { navigate: true });
        for (let hop = 0; hop < hops && res.status >= 300 && res.status < 400 && res.location; hop++) {
            const to = new URL(res.location, `${this.baseUrl}${visited[visited.length - 1]}`);
            if (to.origin !== new URL(this.baseUrl).origin) throw new Error(`redirect off the hub's host: ${to}`);
            visited.push(`${to.pathname}${to.search}`);
            res = await this.request("GET", `${to.pathname}${to.search}`, { navigate: true });
        }
        return { res, visited };
    }

    /** Logs in through the form (any password for the dummy login) and gets an API token. */
    async login(password = "live"): Promise<void> {
        const { res: page } = await this.navigate("/hub/login", 5);
        const html = await page.text();
        // As a browser submits the form: with its hidden _xsrf field.
        const xsrf = /name="_xsrf"\s+value="([^"]*)"/.exec(html)?.[1] ?? this.cookie("_xsrf", "/hub/login") ?? "";
        if (!this.cookie("_xsrf", "/hub/login")) throw new Error(`login of ${this.user}: the login page set no _xsrf cookie`);
        const res = await this.request("POST", "/hub/login", { form: { username: this.user, password, _xsrf: xsrf } });
        if (res.status !== 302) throw new Error(`login of ${this.user}: HTTP ${res.status} ${pageMessage(await res.text())}`);
        const tokenRes = await this.request("POST", `/hub/api/users/${encodeURIComponent(this.user)}/tokens`, { body: { note: "live tier" } });
        if (tokenRes.status !== 201) throw new Error(`token of ${this.user}: HTTP ${tokenRes.status} ${(await tokenRes.text()).slice(0, 300)}`);
        this.token = ((await tokenRes.json()) as { token: string }).token;
    }

    /**
     * Signs in to the hub service at `prefix` (`/services/<name>/`) as a browser does: the service
     * sends the browser to the hub's OAuth authorize page, the hub back to the service's callback,
     * which sets the service's cookie and returns to the page. Returns the page and the way there.
     */
    async signInTo(prefix: string): Promise<{ res: HubResponse; visited: string[] }> {
        return this.navigate(prefix);
    }

    /** The REST API with the token: status and parsed body. */
    async api<T = any>(method: string, path: string, body?: unknown): Promise<{ status: number; body: T }> {
        const res = await this.request(method, `/hub/api${path}`, { body, useToken: true });
        const text = await res.text();
        let parsed: any = text;
        try {
            parsed = JSON.parse(text);
        } catch {
            // not JSON
        }
        return { status: res.status, body: parsed };
    }

    /**
     * Asks for the user's default server with `profile`, as the spawn form does through the API.
     * A refusal for too many spawns at once (429, beyond the hub's `concurrent_spawn_limit`) is
     * asked again after the hub's Retry-After (at most `maxRefusals` times), each one reported to
     * `onRefused`; any other status than 201 or 202 throws with it.
     */
    async requestServer(profile: string, opts: { maxRefusals?: number; onRefused?: () => void } = {}): Promise<HubResponse> {
        const most = opts.maxRefusals ?? 60;
        for (let refused = 0; ; refused++) {
            const res = await this.request("POST", `/hub/api/users/${encodeURIComponent(this.user)}/server`, { body: { profile }, useToken: true });
            if (res.status === 201 || res.status === 202) return res;
            const text = await res.text();
            if (res.status !== 429) throw new Error(`spawn of ${this.user}: HTTP ${res.status} ${text.slice(0, 300)}`);
            if (refused >= most) throw new Error(`spawn of ${this.user}: refused ${refused + 1} times (too many spawns at once)`);
            opts.onRefused?.();
            const after = Number(res.headers["retry-after"] ?? 1);
            await new Promise((r) => setTimeout(r, Math.max(0.2, Math.min(after, 30)) * 1000));
        }
    }

    /** Follows the server's progress stream, as the spawn page does, until the hub says it is ready; throws with the last event otherwise. */
    async waitServerReady(): Promise<void> {
        const res = await this.request("GET", `/hub/api/users/${encodeURIComponent(this.user)}/server/progress`, { useToken: true, headers: { accept: "text/event-stream" } });
        const events = (await res.text())
            .split("\n")
            .filter((l) => l.startsWith("data:"))
            .map((l) => JSON.parse(l.slice(5)));
        const last = events[events.length - 1];
        if (res.status !== 200 || !last?.ready) throw new Error(`${this.user}'s server not ready: HTTP ${res.status}, last event ${JSON.stringify(last)}`);
    }

    /** Closes connections. */
    async close(): Promise<void> {
        await this.dispatcher.close();
    }
}

/** The message of a hub error or login page (its error paragraph), for failure messages. */
export function pageMessage(html: string): string {
    const m = /<(?:p|div)[^>]*class="[^"]*(?:login_error|error)[^"]*"[^>]*>([\s\S]*?)<\/(?:p|div)>/.exec(html) ?? /<p>([\s\S]*?)<\/p>/.exec(html);
    return (m ? m[1] : html.slice(0, 300)).replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim();
}
