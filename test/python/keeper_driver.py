"""Drives the hub's keeper (components/kept-secrets/hepaf_keeper.py) for the integration test.

Reads one JSON request on stdin and prints one JSON answer:
  {"op": "token", "keyFile": b64, "spec": {...}, "now": N}   -> {"token": ...}
  {"op": "keep", "spec": {...}, "store": {...}, "runs": N}   -> {"runs": [[actions]...], "store": {...}}
`keep` runs the keeper's pass against an API double held in memory: Secrets by
"namespace/name", answering GET (200/404), POST (201, 409 when present) and a merge PATCH
(200, 409 on a stale resourceVersion), as the API server does for these calls.
"""

import base64
import copy
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "components", "kept-secrets"))
import hepaf_keeper  # noqa: E402


class ApiDouble:
    def __init__(self, store):
        self.store = store
        self.version = 1
        self.calls = []

    def call(self, method, path, body=None, content_type="application/json"):
        parts = path.strip("/").split("/")  # api v1 namespaces NS secrets [NAME]
        ns, name = parts[3], parts[5] if len(parts) > 5 else None
        self.calls.append(method)
        if method == "GET":
            obj = self.store.get(f"{ns}/{name}")
            return (200, copy.deepcopy(obj)) if obj else (404, {"message": "not found"})
        if method == "POST":
            key = f"{ns}/{body['metadata']['name']}"
            if key in self.store:
                return 409, {"message": "already exists"}
            self.version += 1
            obj = copy.deepcopy(body)
            obj["metadata"]["resourceVersion"] = str(self.version)
            self.store[key] = obj
            return 201, copy.deepcopy(obj)
        if method == "PATCH":
            obj = self.store.get(f"{ns}/{name}")
            if obj is None:
                return 404, {"message": "not found"}
            if body["metadata"]["resourceVersion"] != obj["metadata"]["resourceVersion"]:
                return 409, {"message": "the object has been modified"}
            self.version += 1
            obj["data"] = {**(obj.get("data") or {}), **body["data"]}
            obj["metadata"]["resourceVersion"] = str(self.version)
            return 200, copy.deepcopy(obj)
        raise ValueError(method)


def main():
    req = json.load(sys.stdin)
    if req["op"] == "token":
        token = hepaf_keeper.htcondor_token(base64.b64decode(req["keyFile"]), req["spec"], req["now"])
        print(json.dumps({"token": token.decode()}))
        return
    api = ApiDouble(req.get("store", {}))
    runs = []
    for _ in range(req.get("runs", 1)):
        runs.append(hepaf_keeper.keep(api, req["spec"]))
    print(json.dumps({"runs": runs, "store": api.store, "calls": api.calls}))


if __name__ == "__main__":
    main()
