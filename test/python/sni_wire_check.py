"""What real Dask clients put on the wire, and that TLS passthrough by SNI carries them.

Traefik cannot be built here (the Go module proxy refuses some of its dependencies), so a
named test double stands in for its TCP router: `SniRouterDouble` reads the TLS ClientHello,
takes the SNI, and forwards the untouched bytes to the backend routed for that exact name
(as HostSNI with passthrough does). Behind it is a real distributed Scheduler with mutual TLS;
in front, the real distributed Client and the real dask-gateway GatewayConnector.

argv[1]: JSON scenario written by test/integration/sni-wire.test.ts. Prints JSON.
"""
import asyncio
import json
import socket
import ssl
import struct
import sys

from distributed import Client, Scheduler
from distributed.security import Security

scenario = json.load(open(sys.argv[1]))
_getaddrinfo = socket.getaddrinfo


def loopback_resolver(host, *args, **kwargs):
    """Resolver double: every test name lives on 127.0.0.1 (there is no DNS here)."""
    if isinstance(host, str) and host.endswith(".example.org"):
        host = "127.0.0.1"
    return _getaddrinfo(host, *args, **kwargs)


socket.getaddrinfo = loopback_resolver


def client_hello_sni(record):
    """The server_name of a TLS ClientHello record, or None."""
    body = record[5:]
    if not body or body[0] != 1:  # handshake type ClientHello
        return None
    p = 4 + 2 + 32  # handshake header, version, random
    p += 1 + body[p]  # session id
    p += 2 + struct.unpack("!H", body[p : p + 2])[0]  # cipher suites
    p += 1 + body[p]  # compression methods
    end = p + 2 + struct.unpack("!H", body[p : p + 2])[0]
    p += 2
    while p + 4 <= end:
        ext_type, ext_len = struct.unpack("!HH", body[p : p + 4])
        if ext_type == 0:  # server_name: list length, name type, name length, name
            name_len = struct.unpack("!H", body[p + 7 : p + 9])[0]
            return body[p + 9 : p + 9 + name_len].decode()
        p += 4 + ext_len
    return None


class SniRouterDouble:
    """Test double of Traefik's TCP router: HostSNI(exact name) -> backend, TLS passed through."""

    def __init__(self, routes):
        self.routes = routes
        self.seen = []

    async def handle(self, reader, writer):
        header = await reader.readexactly(5)
        record = header + await reader.readexactly(struct.unpack("!H", header[3:5])[0])
        sni = client_hello_sni(record)
        self.seen.append(sni)
        port = self.routes.get(sni)
        if port is None:
            writer.close()
            return
        up_reader, up_writer = await asyncio.open_connection("127.0.0.1", port)
        up_writer.write(record)

        async def pipe(src, dst):
            try:
                while data := await src.read(65536):
                    dst.write(data)
                    await dst.drain()
            except (ConnectionError, asyncio.IncompleteReadError):
                pass
            finally:
                dst.close()

        await asyncio.gather(pipe(reader, up_writer), pipe(up_reader, writer))


async def main():
    s = scenario
    security = Security(tls_ca_file=s["ca"], tls_scheduler_cert=s["schedulerCert"], tls_scheduler_key=s["schedulerKey"], require_encryption=True)
    scheduler = Scheduler(security=security, host="127.0.0.1", port=0, protocol="tls", dashboard=False)
    await scheduler
    backend = int(scheduler.address.rsplit(":", 1)[1])
    router = SniRouterDouble({name: backend for name in s["routedNames"]})
    server = await asyncio.start_server(router.handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    out = {"schedulerId": scheduler.id}
    client_security = Security(tls_ca_file=s["ca"], tls_client_cert=s["clientCert"], tls_client_key=s["clientKey"], require_encryption=True)
    try:
        # A notebook's own scheduler, reached at its session contact address.
        address = s["sessionAddress"].rsplit(":", 1)[0] + f":{port}"
        async with Client(address, security=client_security, asynchronous=True, timeout="10s") as c:
            out["session"] = {"id": c.scheduler_info()["id"], "sni": router.seen[-1]}
        # A Dask Gateway cluster, reached with dask-gateway's own connector.
        import dask_gateway.comm  # noqa: F401  (registers the gateway:// comm backend)
        from distributed.comm import connect

        comm = await connect(f"gateway://127.0.0.1:{port}/{s['gatewayCluster']}", **client_security.get_connection_args("client"))
        await comm.write({"op": "identity"})
        identity = await comm.read()
        await comm.close()
        out["gateway"] = {"id": identity["id"], "sni": router.seen[-1]}
        # Passthrough keeps mutual TLS end to end: another group's certificate is refused by the scheduler.
        other = Security(tls_ca_file=s["ca"], tls_client_cert=s["otherClientCert"], tls_client_key=s["otherClientKey"], require_encryption=True)
        try:
            async with Client(address, security=other, asynchronous=True, timeout="5s"):
                out["otherGroup"] = "connected"
        except Exception as e:
            out["otherGroup"] = {"error": type(e).__name__, "sni": router.seen[-1]}
        # A name without a route reaches nothing.
        try:
            async with Client(f"tls://mallory.dask.example.org:{port}", security=client_security, asynchronous=True, timeout="5s"):
                out["unrouted"] = "connected"
        except Exception as e:
            out["unrouted"] = {"error": type(e).__name__, "sni": router.seen[-1]}
    finally:
        server.close()
        await scheduler.close()
    print(json.dumps(out))


asyncio.run(main())
