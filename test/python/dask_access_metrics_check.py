"""Runs the Dask access service (components/dask-sessions/dask_access.py) as a process, as its pod
runs it, behind JupyterHub's own HubOAuth, with a hub API double on loopback that answers
``GET <api>/user`` for the tokens of this test (the hub's own answer: the user model with its
groups and the service's access scope). Asks for bundles and bundle pages as those users, then
reads the service's /metrics on its metrics port with prometheus_client's own parser.

argv[1]: JSON {"module": dir of dask_access.py, "dir": scratch directory, "values": the
service's values (port, metricsPort and listenAddress are set here), "users": {token: user
model}, "requests": [[method, path under the prefix, token]]}
The Kubernetes client gets a KUBECONFIG whose API server is a closed loopback port: a bundle that
needs a certificate fails there (a 5xx, counted as an error).
Every process started here is stopped by its PID. Prints one JSON object:
{"before": samples, "after": samples, "statuses": [...], "servicePortMetrics": status,
"text": the /metrics text, "exitCode"}.
"""
import json
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client.parser import text_string_to_metric_families

req = json.loads(sys.argv[1])
d = req["dir"]
os.makedirs(d, exist_ok=True)
sys.path.insert(0, req["module"])
from dask_access import outcome_of  # noqa: E402 (the module under test: which answers it counts)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def hub_double(users):
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            token = self.headers.get("Authorization", "").partition(" ")[2]
            model = users.get(token) if self.path.rstrip("/").endswith("/hub/api/user") else None
            body = json.dumps(model if model else {"status": 403, "message": "no such token"}).encode()
            self.send_response(200 if model else 403)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def http(method, url, token=None):
    headers = {"Authorization": f"token {token}"} if token else {}
    r = urllib.request.Request(url, method=method, headers=headers, data=b"" if method == "POST" else None)
    try:
        with urllib.request.urlopen(r, timeout=30) as resp:
            return resp.status, resp.read().decode("utf8", "replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode("utf8", "replace")


def samples(port):
    _, text = http("GET", f"http://127.0.0.1:{port}/metrics")
    out = []
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            if s.name.startswith("hepaf_"):
                out.append([s.name, s.labels, s.value])
    return out, text


def main():
    hub = hub_double(req["users"])
    port, metrics_port = free_port(), free_port()
    values = dict(req["values"], port=port, metricsPort=metrics_port, listenAddress="127.0.0.1")
    values_file = os.path.join(d, "values.json")
    with open(values_file, "w") as f:
        json.dump(values, f)
    kubeconfig = os.path.join(d, "kubeconfig")
    with open(kubeconfig, "w") as f:
        json.dump({"apiVersion": "v1", "kind": "Config", "current-context": "t",
                   "clusters": [{"name": "t", "cluster": {"server": f"http://127.0.0.1:{free_port()}"}}],
                   "users": [{"name": "t", "user": {"token": "unused"}}], "contexts": [{"name": "t", "context": {"cluster": "t", "user": "t"}}]}, f)
    prefix = values["prefix"]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("KUBERNETES_", "JUPYTERHUB_"))}
    env.update({
        "HEPAF_DASK_ACCESS_VALUES": values_file, "HEPAF_DASK_ACCESS_COOKIE_SECRET": secrets.token_hex(32), "KUBECONFIG": kubeconfig,
        "PYTHONUNBUFFERED": "1", "JUPYTERHUB_SERVICE_NAME": values["serviceName"], "JUPYTERHUB_CLIENT_ID": f"service-{values['serviceName']}",
        "JUPYTERHUB_API_URL": f"http://127.0.0.1:{hub.server_address[1]}/hub/api", "JUPYTERHUB_API_TOKEN": secrets.token_hex(16),
        "JUPYTERHUB_BASE_URL": "/", "JUPYTERHUB_SERVICE_PREFIX": prefix, "JUPYTERHUB_OAUTH_CALLBACK_URL": f"{prefix}oauth_callback",
        "JUPYTERHUB_PUBLIC_URL": f"https://{values['domain']}{prefix}",
    })
    log_path = os.path.join(d, "service.log")
    service = subprocess.Popen([sys.executable, os.path.join(req["module"], "dask_access.py")], env=env,
                               stdout=subprocess.DEVNULL, stderr=open(log_path, "w"))
    out = {}
    try:
        base = f"http://127.0.0.1:{port}{prefix}"
        deadline = time.monotonic() + 60
        while True:
            if service.poll() is not None:
                raise SystemExit(f"the service stopped ({service.returncode}): {open(log_path).read()}")
            try:
                if http("GET", base + "health")[0] == 200 and http("GET", f"http://127.0.0.1:{metrics_port}/metrics")[0] == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"the service did not start: {open(log_path).read()}")
            time.sleep(0.1)
        out["before"], _ = samples(metrics_port)
        out["statuses"] = [http(method, base + path, token)[0] for method, path, token in req["requests"]]
        # The service counts a request once it has answered it, and the metrics port is served by
        # another thread: read until every counted answer is in the counter (bounded).
        counted = sum(1 for st in out["statuses"] if outcome_of(st))
        deadline = time.monotonic() + 10
        while True:
            out["after"], out["text"] = samples(metrics_port)
            total = sum(v for n, _, v in out["after"] if n == "hepaf_access_requests_total")
            if total >= counted or time.monotonic() > deadline:
                break
            time.sleep(0.05)
        # The service's own port has no metrics (only its routes under the prefix).
        out["servicePortMetrics"] = http("GET", f"http://127.0.0.1:{port}/metrics")[0]
    finally:
        if service.poll() is None:
            os.kill(service.pid, signal.SIGTERM)
            try:
                service.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(service.pid, signal.SIGKILL)
                service.wait()
        out["exitCode"] = service.returncode
        hub.shutdown()
    with open(log_path) as f:
        out["log"] = f.read().splitlines()
    print(json.dumps(out))


main()
