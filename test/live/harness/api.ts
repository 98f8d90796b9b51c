/**
 * A small JSON client of the API server for the harness's own polling loops (the kubelet and
 * Service-proxy doubles list pods, Services and EndpointSlices every few hundred milliseconds,
 * which would cost a kubectl process each time). Tests use kubectl; this is plumbing.
 */
import * as fs from "fs";
import * as https from "https";

/** An API response. */
export interface ApiResponse<T = any> {
    status: number;
    body: T;
}

/** Client of one API server with one client certificate. */
export class ApiClient {
    private readonly agent: https.Agent;

    constructor(
        readonly server: string,
        tls: { ca: string; cert: string; key: string },
    ) {
        this.agent = new https.Agent({
            keepAlive: true,
            maxSockets: 4,
            ca: fs.readFileSync(tls.ca),
            cert: fs.readFileSync(tls.cert),
            key: fs.readFileSync(tls.key),
        });
    }

    /** Sends one request; resolves with the status and parsed JSON body. */
    request<T = any>(method: string, path: string, body?: unknown, contentType = "application/json"): Promise<ApiResponse<T>> {
        return new Promise((resolve, reject) => {
            const payload = body === undefined ? undefined : JSON.stringify(body);
            const req = https.request(
                `${this.server}${path}`,
                {
                    method,
                    agent: this.agent,
                    timeout: 15000,
                    headers: { accept: "application/json", ...(payload ? { "content-type": contentType, "content-length": Buffer.byteLength(payload) } : {}) },
                },
                (res) => {
                    let text = "";
                    res.setEncoding("utf8");
                    res.on("data", (d) => (text += d));
                    res.on("end", () => {
                        let parsed: any = text;
                        try {
                            parsed = JSON.parse(text);
                        } catch {
                            // not JSON
                        }
                        resolve({ status: res.statusCode ?? 0, body: parsed });
                    });
                },
            );
            req.on("timeout", () => req.destroy(new Error(`${method} ${path}: timeout`)));
            req.on("error", reject);
            if (payload) req.write(payload);
            req.end();
        });
    }

    /**
     * GET that must succeed. A 429 (the API server's "storage is (re)initializing" right after a
     * CRD is made, or its flow control) is tried again after the Retry-After it asks for, as
     * client-go does, at most five times.
     */
    async get<T = any>(path: string): Promise<T> {
        let r = await this.request<T>("GET", path);
        for (let i = 0; i < 5 && r.status === 429; i++) {
            const after = Number((r.body as any)?.details?.retryAfterSeconds ?? 1);
            await new Promise((res) => setTimeout(res, Math.min(Math.max(after, 1), 10) * 1000));
            r = await this.request<T>("GET", path);
        }
        if (r.status !== 200) throw new Error(`GET ${path}: HTTP ${r.status} ${JSON.stringify(r.body).slice(0, 300)}`);
        return r.body;
    }

    /** Closes kept-alive connections. */
    close(): void {
        this.agent.destroy();
    }
}
