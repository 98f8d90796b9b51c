"""Starts a real Dask scheduler as a notebook session would (rendered scheduler-options, TLS
from the user's certificate issued by the hub module) and reports the address it gives
workers. argv[1]: JSON {"module", "caCert", "caKey", "host", "schedulerOptions"}.
"""
import asyncio
import json
import os
import sys
import tempfile

req = json.loads(sys.argv[1])
sys.path.insert(0, req["module"])
import dask_sessions  # noqa: E402
from distributed import Scheduler  # noqa: E402
from distributed.security import Security  # noqa: E402


async def main():
    cert, key = dask_sessions.issue_certificate(req["caCert"], req["caKey"], "alice", req["host"], 1)
    with tempfile.TemporaryDirectory() as d:
        paths = {}
        for name, text in {"ca.crt": req["caCert"], "tls.crt": cert, "tls.key": key}.items():
            paths[name] = os.path.join(d, name)
            with open(paths[name], "w") as f:
                f.write(text)
        security = Security(tls_ca_file=paths["ca.crt"], tls_scheduler_cert=paths["tls.crt"],
                            tls_scheduler_key=paths["tls.key"], require_encryption=True)
        # The rendered options, but on a free local port (the pod would use 8786).
        options = dict(req["schedulerOptions"], host="127.0.0.1", port=0, dashboard_address=":0")
        async with Scheduler(security=security, **options) as s:
            # What distributed's SpecCluster (HTCondorCluster's base) hands each new worker job.
            worker_target = getattr(s, "contact_address", None) or s.address
            print(json.dumps({"workerTarget": worker_target, "address": s.address, "listenerContact": s.listener.contact_address}))


asyncio.run(main())
