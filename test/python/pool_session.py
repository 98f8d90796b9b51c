"""What the integration drivers of an HTCondor session share: the session's files in the
environment (condor_config, Dask config, hepaf_dask settings) with the HTCondor tool doubles
first on PATH, the schedd double on loopback for as long as the driver runs, and condor_q and
a bounded wait. Each driver takes the same request keys: {"dir", "doubles", "venvBin",
"poolKeyFile", "trustDomain", "scheddName"} (and "module", hepaf_dask's folder, where used).
"""
import contextlib
import json
import os
import subprocess
import sys
import time


def use_session_files(req):
    """Points HTCondor, Dask and hepaf_dask at the session's files in req["dir"], puts the tool
    doubles first on PATH and (with "module") hepaf_dask's folder on sys.path."""
    d = req["dir"]
    os.environ.update({
        "CONDOR_CONFIG": os.path.join(d, "condor_config"),
        "DASK_ROOT_CONFIG": os.path.join(d, "dask"),
        "DASK_CONFIG": os.path.join(d, "session"),
        "HEPAF_DASK_SETTINGS": os.path.join(d, "hepaf_dask.json"),
        "PATH": f"{req['doubles']}:{req['venvBin']}:/usr/bin:/bin",
    })
    if req.get("module"):
        sys.path.insert(0, req["module"])


@contextlib.contextmanager
def schedd_double(req, **options):
    """The schedd double on loopback (its jobs in req["dir"]/pool; `options` go to it as they
    are), its address in $HEPAF_SCHEDD_DOUBLE for the tool doubles; stopped on leaving."""
    proc = subprocess.Popen(
        [sys.executable, os.path.join(req["doubles"], "schedd_double.py"), json.dumps({
            "listen": "127.0.0.1:0", "scheddName": req["scheddName"], "trustDomain": req["trustDomain"], "poolKeyFile": req["poolKeyFile"],
            "dir": os.path.join(req["dir"], "pool"), "machine": "127.0.0.1", "env": {"PATH": f"{req['venvBin']}:/usr/bin:/bin"}, **options,
        })],
        stdout=subprocess.PIPE, text=True,
    )
    try:
        os.environ["HEPAF_SCHEDD_DOUBLE"] = json.loads(proc.stdout.readline())["address"]
        yield proc
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def pool_events(req):
    """The schedd double's events so far."""
    path = os.path.join(req["dir"], "pool", "events.jsonl")
    return [json.loads(line) for line in open(path)] if os.path.exists(path) else []


def condor_q():
    """The queue, through the condor_q double on PATH."""
    r = subprocess.run(["condor_q", "-json"], capture_output=True, text=True)
    if r.returncode != 0:
        raise SystemExit(f"condor_q failed ({r.returncode}): {r.stdout}{r.stderr}")
    return json.loads(r.stdout)


def wait(what, pred, timeout, interval=0.1):
    """pred()'s first true value, checked every `interval` s for at most `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(interval)
    raise SystemExit(f"timed out after {timeout} s waiting for {what}")
