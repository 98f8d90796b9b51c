"""Runs the facility exporter (components/monitoring/hepaf_exporter.py) as a process, as its pod
runs it, against the Kubernetes API double over HTTP (fake_kube.py serve, through a KUBECONFIG
with a bearer token) and gateway health doubles on loopback; reads its /metrics with
prometheus_client's own parser, then changes the cluster and reads again.

argv[1]: JSON {"module": dir of hepaf_exporter.py, "dir": a scratch directory, "values": the
exporter's values without port and listenAddress (set here), "states": [state, ...] of the API
double (each without "token", read in turn: /metrics is read after each), "gateways": {group:
status code its health double answers}; a gatewayHealthUrl "{health}/<group>/api/health"
is that double, any other URL is used as it is}
Every process started here is stopped by its PID. Prints one JSON object:
{"rounds": [{"samples": [[name, labels, value], ...]}], "requests": [...], "log": [lines]}.
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
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from prometheus_client.parser import text_string_to_metric_families

req = json.loads(sys.argv[1])
here = os.path.dirname(os.path.abspath(__file__))
d = req["dir"]
os.makedirs(d, exist_ok=True)
token = secrets.token_hex(16)
state_file = os.path.join(d, "state.json")
requests_log = os.path.join(d, "requests.jsonl")


def write_state(state):
    tmp = state_file + ".tmp"
    with open(tmp, "w") as f:
        json.dump({**state, "token": token}, f)
    os.replace(tmp, state_file)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def health_doubles(codes):
    """One loopback server answering GET /<group>/api/health with the group's code."""

    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            group = self.path.strip("/").split("/")[0]
            code = codes.get(group, 404)
            self.send_response(code)
            self.send_header("Content-Length", "3")
            self.end_headers()
            self.wfile.write(b"ok\n")

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        text = r.read().decode()
    samples = []
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            samples.append([s.name, s.labels, s.value])
    return text, samples


def main():
    write_state(req["states"][0])
    kube = subprocess.Popen([sys.executable, os.path.join(here, "fake_kube.py"), "serve", state_file, requests_log], stdout=subprocess.PIPE, text=True)
    health = health_doubles(req["gateways"])
    exporter = None
    out = {"rounds": []}
    try:
        api = json.loads(kube.stdout.readline())["address"]
        kubeconfig = os.path.join(d, "kubeconfig")
        with open(kubeconfig, "w") as f:
            json.dump({
                "apiVersion": "v1", "kind": "Config", "current-context": "test",
                "clusters": [{"name": "test", "cluster": {"server": api}}],
                "users": [{"name": "exporter", "user": {"token": token}}],
                "contexts": [{"name": "test", "context": {"cluster": "test", "user": "exporter"}}],
            }, f)
        port = free_port()
        values = dict(req["values"], port=port, listenAddress="127.0.0.1")
        for g in values["groups"]:
            if g.get("gatewayHealthUrl"):
                g["gatewayHealthUrl"] = g["gatewayHealthUrl"].replace("{health}", f"http://127.0.0.1:{health.server_address[1]}")
        values_file = os.path.join(d, "values.json")
        with open(values_file, "w") as f:
            json.dump(values, f)
        env = {k: v for k, v in os.environ.items() if not k.startswith("KUBERNETES_")}
        env.update(KUBECONFIG=kubeconfig, HEPAF_EXPORTER_VALUES=values_file, PYTHONUNBUFFERED="1")
        exporter = subprocess.Popen([sys.executable, os.path.join(req["module"], "hepaf_exporter.py")], env=env,
                                    stdout=subprocess.DEVNULL, stderr=open(os.path.join(d, "exporter.log"), "w"))

        def requests_seen():
            if not os.path.exists(requests_log):
                return []
            with open(requests_log) as f:
                return [json.loads(line) for line in f]

        # The reads of one round; rounds follow each other, so once 2n+1 requests came after a
        # state was written, a whole round read that state and its snapshot is the one served.
        n = (1 if values.get("rootCaConfigMap") else 0) + sum(2 + (1 if g.get("caConfigMap") else 0) for g in values["groups"])
        for i, state in enumerate(req["states"]):
            if i > 0:
                write_state(state)
            start = len(requests_seen())
            deadline = time.monotonic() + 60
            while len(requests_seen()) < start + 2 * n + 1:
                if exporter.poll() is not None:
                    raise SystemExit(f"the exporter stopped ({exporter.returncode}): {open(os.path.join(d, 'exporter.log')).read()}")
                if time.monotonic() > deadline:
                    raise SystemExit(f"timed out waiting for the exporter's rounds: {open(os.path.join(d, 'exporter.log')).read()}")
                time.sleep(0.05)
            text, samples = scrape(port)
            out["rounds"].append({"samples": samples, "text": text})
        out["requests"] = requests_seen()
    finally:
        if exporter is not None and exporter.poll() is None:
            os.kill(exporter.pid, signal.SIGTERM)
            try:
                exporter.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(exporter.pid, signal.SIGKILL)
                exporter.wait()
        out["exitCode"] = exporter.returncode if exporter is not None else None
        os.kill(kube.pid, signal.SIGTERM)
        try:
            kube.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.kill(kube.pid, signal.SIGKILL)
            kube.wait()
        health.shutdown()
    with open(os.path.join(d, "exporter.log")) as f:
        out["log"] = f.read().splitlines()
    print(json.dumps(out))


main()
