"""Runs the Dask access service's own code (components/dask-sessions/dask_access.py) outside a
cluster: its Minter against FakeKubeApi, its bundles unpacked as `unzip` does (modes applied),
its dashboard rules, and real distributed schedulers that clients with nothing but a bundle
connect to.

argv[1]: JSON {"module": dir of dask_access.py, "values": the service's values, "check": ...}
  "bundles":   {"ca": {namespace, name, tls.crt, tls.key, ca.crt}, "user", "group", "out": dir}
               mints bundles until the limit, with another writer between one read and write
  "targets":   {"uris": [...], "users": {name: {"groups": [...]}}} what each URI leads to
  "scheduler": {"ca", "otherCa": {cert, key}, "user", "group", "out", "client": bundle_client.py}
               a real TLS scheduler and worker with the user's session certificate; clients
               whose DASK_CONFIG is a valid, an expired and another group's bundle
Prints one JSON line.
"""
import asyncio
import datetime
import json
import logging
import os
import sys
import zipfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
req = json.loads(sys.argv[1])
sys.path.insert(0, req["module"])

import dask_access  # noqa: E402
import dask_sessions  # noqa: E402
from fake_kube import FakeKubeApi  # noqa: E402

settings = dask_access.settings_from_values(req["values"])


def unpack(data: bytes, into: str) -> list:
    """Extracts the zip as `unzip` does (modes from the entries), returns [(name, mode)]."""
    path = os.path.join(into, "bundle.zip")
    with open(path, "wb") as f:
        f.write(data)
    listing = []
    with zipfile.ZipFile(path) as z:
        for info in z.infolist():
            z.extract(info, into)
            mode = (info.external_attr >> 16) & 0o777
            os.chmod(os.path.join(into, info.filename), mode)
            listing.append([info.filename, oct(mode)])
    return listing


def bundle(group, user, leaf, ca_pem, into, root_ca=None) -> dict:
    folder, files = dask_access.bundle_files(settings, group, user, leaf, ca_pem, root_ca)
    os.makedirs(into, exist_ok=True)
    listing = unpack(dask_access.bundle_zip(folder, files, datetime.datetime.now(datetime.timezone.utc)), into)
    return {"dir": os.path.join(into, folder), "listing": listing}


async def check_bundles() -> dict:
    ca = req["ca"]
    records = (ca["namespace"], settings.records_config_map)
    api = FakeKubeApi(dask_sessions.Conflict, secrets={(ca["namespace"], ca["name"]): {k: ca[k] for k in ("tls.crt", "tls.key", "ca.crt")}},
                      config_maps={records: {"not-ours": "left as it is"}})
    minter = dask_access.Minter(settings, api)
    group = settings.groups[req["group"]]
    leaf, ca_pem = await minter.issue(req["user"], group)
    first = bundle(group, req["user"], leaf, ca_pem, req["out"], root_ca="ROOT CA PEM\n")
    # Another writer updates the record between the service's read and its write: it reads again.
    api.interleave = lambda a: a.write_config_map(*records, {**a.objects[("v1", "ConfigMap", *records)]["data"], "other": "writer"})
    await minter.issue(req["user"], group)
    kept_other = "other" in api.objects[("v1", "ConfigMap", *records)]["data"]
    minted = 2
    limited = None
    while minted <= settings.mints_per_day:
        try:
            await minter.issue(req["user"], group)
            minted += 1
        except dask_access.RateLimited as err:
            limited = err.retry_after
            break
    data = api.objects[("v1", "ConfigMap", *records)]["data"]
    # Another user is not limited by this one.
    await minter.issue("bob", group)
    now = datetime.datetime.now(datetime.timezone.utc)
    old = {"a": json.dumps({"user": "x", "issued": "2020-01-01T00:00:00Z", "notAfter": "2020-01-08T00:00:00Z"}),
           "b": json.dumps({"user": "x", "issued": dask_access._iso(now - datetime.timedelta(hours=1)), "notAfter": dask_access._iso(now - datetime.timedelta(minutes=1))}),
           "c": json.dumps({"user": "x", "issued": "2020-01-01T00:00:00Z", "notAfter": "2999-01-01T00:00:00Z"}), "d": "not json"}
    return {
        "first": first, "serial": f"{leaf.serial:x}", "notBefore": dask_access._iso(leaf.not_before), "notAfter": dask_access._iso(leaf.not_after),
        "records": {k: json.loads(v) for k, v in data.items() if k not in ("not-ours", "other")},
        "recordsKeptOthers": data.get("not-ours") == "left as it is" and kept_other,
        "minted": minted, "retryAfter": limited,
        "afterBob": len(api.objects[("v1", "ConfigMap", *records)]["data"]),
        "calls": sorted({c[0] for c in api.calls}),
        "secretsRead": sorted({f"{c[1]}/{c[2]}" for c in api.calls if c[0] == "read_secret"}),
        "pruned": sorted(dask_access.prune_records(old, now)),
        "gatewayOnly": bundle(settings.groups[req["gatewayOnlyGroup"]], req["user"], None, None, os.path.join(req["out"], "gateway-only")) if req.get("gatewayOnlyGroup") else None,
    }


