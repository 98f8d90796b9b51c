"""FakeKubeApi: an in-memory stand-in for the Kubernetes API, implementing dask_sessions.KubeApi.

It stores objects by (apiVersion, kind, namespace, name), raises dask_sessions.Conflict on a
second create, and records every call, so tests can check exactly what the hub module did.
"""
import base64


class FakeKubeApi:
    def __init__(self, conflict_cls, secrets=None):
        self.conflict_cls = conflict_cls
        self.objects = {}
        self.calls = []
        for (namespace, name), data in (secrets or {}).items():
            self.objects[("v1", "Secret", namespace, name)] = {
                "apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": namespace},
                "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
            }

    async def read_secret(self, namespace, name):
        self.calls.append(("read_secret", namespace, name))
        obj = self.objects[("v1", "Secret", namespace, name)]
        return {k: base64.b64decode(v).decode() for k, v in obj["data"].items()}

    async def create(self, obj):
        key = (obj["apiVersion"], obj["kind"], obj["metadata"]["namespace"], obj["metadata"]["name"])
        self.calls.append(("create",) + key[1:])
        if key in self.objects:
            raise self.conflict_cls(key[3])
        self.objects[key] = obj

    async def delete(self, api_version, kind, namespace, name):
        self.calls.append(("delete", kind, namespace, name))
        self.objects.pop((api_version, kind, namespace, name), None)
