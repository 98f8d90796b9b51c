"""FakeKubeApi: an in-memory stand-in for the Kubernetes API, implementing dask_sessions.KubeApi
and the few calls of the Dask access service (ConfigMap read and replace, a DaskCluster's owner).

It stores objects by (apiVersion, kind, namespace, name), raises the given Conflict class on a
second create and on a replace at a stale resourceVersion (as the API server answers 409), and
records every call, so tests can check exactly what the hub module and the service did.

FakeKubeHttp (below, `fake_kube.py serve`): the reads of the facility exporter over HTTP, for a
process with its own Kubernetes client.
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


# --- over HTTP --------------------------------------------------------------------------------
#
# FakeKubeHttp: the same kind of stand-in, spoken over HTTP on loopback, for a program that is run
# as a process with its own Kubernetes client (KUBECONFIG pointing here): the facility exporter.
# It answers the reads the exporter makes, from a JSON state file read again at every request
# (so a test changes the cluster by rewriting the file):
#   {"token": "...", "configMaps": {"<ns>/<name>": {key: value}},
#    "resourceQuotas": {"<ns>": [{"name", "hard": {...}, "used": {...}}]},
#    "daskClusters": {"<ns>": [DaskCluster objects]}, "certificates": {"<ns>/<name>": status},
#    "fail": {"<path>": status}}
# GET /api/v1/namespaces/<ns>/configmaps/<name>       a ConfigMap, or 404
# GET /api/v1/namespaces/<ns>/resourcequotas          a ResourceQuotaList
# GET /apis/gateway.dask.org/v1alpha1/namespaces/<ns>/daskclusters   a list of them
# GET /apis/cert-manager.io/v1/namespaces/<ns>/certificates/<name>   a Certificate with that status, or 404
# anything else: 404 (a Status, as the API server answers); without the bearer token: 401.
# Every request is appended to the log file as a JSON line {"method", "path", "status"}.
#
# Run: fake_kube.py serve STATE.json LOG.jsonl   prints {"address": "http://127.0.0.1:<port>"}
# once it listens; stops on SIGTERM.

def _status(code, message):
    reason = {401: "Unauthorized", 403: "Forbidden", 404: "NotFound", 500: "InternalError"}.get(code, "Unknown")
    return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Failure", "message": message, "reason": reason, "code": code}


def kube_answer(state, method, path):
    """(status, body) of the API server for a request, from ``state``."""
    import re

    if method != "GET":
        return 405, _status(405, f"{method} is not served by this double")
    if path in (state.get("fail") or {}):
        code = int(state["fail"][path])
        return code, _status(code, "failure asked for by the test")
    # One named object: its state entry, or 404 as the API server words it.
    named = (
        (r"/api/v1/namespaces/([^/]+)/configmaps/([^/]+)", "configMaps", "configmaps",
         lambda ns, name, data: {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name, "namespace": ns, "resourceVersion": "1"}, "data": data}),
        (r"/apis/cert-manager\.io/v1/namespaces/([^/]+)/certificates/([^/]+)", "certificates", "certificates.cert-manager.io",
         lambda ns, name, status: {"apiVersion": "cert-manager.io/v1", "kind": "Certificate", "metadata": {"name": name, "namespace": ns}, "spec": {"isCA": True}, "status": status}),
    )
    for pattern, key, resource, build in named:
        m = re.fullmatch(pattern, path)
        if m:
            ns, name = m.groups()
            value = (state.get(key) or {}).get(f"{ns}/{name}")
            if value is None:
                return 404, _status(404, f'{resource} "{name}" not found')
            return 200, build(ns, name, value)
    m = re.fullmatch(r"/api/v1/namespaces/([^/]+)/resourcequotas", path)
    if m:
        ns = m.group(1)
        items = [{"apiVersion": "v1", "kind": "ResourceQuota", "metadata": {"name": q["name"], "namespace": ns},
                  "spec": {"hard": q["hard"]}, "status": {"hard": q["hard"], "used": q.get("used", {})}}
                 for q in (state.get("resourceQuotas") or {}).get(ns, [])]
        return 200, {"apiVersion": "v1", "kind": "ResourceQuotaList", "metadata": {"resourceVersion": "1"}, "items": items}
    m = re.fullmatch(r"/apis/gateway\.dask\.org/v1alpha1/namespaces/([^/]+)/daskclusters", path)
    if m:
        items = (state.get("daskClusters") or {}).get(m.group(1), [])
        return 200, {"apiVersion": "gateway.dask.org/v1alpha1", "kind": "DaskClusterList", "metadata": {"resourceVersion": "1"}, "items": items}
    return 404, _status(404, f"the server could not find the requested resource ({path})")


def serve_http(state_file, log_file):
    import json
    import signal
    import sys
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
    from urllib.parse import urlsplit

    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def _answer(self):
            with open(state_file) as f:
                state = json.load(f)
            path = urlsplit(self.path).path
            if self.headers.get("Authorization") != f"Bearer {state['token']}":
                code, body = 401, _status(401, "Unauthorized")
            else:
                code, body = kube_answer(state, self.command, path)
            with lock, open(log_file, "a") as f:
                f.write(json.dumps({"method": self.command, "path": path, "status": code}) + "\n")
            data = json.dumps(body).encode()
            self.send_response(code)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _answer

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    signal.signal(signal.SIGTERM, lambda *a: threading.Thread(target=server.shutdown).start())
    print(json.dumps({"address": f"http://127.0.0.1:{server.server_address[1]}"}), flush=True)
    server.serve_forever()
    sys.exit(0)


if __name__ == "__main__":
    import sys

    if len(sys.argv) != 4 or sys.argv[1] != "serve":
        raise SystemExit("usage: fake_kube.py serve STATE.json LOG.jsonl")
    serve_http(sys.argv[2], sys.argv[3])
