"""The front-door benchmark's backend: a real distributed Scheduler with mutual TLS (the files
named by argv), plus one handler, `bench_sink`, that takes a message and answers its size, so a
client can time a bulk transfer through Dask's own comm stack. Serves until stopped.

argv: CA file, certificate file, key file, port.
"""
import asyncio
import sys

from distributed import Scheduler
from distributed.security import Security

ca, cert, key, port = sys.argv[1:5]


async def main():
    security = Security(tls_ca_file=ca, tls_scheduler_cert=cert, tls_scheduler_key=key, require_encryption=True)
    async with Scheduler(security=security, protocol="tls", host="0.0.0.0", port=int(port), dashboard_address=":0") as s:
        s.handlers["bench_sink"] = lambda data=None: len(data)
        print("ready", flush=True)
        await asyncio.sleep(3600)


asyncio.run(main())
