/**
 * A JupyterHub user as a browser and a script are: logs in through the login form (cookies and
 * the XSRF token), asks the hub for an API token, then uses the REST API with it.
 */
import { Agent, request as undiciRequest } from "undici";

/** Options of a hub session. */
export interface HubSessionOptions {
    /** CA certificates to trust for HTTPS (the facility root). */
    ca?: string;
}

/** One user's session with a hub at `baseUrl` (`https://<domain>` or the proxy's Service URL). */
export class HubSession {
    private readonly cookies = new Map<string, string>();
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

    /** A raw request with this session's cookies (and token when `useToken`). */
    async request(
        method: string,
        path: string,
        opts: { body?: unknown; form?: Record<string, string>; useToken?: boolean; navigate?: boolean } = {},
    ): Promise<{ status: number; location?: string; text(): Promise<string>; json(): Promise<any> }> {
        const headers: Record<string, string> = {};
        // A page load, as a browser makes it (fetch otherwise says "cors"): the hub sets its XSRF
        // cookie only on navigations, and without it the login form's token is checked against a
        // fresh one, which matches only within the same second.
        if (opts.navigate) headers["sec-fetch-mode"] = "navigate";
        if (this.cookies.size) headers.cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join("; ");
        const xsrf = this.cookies.get("_xsrf");
        if (xsrf) headers["x-xsrftoken"] = xsrf;
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
        for (const c of Array.isArray(setCookie) ? setCookie : setCookie ? [setCookie] : []) {
            const [pair] = c.split(";");
            const i = pair.indexOf("=");
            this.cookies.set(pair.slice(0, i).trim(), pair.slice(i + 1).trim());
        }
        const text = await r.body.text();
        const location = r.headers.location;
        return {
            status: r.statusCode,
            location: Array.isArray(location) ? location[0] : location,
            text: async () => text,
            json: async () => JSON.parse(text),
        };
    }

    /** Logs in through the form (any password for the dummy login) and gets an API token. */
    async login(password = "live"): Promise<void> {
        let res = await this.request("GET", "/hub/login", { navigate: true });
        for (let hop = 0; hop < 5 && res.status >= 300 && res.status < 400; hop++) {
            const to = new URL(res.location!, `${this.baseUrl}/hub/login`);
            res = await this.request("GET", `${to.pathname}${to.search}`, { navigate: true });
        }
        const page = await res.text();
        // As a browser submits the form: with its hidden _xsrf field.
        const xsrf = /name="_xsrf"\s+value="([^"]*)"/.exec(page)?.[1] ?? this.cookies.get("_xsrf") ?? "";
        if (!this.cookies.has("_xsrf")) throw new Error(`login of ${this.user}: the login page set no _xsrf cookie`);
        res = await this.request("POST", "/hub/login", { form: { username: this.user, password, _xsrf: xsrf } });
        if (res.status !== 302) throw new Error(`login of ${this.user}: HTTP ${res.status} ${pageMessage(await res.text())}`);
        const tokenRes = await this.request("POST", `/hub/api/users/${encodeURIComponent(this.user)}/tokens`, { body: { note: "live tier" } });
        if (tokenRes.status !== 201) throw new Error(`token of ${this.user}: HTTP ${tokenRes.status} ${(await tokenRes.text()).slice(0, 300)}`);
        this.token = ((await tokenRes.json()) as { token: string }).token;
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

    /** Closes connections. */
    async close(): Promise<void> {
        await this.dispatcher.close();
    }
}

/** The message of a hub error or login page (its error paragraph), for failure messages. */
function pageMessage(html: string): string {
    const m = /<(?:p|div)[^>]*class="[^"]*(?:login_error|error)[^"]*"[^>]*>([\s\S]*?)<\/(?:p|div)>/.exec(html) ?? /<p>([\s\S]*?)<\/p>/.exec(html);
    return (m ? m[1] : html.slice(0, 300)).replace(/<[^>]+>/g, " ").replace(/\s+/g, " ").trim();
}
