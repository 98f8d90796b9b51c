"""The front-door benchmark's client: times, against one Dask address, either bulk transfers
(a message of N MiB to the scheduler's `bench_sink`, through Dask's comm stack) or mutual-TLS
handshakes (TCP connect plus TLS with the client certificate, nothing more), and prints JSON.

argv[1]: JSON {"mode": "bulk"|"handshake", "host", "port", "sni", "ca", "cert", "key",
"mib", "repeat"}.
"""
import asyncio
import json
import socket
import ssl
import sys
import time

req = json.loads(sys.argv[1])


def tls_context():
    ctx = ssl.create_default_context(cafile=req["ca"])
    ctx.check_hostname = False  # as Dask: the CA decides, not the name
    ctx.load_cert_chain(req["cert"], req["key"])
    return ctx


def handshakes():
    ctx = tls_context()
    out = []
    for _ in range(req["repeat"]):
        t = time.perf_counter()
        with socket.create_connection((req["host"], req["port"]), timeout=10) as raw:
            with ctx.wrap_socket(raw, server_hostname=req["sni"]) as s:
                s.do_handshake()
        out.append((time.perf_counter() - t) * 1000)
    return out


async def bulk():
    from distributed.comm import connect
    from distributed.security import Security

    security = Security(tls_ca_file=req["ca"], tls_client_cert=req["cert"], tls_client_key=req["key"], require_encryption=True)
    kwargs = security.get_connection_args("client")
    # The SNI the facility routes by (Dask sends the address's host name; here the host is an IP).
    kwargs["ssl_context"].check_hostname = False
    kwargs["server_hostname"] = req["sni"]
    payload = b"x" * (req["mib"] * 2**20)
    out = []
    for _ in range(req["repeat"]):
        comm = await connect(f"tls://{req['host']}:{req['port']}", **kwargs)
        t = time.perf_counter()
        await comm.write({"op": "bench_sink", "data": payload, "reply": True})
        size = await comm.read()
        out.append(time.perf_counter() - t)
        assert size == len(payload), size
        await comm.close()
    return out


if req["mode"] == "handshake":
    print(json.dumps({"ms": handshakes()}))
else:
    print(json.dumps({"seconds": asyncio.run(bulk())}))
