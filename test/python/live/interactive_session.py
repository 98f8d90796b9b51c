"""A group user's session as the user works in it, run in the user's notebook pod: the group's
Dask made from the rendered config alone, through dask-labextension's own "new cluster" (its
make_cluster, from the notebook image, reading the pod's DASK_LABEXTENSION__FACTORY__*
environment) and through the one-line helper `hepaf_dask.cluster()`.

argv[1]: JSON {"tasks", "taskSeconds", "caPem": the facility root, trusted for HTTPS (test-only:
the tier's directory is not in the pod's filesystem)}. Prints JSON lines as it goes:
{"factory": ...} once the labextension's cluster exists (then closes it), {"helper": ...} once
the helper's cluster exists; HTCondor groups then {"adapted": ...} once the batch workers
that adaptive scaling asked for (jobs the condor_submit double sent to the batch node) joined
through the front door, {"computed": ...} and {"scaledDown": ...}; gateway groups {"computed"}.
Then it closes the cluster and prints {"closed": true}.
"""
import asyncio
import json
import sys
import time
import warnings


def emit(**fields):
    print(json.dumps(fields), flush=True)


def work(i, seconds):
    """A task of `seconds`: its result, the moment it ended (every worker is a process of this
    machine) and the worker that ran it."""
    from distributed import get_worker

    time.sleep(seconds)
    return i * i, time.time(), get_worker().name


def wait(what, pred, timeout, interval=0.2):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(interval)
    raise SystemExit(f"timed out after {timeout} s waiting for {what}")


async def labextension_cluster():
    """dask-labextension's own "new cluster" (its manager's make_cluster, from the notebook
    image) with the pod's factory settings."""
    import dask
    from dask_labextension.manager import make_cluster

    factory = dask.config.get("labextension.factory")
    kwargs = {k.replace("-", "_"): v for k, v in factory.get("kwargs", {}).items()}
    cluster, _ = await make_cluster({})
    info = {"module": factory["module"], "class": type(cluster).__name__, "kwargs": kwargs,
            "file": sys.modules[factory["module"]].__file__}
    if type(cluster).__name__ == "HTCondorSessionCluster":
        info["adaptive"] = {"minimum": cluster._adaptive.minimum, "maximum": cluster._adaptive.maximum}
        info["dedicated"] = sorted(w["name"] for w in cluster.scheduler_info["workers"].values())
    else:
        info["name"] = cluster.name
    await cluster.close()
    return info


def versions(client):
    """distributed's own check across client, scheduler and every worker (it raises on a
    mismatch it deems fatal), and what each side runs: Python and the packages it reports."""
    got = client.get_versions(check=True)

    def side(v):
        return {"python": v["host"]["python"], "packages": v["packages"]}

    names = {addr: w["name"] for addr, w in client.scheduler_info()["workers"].items()}
    return {"client": side(got["client"]), "scheduler": side(got["scheduler"]),
            "workers": {str(names.get(addr, addr)): side(v) for addr, v in got["workers"].items()}}


def main():
    req = json.loads(sys.argv[1])
    if req.get("caPem"):
        import os
        import tempfile

        with tempfile.NamedTemporaryFile("w", suffix=".crt", delete=False) as f:
            f.write(req["caPem"])
        os.environ["SSL_CERT_FILE"] = f.name
    emit(factory=asyncio.run(labextension_cluster()))

    import hepaf_dask
    from distributed import Client

    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        cluster = hepaf_dask.cluster()
        clipped = cluster.adapt(maximum=1000)
    limit_warnings = [str(w.message) for w in seen if issubclass(w.category, hepaf_dask.LimitWarning)]
    client = Client(cluster)
    kind = hepaf_dask.settings()["kind"]
    if kind == "gateway":
        emit(helper={"class": type(cluster).__name__, "name": cluster.name, "warnings": limit_warnings})
        futures = client.map(work, range(req["tasks"]), seconds=req["taskSeconds"], pure=False)
        # Checked while the gateway's workers run the tasks (adaptive scaling keeps busy workers).
        client.wait_for_workers(1, timeout=240)
        checked = versions(client)
        emit(computed={"right": [r for r, _, _ in client.gather(futures)] == [i * i for i in range(req["tasks"])],
                       "versions": checked})
    else:
        dedicated = next(iter(cluster.dedicated_worker_names))
        names = lambda: [w["name"] for w in cluster.scheduler_info["workers"].values()]  # noqa: E731
        batch = lambda: [n for n in names() if n != dedicated]  # noqa: E731
        emit(helper={"class": type(cluster).__name__, "warnings": limit_warnings, "maximum": clipped.maximum, "workers": names(),
                     "dedicated": dedicated, "contact": cluster.scheduler.contact_address})
        t_adapt = time.monotonic()
        futures = client.map(work, range(req["tasks"]), seconds=req["taskSeconds"], pure=False)
        wait("the first batch worker", batch, 240)
        first = time.monotonic() - t_adapt
        most = 0
        while not all(f.done() for f in futures):
            most = max(most, len(batch()))
            if time.monotonic() - t_adapt > 400:
                raise SystemExit("the computation took longer than 400 s")
            time.sleep(0.2)
        results = client.gather(futures)
        t_done = time.monotonic()
        # The end of the last task a batch worker ran: from then on every batch worker is idle.
        last_batch_end = max(end for _, end, worker in results if worker != dedicated)
        # Checked while the batch workers are still there: the dedicated worker and every batch worker.
        checked = versions(client)
        emit(adapted={"firstBatchWorkerSeconds": first, "maxBatchWorkers": most},
             computed={"right": [r for r, _, _ in results] == [i * i for i in range(req["tasks"])], "seconds": t_done - t_adapt,
                       "versions": checked})
        ran = client.run(lambda dask_worker: dask_worker.name)
        wait("scale-down to the minimum", lambda: not batch(), 180)
        emit(scaledDown={"seconds": time.time() - last_batch_end, "idleSeconds": hepaf_dask.settings()["adaptive"]["idleSeconds"], "workers": names(), "ranOn": sorted(set(ran.values())),
                         "batchAddresses": sorted(a for a, n in ran.items() if n != dedicated)})
    client.close()
    cluster.close()
    emit(closed=True)


# The dedicated worker's process is spawned and imports this file again: run only as a script.
if __name__ == "__main__":
    main()
