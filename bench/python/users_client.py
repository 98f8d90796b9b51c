"""The many-users benchmark's laptops: one process that holds a Dask client per user, as each
user's own laptop would, each with that user's bundle from the Dask access service (its
``ca.crt``, ``tls.crt`` and ``tls.key``; results through the scheduler, as the bundle says).

argv[1]: a file the benchmark appends requests to, one JSON line each: {"user", "address",
"bundle": the unpacked bundle's folder, "timeout": seconds}. For each it connects through the
front door and computes one task, and prints one JSON line: {"user", "connected": epoch
seconds, "computed": epoch seconds, "result"} or {"user", "error"}. argv[2]: how many requests
to serve before it ends; argv[3]: the longest it runs, in seconds.
"""
import asyncio
import json
import os
import sys
import time

from distributed import Client
from distributed.security import Security


def emit(**fields):
    print(json.dumps(fields), flush=True)


async def one(req):
    folder = req["bundle"]
    security = Security(
        tls_ca_file=os.path.join(folder, "ca.crt"),
        tls_client_cert=os.path.join(folder, "tls.crt"),
        tls_client_key=os.path.join(folder, "tls.key"),
        require_encryption=True,
    )
    timeout = req.get("timeout", 60)
    try:
        async with Client(req["address"], security=security, asynchronous=True, timeout=timeout, direct_to_workers=False) as client:
            connected = time.time()
            result = await asyncio.wait_for(client.submit(sum, range(10), pure=False), timeout)
            emit(user=req["user"], connected=connected, computed=time.time(), result=result)
    except Exception as err:  # noqa: BLE001 - the outcome is reported, not raised
        emit(user=req["user"], error=f"{type(err).__name__}: {err}")


async def main():
    path, want, limit = sys.argv[1], int(sys.argv[2]), float(sys.argv[3])
    deadline = time.monotonic() + limit
    seen, tasks = 0, []
    while len(tasks) < want and time.monotonic() < deadline:
        lines = open(path).read().splitlines() if os.path.exists(path) else []
        for line in lines[seen:]:
            tasks.append(asyncio.create_task(one(json.loads(line))))
        seen = len(lines)
        await asyncio.sleep(0.05)
    if tasks:
        await asyncio.wait(tasks, timeout=max(1, deadline - time.monotonic()))
    emit(done=len(tasks))


if __name__ == "__main__":
    asyncio.run(main())
