/** One HTTPS GET of the live tier's own clients: status and body, trusting only `ca`, bounded. */
import * as https from "https";
import * as net from "net";

/** Where to send it and whom to trust. */
export interface HttpsGetOptions {
    /** Address to connect to (a name or an IP). */
    host: string;
    port: number;
    path: string;
    /** PEM of the CA the server's certificate must chain to. */
    ca: string | Buffer;
    /** SNI and Host header, when `host` is an address. Default `host`. */
    servername?: string;
    /** Socket idle timeout. Default 5000 ms. */
    timeoutMs?: number;
}

/** GET https://host:port/path; rejects on a network or TLS failure, never on a status. */
export function httpsGet(opts: HttpsGetOptions): Promise<{ status: number; body: string }> {
    const name = opts.servername ?? opts.host;
    return new Promise((resolve, reject) => {
        // A User-Agent as browsers send one (pebble, as RFC 8555 lets an ACME server, answers 400 without).
        const headers = { host: name, "user-agent": "hepaf-live" };
        // No SNI for an IP address (RFC 6066), as Node itself leaves it out.
        const sni = net.isIP(name) ? {} : { servername: name };
        const req = https.get({ host: opts.host, port: opts.port, path: opts.path, ...sni, headers, ca: opts.ca, timeout: opts.timeoutMs ?? 5000 }, (res) => {
            let body = "";
            res.setEncoding("utf8");
            res.on("data", (d: string) => (body += d));
            res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
            res.on("error", reject);
        });
        req.on("timeout", () => req.destroy(new Error("timeout")));
        req.on("error", reject);
    });
}
