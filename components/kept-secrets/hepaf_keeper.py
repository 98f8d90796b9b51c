"""Makes the facility's secrets in the cluster, once, and keeps them.

Run at the start of the pod that needs them (the hub's init container), with the pod's
ServiceAccount. Its spec (a JSON file, no secret in it) names Secrets and, per key, the value
that belongs there; a value can sit in several Secrets (a hub service's token: in the hub's
Secret and in the service's own). For each value it takes what a listed Secret already holds
(the first in the spec's order), makes the missing ones, then writes each Secret with its keys:
a Secret is created when absent and patched when a key is missing or differs. A value is never
replaced by a new one while any Secret still holds it, so a restart or a second run changes
nothing. Values:
  {"kind": "random", "bytes": N, "encoding": "hex" | "raw"}
  {"kind": "htcondor-token", "signingKey": <value id>, "keyId": "POOL", "issuer": ..., "subject": ...,
   "scopes": [...], "lifetimeDays": N | null}   an IDTOKEN as condor_token_create mints it.
Nothing it makes or reads is printed. The standard library only (it runs in the hub's image).
"""

import base64
import hashlib
import hmac
import json
import os
import secrets
import ssl
import sys
import time
import urllib.error
import urllib.request

SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount"
ATTEMPTS = 5


class Api:
    """The Kubernetes API as the pod's ServiceAccount reaches it (in-cluster config)."""

    def __init__(self):
        host = os.environ["KUBERNETES_SERVICE_HOST"]
        port = os.environ.get("KUBERNETES_SERVICE_PORT", "443")
        self.base = f"https://[{host}]:{port}" if ":" in host else f"https://{host}:{port}"
        self.context = ssl.create_default_context(cafile=os.path.join(SA_DIR, "ca.crt"))

    def call(self, method, path, body=None, content_type="application/json"):
        with open(os.path.join(SA_DIR, "token")) as f:
            token = f.read().strip()
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Authorization", f"Bearer {token}")
        req.add_header("Accept", "application/json")
        if data is not None:
            req.add_header("Content-Type", content_type)
        try:
            with urllib.request.urlopen(req, context=self.context, timeout=30) as r:
                return r.status, parse(r.read())
        except urllib.error.HTTPError as e:
            return e.code, parse(e.read())


def parse(raw):
    """The API's answer as JSON; a body that is not (a proxy's page) becomes its message."""
    try:
        return json.loads(raw or b"{}")
    except ValueError:
        return {"message": raw[:200].decode("utf-8", "replace")}


def secret_path(ns, name=None):
    return f"/api/v1/namespaces/{ns}/secrets" + (f"/{name}" if name else "")


def hkdf_sha256(ikm, salt, info, length):
    """RFC 5869 HKDF with SHA-256 (extract, then expand)."""
    prk = hmac.new(salt, ikm, hashlib.sha256).digest()
    out, block, i = b"", b"", 1
    while len(out) < length:
        block = hmac.new(prk, block + info + bytes([i]), hashlib.sha256).digest()
        out += block
        i += 1
    return out[:length]


