"""Runs hepaf's hub module (components/dask-sessions/dask_sessions.py) against FakeKubeApi.

argv[1]: JSON {"module": dir of dask_sessions.py, "values": hub values, "ca": {namespace, name,
"tls.crt", "tls.key", "ca.crt"}, "user": name, "groups": [JupyterHub group names]}.
Prints JSON: the objects after spawn, the pod as wire_pod leaves it (a V1Pod as KubeSpawner
makes it, with a profile's volumes and env already in), the calls, the objects after stop, and
the objects after a second spawn over leftovers (replace, not fail).
"""
import asyncio
import json
import os
import sys
from types import SimpleNamespace

sys.path.insert(0, os.path.dirname(__file__))
req = json.loads(sys.argv[1])
sys.path.insert(0, req["module"])

import dask_sessions  # noqa: E402
from fake_kube import FakeKubeApi  # noqa: E402
from kubernetes_asyncio.client import ApiClient  # noqa: E402
from kubespawner.objects import make_pod  # noqa: E402


def spawner():
    return SimpleNamespace(
        user=SimpleNamespace(name=req["user"], groups=[SimpleNamespace(name=g) for g in req["groups"]]),
        extra_labels={"keep": "me"}, volumes=[], volume_mounts=[], environment={"A": "1"},
    )


async def main():
    settings = dask_sessions.settings_from_values(req["values"])
    ca = req["ca"]
    api = FakeKubeApi(dask_sessions.Conflict, {(ca["namespace"], ca["name"]): {k: ca[k] for k in ("tls.crt", "tls.key", "ca.crt")}})
    sp = spawner()
    escaped = await dask_sessions.on_spawn(sp, settings, api)
    # The manifest KubeSpawner makes from a profile override (volumes, mounts, env of its own).
    pod = make_pod(name="jupyter-x", cmd=["jupyterhub-singleuser"], port=8888, image="example/coffea:1",
                   labels={"keep": "me"}, env={"A": "1"}, volumes=[{"name": "home", "emptyDir": {}}],
                   volume_mounts=[{"name": "home", "mountPath": "/home/jovyan"}])
    wired = ApiClient().sanitize_for_serialization(dask_sessions.wire_pod(sp, pod, settings))
    outsider_pod = make_pod(name="jupyter-y", cmd=["jupyterhub-singleuser"], port=8888, image="example/coffea:1")
    unwired = ApiClient().sanitize_for_serialization(dask_sessions.wire_pod(
        SimpleNamespace(user=SimpleNamespace(name="eve", groups=[])), outsider_pod, settings))
    after_spawn = [o for k, o in api.objects.items() if k[3] != ca["name"]]
    calls_spawn = list(api.calls)
    # A second spawn while objects remain (hub crashed before stop): replaced, not failed.
    await dask_sessions.on_spawn(spawner(), settings, api)
    after_respawn = sorted("/".join(k[1:]) for k in api.objects)
    await dask_sessions.on_stop(spawner(), settings, api)
    after_stop = sorted("/".join(k[1:]) for k in api.objects)
    outsider = spawner()
    outsider.user.groups = []
    none = await dask_sessions.on_spawn(outsider, settings, api)
    print(json.dumps({
        "escaped": escaped,
        "objects": after_spawn,
        "pod": {"labels": wired["metadata"]["labels"], "volumes": wired["spec"]["volumes"],
                "volumeMounts": wired["spec"]["containers"][0]["volumeMounts"], "env": wired["spec"]["containers"][0]["env"]},
        "outsiderPod": {"labels": unwired["metadata"].get("labels"), "volumes": unwired["spec"].get("volumes")},
        "callsSpawn": calls_spawn,
        "afterRespawn": after_respawn,
        "afterStop": after_stop,
        "outsider": none,
        "escapes": {n: dask_sessions.escape_username(n) for n in ["alice", "Alice", "alice@example.edu", "a" * 70, "bob-0123456789", "ü"]},
    }))


asyncio.run(main())
