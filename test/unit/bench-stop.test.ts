import * as http from "http";
import type { AddressInfo } from "net";
import { stopServer } from "../../bench/users/flow";
import { HubSession } from "../../test/live/harness/hub-client";

/** A loopback hub that answers the stops of `user` in turn from `answers` ("drop": closes the connection unanswered). */
async function hubAnswering(answers: (number | "drop")[]): Promise<{ url: string; seen: string[]; close: () => Promise<void> }> {
    const seen: string[] = [];
    const server = http.createServer((req, res) => {
        seen.push(`${req.method} ${req.url}`);
        const a = answers.shift() ?? 204;
        if (a === "drop") req.socket.destroy();
        else res.writeHead(a).end();
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const { port } = server.address() as AddressInfo;
    return { url: `http://127.0.0.1:${port}`, seen, close: () => new Promise((r) => server.close(() => r())) };
}

test("a stop lost on the way or answered 5xx is asked again; the first 202 or 204 ends it", async () => {
    const hub = await hubAnswering(["drop", 502, 202]);
    const session = new HubSession(hub.url, "u1");
    try {
        const st = await stopServer(session, 5, 10);
        expect(st.accepted).toBe(true);
        expect(st.answers.slice(1)).toEqual(["502", "202"]);
        expect(st.answers[0]).not.toMatch(/^\d+$/);
        expect(hub.seen).toEqual(Array(3).fill("DELETE /hub/api/users/u1/server"));
    } finally {
        await session.close();
        await hub.close();
    }
});

test("a 4xx is the hub's answer, not asked again; a hub that never accepts is reported after the last try", async () => {
    const refused = await hubAnswering([400]);
    const failing = await hubAnswering([500, 500, 500]);
    const a = new HubSession(refused.url, "u2");
    const b = new HubSession(failing.url, "u3");
    try {
        expect(await stopServer(a, 5, 10)).toEqual({ user: "u2", answers: ["400"], accepted: false });
        expect(await stopServer(b, 3, 10)).toEqual({ user: "u3", answers: ["500", "500", "500"], accepted: false });
        expect(failing.seen).toHaveLength(3);
    } finally {
        await a.close();
        await b.close();
        await refused.close();
        await failing.close();
    }
});
