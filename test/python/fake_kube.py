"""FakeKubeApi: an in-memory stand-in for the Kubernetes API, implementing dask_sessions.KubeApi
and the few calls of the Dask access service (ConfigMap read and replace, a DaskCluster's owner).

It stores objects by (apiVersion, kind, namespace, name), raises the given Conflict class on a
second create and on a replace at a stale resourceVersion (as the API server answers 409), and
records every call, so tests can check exactly what the hub module and the service did.
"""
import base64


class FakeKubeApi:
    def __init__(self, conflict_cls, secrets=None, config_maps=None, clusters=None):
        self.conflict_cls = conflict_cls
        self.objects = {}
        self.calls = []
        self.versions = {}
        self.clusters = dict(clusters or {})
        self.interleave = None  # called once between a read and the next replace (another writer)
        for (namespace, name), data in (secrets or {}).items():
            self.objects[("v1", "Secret", namespace, name)] = {
                "apiVersion": "v1", "kind": "Secret", "metadata": {"name": name, "namespace": namespace},
                "data": {k: base64.b64encode(v.encode()).decode() for k, v in data.items()},
            }
        for (namespace, name), data in (config_maps or {}).items():
            self.objects[("v1", "ConfigMap", namespace, name)] = {"metadata": {"name": name, "namespace": namespace}, "data": dict(data)}
            self.versions[(namespace, name)] = 1

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

    async def read_config_map(self, namespace, name):
        self.calls.append(("read_config_map", namespace, name))
        data = dict(self.objects[("v1", "ConfigMap", namespace, name)]["data"] or {})
        version = str(self.versions[(namespace, name)])
        if self.interleave:
            step, self.interleave = self.interleave, None
            step(self)
        return data, version

    async def replace_config_map_data(self, namespace, name, data, resource_version):
        self.calls.append(("replace_config_map_data", namespace, name))
        if str(self.versions[(namespace, name)]) != resource_version:
            raise self.conflict_cls(name)
        self.objects[("v1", "ConfigMap", namespace, name)]["data"] = dict(data)
        self.versions[(namespace, name)] += 1

    def write_config_map(self, namespace, name, data):
        """Another writer's update (bumps the version)."""
        self.objects[("v1", "ConfigMap", namespace, name)]["data"] = dict(data)
        self.versions[(namespace, name)] += 1

    async def cluster_owner(self, namespace, name):
        self.calls.append(("cluster_owner", namespace, name))
        return self.clusters.get((namespace, name))
