"""A CMS session's HTCondor cluster, adapting under a queue of tasks, with real dask-jobqueue,
distributed and htcondor2, and the named HTCondor doubles (test/python/doubles/htcondor): the
schedd double runs each submitted job as a local process (a real `dask worker` with exactly the
job's arguments and its transferred TLS files), connecting to the session's scheduler at its
contact address (here the scheduler's own loopback address: there is no front door in this tier).

argv[1]: JSON {"dir", "module": dir of hepaf_dask.py, "doubles": dir of the doubles,
"venvBin", "poolKeyFile", "trustDomain", "tasks": N, "taskSeconds", "otherGroup": {"cert",
"key"}, "burst": N}. The group's files are in <dir>: condor_config, dask/ (jobqueue.yaml,
tls.yaml), session/session.yaml, tls/, tokens/, hepaf_dask.json.
Prints one JSON object: what was seen and measured.
"""
import json
import sys
import time
import warnings

from pool_session import condor_q, pool_events, schedd_double, use_session_files, wait



def work(i, seconds):
    """A task of `seconds`; defined here so the workers can import it by reference (no closure).
    Returns its result, the moment it ended (the workers are processes of this machine) and the
    worker that ran it."""
    from distributed import get_worker

    time.sleep(seconds)
    return i * i, time.time(), get_worker().name


def main():
    req = json.loads(sys.argv[1])
    use_session_files(req)
    out = {}
    with schedd_double(req):
        import dask  # noqa: E402
        from distributed import Client  # noqa: E402
        from distributed.security import Security  # noqa: E402

        import hepaf_dask  # noqa: E402

        def events():
            return pool_events(req)

        t0 = time.monotonic()
        cluster = hepaf_dask.cluster(adapt=False)
        dedicated = next(iter(cluster.dedicated_worker_names))
        names = lambda: [w["name"] for w in cluster.scheduler_info["workers"].values()]  # noqa: E731
        batch = lambda: [n for n in names() if n != dedicated]  # noqa: E731
        wait("the dedicated worker", lambda: dedicated in names(), 30)
        out["dedicatedJoinedSeconds"] = time.monotonic() - t0
        out["kind"] = type(cluster).__name__
        client = Client(cluster)
        # Work starts before any batch job runs: on the dedicated worker alone.
        out["beforeBatch"] = {"result": client.submit(sum, range(10)).result(timeout=30), "workers": names() == [dedicated], "jobs": len(condor_q())}

        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            adaptive = cluster.adapt(maximum=50)
        out["clipWarnings"] = [str(w.message) for w in seen if issubclass(w.category, hepaf_dask.LimitWarning)]
        out["adaptive"] = {"minimum": adaptive.minimum, "maximum": adaptive.maximum, "waitCount": adaptive.wait_count, "interval": adaptive.interval}

        t_adapt = time.monotonic()
        futures = client.map(work, range(req["tasks"]), seconds=req["taskSeconds"], pure=False)
        seen_batch, seen_jobs, samples = 0, 0, 0
        first_join = None
        while not all(f.done() for f in futures):
            b = len(batch())
            if b and first_join is None:
                first_join = time.monotonic() - t_adapt
            seen_batch = max(seen_batch, b)
            seen_jobs = max(seen_jobs, len(condor_q()))
            samples += 1
            if time.monotonic() - t_adapt > 300:
                raise SystemExit("the computation took longer than 300 s")
            time.sleep(0.2)
        results = client.gather(futures)
        t_done = time.monotonic()
        # The end of the last task a batch worker ran: from then on every batch worker is idle.
        last_end = max(end for _, end, worker in results if worker != dedicated)
        out["computation"] = {"right": [r for r, _, _ in results] == [i * i for i in range(req["tasks"])], "seconds": t_done - t_adapt, "samples": samples}
        out["firstBatchWorkerSeconds"] = first_join
        out["maxBatchWorkers"] = seen_batch
        out["maxJobsInQueue"] = seen_jobs
        out["dedicatedStayedDuringWork"] = dedicated in names()
        by_worker = client.run(lambda dask_worker: dask_worker.name)
        out["workersThatRan"] = sorted(set(by_worker.values()))
        # Back to the minimum after the idle time; the dedicated worker stays.
        wait("scale-down to the minimum", lambda: len(batch()) == adaptive.minimum and len(condor_q()) == adaptive.minimum, 120, 0.2)
        out["scaleDownSeconds"] = time.time() - last_end
        out["afterScaleDown"] = {"workers": names(), "dedicated": dedicated, "jobs": len(condor_q())}
        ev = events()
        out["submits"] = sum(1 for e in ev if e["event"] == "submit")
        out["removed"] = sum(1 for e in ev if e["event"] == "rm")
        # Each job left the queue: by condor_rm, or by its own end once its worker was retired
        # (dask-jobqueue retires the worker first; a job already gone is "not found" to condor_rm).
        out["left"] = len({e["id"] for e in ev if e["event"] in ("rm", "exit")})
        out["inputs"] = sorted({tuple(e["inputs"]) for e in ev if e["event"] == "submit"})
        start = next(e for e in ev if e["event"] == "start")
        out["jobArgv"] = start["argv"]

        # A burst: scale(N) submits one job per worker (N calls of condor_submit), clipped to the limit.
        adaptive.stop()
        before = out["submits"]
        with warnings.catch_warnings(record=True) as seen:
            warnings.simplefilter("always")
            t_burst = time.monotonic()
            cluster.scale(req["burst"])
        out["burstWarnings"] = [str(w.message) for w in seen if issubclass(w.category, hepaf_dask.LimitWarning)]
        wait("the burst's workers", lambda: len(batch()) == adaptive.maximum, 120, 0.1)
        out["burst"] = {"asked": req["burst"], "workers": len(batch()), "submits": sum(1 for e in events() if e["event"] == "submit") - before,
                        "allJoinedSeconds": time.monotonic() - t_burst}
        cluster.scale(0)
        wait("the burst's jobs removed", lambda: not condor_q() and not batch(), 60, 0.1)

        # Another group's certificate: refused at this scheduler.
        other = Security(tls_ca_file=dask.config.get("distributed.comm.tls.ca-file"), tls_client_cert=req["otherGroup"]["cert"],
                         tls_client_key=req["otherGroup"]["key"], require_encryption=True)
        try:
            with Client(cluster.scheduler_address, security=other, timeout="5s") as c:
                out["otherGroup"] = {"connected": True, "workers": len(c.scheduler_info()["workers"])}
        except Exception as exc:  # refused: any error, named
            out["otherGroup"] = {"connected": False, "error": f"{type(exc).__name__}: {exc}"}

        client.close()
        cluster.close()
        out["afterClose"] = {"jobs": len(condor_q())}
    print(json.dumps(out))


# The dedicated worker's process is spawned and imports this file again: run only as a script.
if __name__ == "__main__":
    main()
