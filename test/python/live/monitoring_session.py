"""A user's session kept open while the facility's Prometheus watches it, run in the user's
notebook pod: the group's Dask from `hepaf_dask.cluster()` (an HTCondor cluster with its
scheduler in this process, or a cluster on the group's gateway), held until the test says what
to do next.

argv[1]: JSON {"control": a file path the test writes one word into ("scale-down", "close"),
"batchWorkers": batch workers to ask for on HTCondor (their jobs may stay idle in the pool),
"timeoutSeconds": the longest it waits for a word, "caPem": the facility root, trusted for
HTTPS (test-only: the tier's directory is not in the pod's filesystem)}.
Prints JSON lines: {"started": {"kind", "dashboard", ...}} once the cluster exists (and, on
HTCondor, its batch jobs were submitted), {"scaledDown": true} after "scale-down" (HTCondor:
its batch jobs removed), {"closed": true} after "close".
"""
import json
import os
import sys
import tempfile
import time


def emit(**fields):
    print(json.dumps(fields), flush=True)


def next_word(control, timeout, seen):
    """The next word the test wrote to `control` (after `seen` words), waiting at most `timeout` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if os.path.exists(control):
            with open(control) as f:
                words = f.read().split()
            if len(words) > seen:
                return words[seen]
        time.sleep(0.2)
    raise SystemExit(f"no word from the test in {control} within {timeout} s")


def main():
    req = json.loads(sys.argv[1])
    with tempfile.NamedTemporaryFile("w", suffix=".crt", delete=False) as f:
        f.write(req["caPem"])
    os.environ["SSL_CERT_FILE"] = f.name

    import hepaf_dask

    kind = hepaf_dask.settings()["kind"]
    # Not adaptive: the test decides how many batch workers are asked for.
    cluster = hepaf_dask.cluster(adapt=False)
    info = {"kind": kind, "dashboard": cluster.dashboard_link}
    if kind == "htcondor":
        cluster.scale(req["batchWorkers"])
        info["scheduler"] = cluster.scheduler.address
    else:
        info["name"] = cluster.name
    emit(started=info)
    seen = 0
    while True:
        word = next_word(req["control"], req["timeoutSeconds"], seen)
        seen += 1
        if word == "scale-down":
            if kind == "htcondor":
                cluster.scale(0)
            emit(scaledDown=True)
        elif word == "close":
            break
    cluster.close()
    emit(closed=True)


# Dask's worker processes may import this file again: run only as a script.
if __name__ == "__main__":
    main()