def check_targets() -> dict:
    out = {}
    for uri in req["uris"]:
        t = dask_access.dashboard_target(settings, uri)
        out[uri] = None if t is None else {"kind": t.kind, "group": t.group, "name": t.name, "namespace": t.namespace}
    return {"targets": out}


async def run_client(bundle_dir: str, address: str, mode: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DASK_")}
    env["DASK_CONFIG"] = bundle_dir
    proc = await asyncio.create_subprocess_exec(sys.executable, req["client"], json.dumps({"address": address, "timeout": 10, "mode": mode}),
                                                env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE)
    try:
        stdout, _ = await asyncio.wait_for(proc.communicate(), timeout=90)
    except asyncio.TimeoutError:
        proc.kill()
        await proc.wait()
        return {"error": "client did not finish in 90 s"}
    lines = [line for line in stdout.decode().splitlines() if line.startswith("{")]
    return json.loads(lines[-1]) if lines else {"error": f"no output (exit {proc.returncode})"}


async def check_scheduler() -> dict:
    from distributed import Scheduler, Worker
    from distributed.security import Security

    ca = req["ca"]
    group = settings.groups[req["group"]]
    user = req["user"]
    escaped = dask_sessions.escape_username(user)
    d = req["out"]
    os.makedirs(d, exist_ok=True)
    # The notebook's scheduler and a worker, with the user's session certificate (as the hub issues it).
    cert, key = dask_sessions.issue_certificate(ca["tls.crt"], ca["tls.key"], escaped, f"{escaped}.dask.{settings.domain}", 1)
    paths = {}
    for name, text in {"ca.crt": ca["ca.crt"], "tls.crt": cert, "tls.key": key}.items():
        paths[name] = os.path.join(d, f"session-{name}")
        with open(paths[name], "w") as f:
            f.write(text)
    security = Security(tls_ca_file=paths["ca.crt"], tls_scheduler_cert=paths["tls.crt"], tls_scheduler_key=paths["tls.key"],
                        tls_worker_cert=paths["tls.crt"], tls_worker_key=paths["tls.key"], require_encryption=True)
    now = datetime.datetime.now(datetime.timezone.utc)
    valid = dask_sessions.issue_leaf(ca["tls.crt"], ca["tls.key"], user, settings.certificate_validity_days, organizational_unit=group.name, client_only=True)
    expired = dask_sessions.issue_leaf(ca["tls.crt"], ca["tls.key"], user, 1, organizational_unit=group.name, client_only=True, now=now - datetime.timedelta(days=10))
    other = req["otherCa"]
    foreign = dask_sessions.issue_leaf(other["cert"], other["key"], user, 7, organizational_unit="other", client_only=True)
    bundles = {
        "valid": bundle(group, user, valid, ca["ca.crt"], os.path.join(d, "valid"))["dir"],
        "expired": bundle(group, user, expired, ca["ca.crt"], os.path.join(d, "expired"))["dir"],
        "otherGroup": bundle(group, user, foreign, other["cert"], os.path.join(d, "other"))["dir"],
        # Another group's certificate with this group's CA beside it: the scheduler itself must refuse.
        "otherGroupCert": bundle(group, user, foreign, ca["ca.crt"], os.path.join(d, "other-cert"))["dir"],
    }
    # What the scheduler's listener says about each client (distributed logs a failed handshake).
    seen = []

    class Collect(logging.Handler):
        def emit(self, record):
            seen.append(record.getMessage())

    logging.getLogger("distributed.comm").addHandler(Collect(level=logging.WARNING))
    results, said = {}, {}
    async with Scheduler(security=security, protocol="tls", host="127.0.0.1", port=0, dashboard_address=":0") as s:
        async with Worker(s.address, security=security, host="127.0.0.1", nthreads=1):
            for name, path in bundles.items():
                del seen[:]
                results[name] = await run_client(path, s.address, "compute" if name == "valid" else "info")
                said[name] = [m for m in seen if "handshake" in m.lower()]
    return {"results": results, "schedulerSaid": said, "expiredNotAfter": dask_access._iso(expired.not_after)}


async def main() -> None:
    check = req["check"]
    if check == "bundles":
        out = await check_bundles()
    elif check == "targets":
        out = check_targets()
    else:
        out = await check_scheduler()
    print(json.dumps(out))


asyncio.run(main())
