"""hepaf_dask in a notebook whose Dask is this venv's, with group settings rendered by the
TypeScript renderer: makes the group's cluster the two ways a notebook does, with
``hepaf_dask.cluster()`` and, as dask-labextension's "new cluster" does, with the factory class
itself (``await <Class>(asynchronous=True, adapt=True)``), and records every warning.

HTCondor groups: the scheduler runs here on loopback; no job is submitted. Gateway groups: a
real dask-gateway-server runs here on loopback (its in-process backend, which runs each
cluster's scheduler in the gateway's process, and its own proxy), and the cluster is made on it.

argv[1]: JSON {"module": dir of hepaf_dask.py, "settings": path of a hepaf_dask.json}.
Prints one JSON object: per way, the VersionWarning texts, the file each points at, every other
warning's category, and whether the cluster was made (its scheduler answered).
"""
import asyncio
import json
import os
import socket
import sys
import warnings

req = json.loads(sys.argv[1])
os.environ["HEPAF_DASK_SETTINGS"] = req["settings"]
sys.path.insert(0, req["module"])
import hepaf_dask  # noqa: E402

# No condor_config or jobqueue.yaml here: what a job would ask for is given, and the scheduler stays on loopback.
CLUSTER = {"cores": 1, "memory": "1GiB", "disk": "1GiB", "scheduler_options": {"host": "127.0.0.1", "dashboard_address": ":0"}}


def seen(records, made):
    version = [w for w in records if issubclass(w.category, hepaf_dask.VersionWarning)]
    return {
        "versionWarnings": [str(w.message) for w in version],
        "pointsAt": sorted({os.path.basename(w.filename) for w in version}),
        "otherWarnings": sorted({w.category.__name__ for w in records if not issubclass(w.category, hepaf_dask.VersionWarning)}),
        "made": made,
    }


def with_helper():
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        cluster = hepaf_dask.cluster(adapt=False, dedicated_worker=False, **CLUSTER)
    with cluster:
        made = cluster.scheduler_info.get("type") == "Scheduler" and cluster.scheduler_address.startswith("tcp://127.0.0.1:")
    return seen(records, made)


async def as_labextension():
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        cls = getattr(hepaf_dask, hepaf_dask.CLASS_OF_KIND[hepaf_dask.settings()["kind"]])
        cluster = await cls(asynchronous=True, adapt=True, dedicated_worker=False, **CLUSTER)
    try:
        made = cluster.scheduler_info.get("type") == "Scheduler" and cluster._adaptive is not None
    finally:
        await cluster.close()
    return seen(records, made)


def free_address():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return f"127.0.0.1:{s.getsockname()[1]}"


async def on_a_gateway():
    from dask_gateway_server.app import DaskGateway
    from traitlets.config import Config

    c = Config()
    c.DaskGateway.backend_class = "dask_gateway_server.backends.inprocess.InProcessBackend"
    c.DaskGateway.authenticator_class = "dask_gateway_server.auth.SimpleAuthenticator"
    c.DaskGateway.address = free_address()
    c.Proxy.address = free_address()
    c.Proxy.tcp_address = free_address()
    c.DaskGateway.log_level = "WARN"
    gateway = DaskGateway(config=c)
    gateway.initialize([])
    await gateway.setup()
    where = {"address": f"http://{c.DaskGateway.address}", "proxy_address": f"gateway://{c.Proxy.tcp_address}", "auth": "basic"}
    out = {}
    try:
        for way, make in (("helper", lambda: hepaf_dask.cluster(asynchronous=True, **where)),
                          ("labextension", lambda: hepaf_dask.GatewaySessionCluster(asynchronous=True, adapt=True, **where))):
            with warnings.catch_warnings(record=True) as records:
                warnings.simplefilter("always")
                cluster = await make()
            try:
                made = cluster.status == "running" and cluster.name in {r.name for r in await cluster.gateway.list_clusters()}
            finally:
                await cluster.shutdown()
            out[way] = seen(records, made)
    finally:
        await gateway.cleanup()
    return out


if hepaf_dask.settings()["kind"] == "gateway":
    print(json.dumps(asyncio.run(on_a_gateway())))
else:
    print(json.dumps({"helper": with_helper(), "labextension": asyncio.run(as_labextension())}))
