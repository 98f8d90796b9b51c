"""A Dask client with nothing but a bundle of the Dask access service: DASK_CONFIG names the
bundle's folder, so TLS, encryption and how results travel come from its dask.yaml alone (no
Security object, no file paths).

argv[1]: JSON {"address", "timeout", "mode"}: mode "info" asks only who answers; "compute"
submits a task and scatters data; "scatter-direct" scatters with direct_to_workers=True (what
the bundle turns off). Prints one JSON line: what it got, or {"error"} (a refusal is an outcome).
"""
import json
import sys

import dask
from distributed import Client

req = json.loads(sys.argv[1])
timeout = req.get("timeout", 20)
out = {"directToWorkers": dask.config.get("distributed.client.direct-to-workers"),
       "requireEncryption": dask.config.get("distributed.comm.require-encryption")}
try:
    direct = True if req.get("mode") == "scatter-direct" else None
    with Client(req["address"], timeout=timeout, direct_to_workers=direct) as client:
        out["dashboard"] = client.dashboard_link
        if req.get("mode") == "info":
            out["scheduler"] = client.scheduler_info()["address"]
        elif req.get("mode") == "scatter-direct":
            data = client.scatter(list(range(1000)), timeout=timeout)
            out["scattered"] = client.submit(sum, data).result(timeout=timeout)
        else:
            out["result"] = client.submit(sum, range(10)).result(timeout=timeout)
            data = client.scatter(list(range(1000)), timeout=timeout)
            out["scattered"] = client.submit(sum, data).result(timeout=timeout)
            out["gathered"] = len(client.gather(client.map(lambda i: bytes(100_000), range(4))))
            out["workers"] = sorted(client.scheduler_info()["workers"])
except Exception as err:  # noqa: BLE001 - the outcome is reported, not raised
    out["error"] = f"{type(err).__name__}: {err}"
print(json.dumps(out), flush=True)
