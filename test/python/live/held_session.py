"""A user's session kept open while the test does something to the facility around it, run in
the user's notebook pod: the group's Dask from `hepaf_dask.cluster()` (an HTCondor cluster with
its scheduler in this process, or a cluster on the group's gateway), held until the test says
what to do next.

argv[1]: JSON {"control": a file path the test writes words into, "batchWorkers": batch workers
to ask for on HTCondor (their jobs may stay idle in the pool), "timeoutSeconds": the longest it
waits for a word or for workers, "caPem": the facility root, trusted for HTTPS (test-only: the
tier's directory is not in the pod's filesystem)}.

Words, each answered by one JSON line:
- `workers:<n>`: waits until n batch workers (HTCondor) or n workers (gateway) are connected:
  {"workers": {"names": [...], "seconds": waited}};
- `compute:<tasks>:<seconds>`: runs that many tasks of that many seconds on the cluster:
  {"computed": {"right": results as expected, "seconds": took, "ranOn": [worker names]}};
  `compute-batch:<tasks>:<seconds>` the same on the batch workers connected now only (HTCondor:
  not the dedicated worker in this pod, so every task goes through the front door);
- `scale:<n>`: asks for n batch workers (HTCondor) or n workers (gateway): {"scaled": n};
- `reconnect`: a new client of the cluster (a new connection to its scheduler; through the
  front door for a gateway cluster): {"reconnected": true};
- `adapt:<minimum>:<maximum>`: adaptive scaling within those bounds from now on: {"adapting": true};
- `scale-down`: HTCondor: its batch jobs removed: {"scaledDown": true};
- `close`: closes the cluster: {"closed": true}, and ends.
First it prints {"started": {"kind", "dashboard", ...}} once the cluster exists (and, on
HTCondor, its batch jobs were submitted).
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


def task(i, seconds):
    """A task of `seconds`: its result and the worker that ran it."""
    from distributed import get_worker

    time.sleep(seconds)
    return i * i, get_worker().name


def main():
    req = json.loads(sys.argv[1])
    with tempfile.NamedTemporaryFile("w", suffix=".crt", delete=False) as f:
        f.write(req["caPem"])
    os.environ["SSL_CERT_FILE"] = f.name

    import hepaf_dask
    from distributed import Client

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
    client = None
    dedicated = set(getattr(cluster, "dedicated_worker_names", ()))

    def batch():
        return sorted(w["name"] for w in cluster.scheduler_info["workers"].values() if w["name"] not in dedicated)

    seen = 0
    while True:
        word = next_word(req["control"], req["timeoutSeconds"], seen)
        seen += 1
        verb, *args = word.split(":")
        if verb == "workers":
            t0 = time.monotonic()
            while len(batch()) < int(args[0]):
                if time.monotonic() - t0 > req["timeoutSeconds"]:
                    raise SystemExit(f"{args[0]} workers not connected within {req['timeoutSeconds']} s: {batch()}")
                time.sleep(0.2)
            emit(workers={"names": batch(), "seconds": time.monotonic() - t0})
        elif verb in ("compute", "compute-batch"):
            client = client or Client(cluster)
            n, seconds = int(args[0]), float(args[1])
            where = {"workers": batch(), "allow_other_workers": False} if verb == "compute-batch" else {}
            t0 = time.monotonic()
            results = client.gather(client.map(task, range(n), seconds=seconds, pure=False, **where))
            emit(computed={"right": [r for r, _ in results] == [i * i for i in range(n)], "seconds": time.monotonic() - t0,
                           "ranOn": sorted({w for _, w in results})})
        elif verb == "scale":
            cluster.scale(int(args[0]))
            emit(scaled=int(args[0]))
        elif word == "reconnect":
            if client:
                client.close()
            client = Client(cluster) if kind == "htcondor" else cluster.get_client()
            emit(reconnected=True)
        elif verb == "adapt":
            cluster.adapt(minimum=int(args[0]), maximum=int(args[1]))
            emit(adapting=True)
        elif word == "scale-down":
            if kind == "htcondor":
                cluster.scale(0)
            emit(scaledDown=True)
        elif word == "close":
            break
    if client:
        client.close()
    cluster.close()
    emit(closed=True)


# Dask's worker processes may import this file again: run only as a script.
if __name__ == "__main__":
    main()
