"""Runs hepaf's hub module (dask_sessions.py) in the hub's own container against the real API
server, with the hub pod's ServiceAccount token (in-cluster config: RBAC enforced).

The module and settings are the hub's: the directory of $HEPAF_HUB_VALUES holds both.
argv[1]: JSON {"user": name, "group": a JupyterHub group of the settings, "action": "spawn" or "stop"}.
spawn prints JSON: the escaped name after a spawn, after a second spawn over the first one's
objects (replaced, not failed), and for a user of no group (None: nothing made).
stop prints JSON: the escaped name whose objects were deleted.
"""
import asyncio
import json
import os
import sys
from types import SimpleNamespace

values_path = os.environ["HEPAF_HUB_VALUES"]
sys.path.insert(0, os.path.dirname(values_path))
import dask_sessions  # noqa: E402

req = json.loads(sys.argv[1])


def spawner(name, groups):
    return SimpleNamespace(
        user=SimpleNamespace(name=name, groups=[SimpleNamespace(name=g) for g in groups]),
        extra_labels={}, volumes=[], volume_mounts=[], environment={},
    )


async def main():
    with open(values_path) as f:
        settings = dask_sessions.settings_from_values(json.load(f))
    api = dask_sessions.KubernetesAsyncioApi()
    try:
        if req.get("action") == "stop":
            print(json.dumps({"stopped": await dask_sessions.on_stop(spawner(req["user"], [req["group"]]), settings, api)}))
            return
        first = await dask_sessions.on_spawn(spawner(req["user"], [req["group"]]), settings, api)
        again = await dask_sessions.on_spawn(spawner(req["user"], [req["group"]]), settings, api)
        nobody = await dask_sessions.on_spawn(spawner("nobody-" + req["user"], ["not-a-group"]), settings, api)
        print(json.dumps({"first": first, "again": again, "nobody": nobody}))
    finally:
        await api.close()


asyncio.run(main())