def b64url(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def htcondor_token(key_file, spec, now):
    """An IDTOKEN from a signing key file's bytes: HTCondor's unscramble (XOR DE AD BE EF), the
    pool key doubled, HKDF-SHA256 (salt "htcondor", info "master jwt"), an HS256 JWT."""
    pad = b"\xde\xad\xbe\xef"
    ikm = bytes(b ^ pad[i % 4] for i, b in enumerate(key_file))
    if spec["keyId"] == "POOL":
        ikm = ikm + ikm
    key = hkdf_sha256(ikm, b"htcondor", b"master jwt", 32)
    claims = {"sub": spec["subject"], "iss": spec["issuer"], "iat": now, "jti": secrets.token_hex(16)}
    if spec.get("lifetimeDays") is not None:
        claims["exp"] = now + int(spec["lifetimeDays"]) * 86400
    claims["scope"] = " ".join(f"condor:/{s}" for s in spec["scopes"])
    header = {"alg": "HS256", "typ": "JWT", "kid": spec["keyId"]}
    signing_input = f"{b64url(json.dumps(header, separators=(',', ':')).encode())}.{b64url(json.dumps(claims, separators=(',', ':')).encode())}"
    signature = hmac.new(key, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{b64url(signature)}".encode()


def make_value(spec, made):
    """The bytes of a new value (`made` holds the values it may derive from)."""
    if spec["kind"] == "random":
        raw = secrets.token_bytes(int(spec["bytes"]))
        return raw.hex().encode() if spec.get("encoding", "hex") == "hex" else raw
    if spec["kind"] == "htcondor-token":
        return htcondor_token(made[spec["signingKey"]], spec, int(time.time()))
    raise ValueError(f"value kind {spec['kind']!r} is not known")


def read_existing(api, spec):
    """Each Secret of the spec as it is now (None when absent) and the values they hold."""
    current, known = {}, {}
    for s in spec["secrets"]:
        status, body = api.call("GET", secret_path(s["namespace"], s["name"]))
        if status == 404:
            current[(s["namespace"], s["name"])] = None
            continue
        if status != 200:
            raise RuntimeError(f"secret {s['namespace']}/{s['name']}: HTTP {status} {body.get('message', '')}")
        current[(s["namespace"], s["name"])] = body
        data = body.get("data") or {}
        for key, value_id in s["data"].items():
            if key in data and value_id not in known:
                known[value_id] = base64.b64decode(data[key])
    return current, known


def order_values(values):
    """Value ids with every value after the values it derives from."""
    done, ordered = set(), []
    for _ in range(len(values) + 1):
        for vid, v in values.items():
            dep = v.get("signingKey")
            if vid not in done and (dep is None or dep in done):
                done.add(vid)
                ordered.append(vid)
    missing = set(values) - done
    if missing:
        raise ValueError(f"values {sorted(missing)} derive from values not in the spec")
    return ordered


def keep(api, spec):
    """One pass: returns what it did, as (action, namespace, name) with no value in it."""
    current, known = read_existing(api, spec)
    for vid in order_values(spec["values"]):
        if vid not in known:
            known[vid] = make_value(spec["values"][vid], known)
    actions = []
    for s in spec["secrets"]:
        want = {key: base64.b64encode(known[vid]).decode() for key, vid in s["data"].items()}
        body = current[(s["namespace"], s["name"])]
        if body is None:
            obj = {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": s["name"], "namespace": s["namespace"], "labels": s.get("labels", {}), "annotations": {"hepaf.io/made-by": spec["madeBy"]}},
                "type": "Opaque",
                "data": want,
            }
            status, resp = api.call("POST", secret_path(s["namespace"]), obj)
            if status == 409:
                return None  # made meanwhile by another run: read again
            if status != 201:
                raise RuntimeError(f"create secret {s['namespace']}/{s['name']}: HTTP {status} {resp.get('message', '')}")
            actions.append(("created", s["namespace"], s["name"]))
        elif any((body.get("data") or {}).get(k) != v for k, v in want.items()):
            patch = {"metadata": {"resourceVersion": body["metadata"]["resourceVersion"]}, "data": want}
            status, resp = api.call("PATCH", secret_path(s["namespace"], s["name"]), patch, "application/merge-patch+json")
            if status == 409:
                return None
            if status != 200:
                raise RuntimeError(f"patch secret {s['namespace']}/{s['name']}: HTTP {status} {resp.get('message', '')}")
            actions.append(("completed", s["namespace"], s["name"]))
        else:
            actions.append(("kept", s["namespace"], s["name"]))
    return actions


def main():
    with open(os.environ.get("HEPAF_KEEPER_SPEC", sys.argv[1] if len(sys.argv) > 1 else "keeper.json")) as f:
        spec = json.load(f)
    api = Api()
    for attempt in range(ATTEMPTS):
        actions = keep(api, spec)
        if actions is not None:
            for action, ns, name in actions:
                print(f"hepaf-keeper: {action} secret {ns}/{name}", flush=True)
            return 0
        time.sleep(0.5 * (attempt + 1))
    print(f"hepaf-keeper: secrets changed under it {ATTEMPTS} times in a row; giving up", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
