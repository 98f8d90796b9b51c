"""The batch job metrics of a CMS session's HTCondor cluster (hepaf_dask), on its scheduler's real
dashboard /metrics (distributed's handler, prometheus_client's default registry), with real
dask-jobqueue, distributed and htcondor2 and the named HTCondor doubles (the schedd double runs
each job as a local process, a real worker dialing the session's contact address).

Two clusters, one after the other (they share the session's scheduler port):
1. its contact address a closed loopback port: the job is submitted and runs, its worker never
   connects: pending, and the oldest pending age grows; the dedicated worker (connected) is no job;
2. its contact address the scheduler's own: the job's worker connects: running.

argv[1]: JSON {"dir", "module", "doubles", "venvBin", "poolKeyFile", "trustDomain", "scheddName"}
(the group's files in <dir> as adaptive_session_check.py has them).
Prints one JSON object: the samples read at each step, with the times between.
"""
import json
import socket
import sys
import time
import urllib.request

from pool_session import condor_q, pool_events, schedd_double, use_session_files, wait


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def main():
    req = json.loads(sys.argv[1])
    use_session_files(req)
    out = {"steps": []}
    with schedd_double(req):
        import dask
        from prometheus_client.parser import text_string_to_metric_families

        import hepaf_dask

        def metrics(cluster):
            """The hepaf_ samples of the scheduler's dashboard /metrics, over HTTP on loopback."""
            port = cluster.scheduler.http_server.port
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as r:
                text = r.read().decode()
            samples = [[s.name, s.labels, s.value] for f in text_string_to_metric_families(text) for s in f.samples if s.name.startswith("hepaf_batch")]
            return samples, text

        def step(name, cluster, t_submit=None):
            samples, text = metrics(cluster)
            out["steps"].append({"step": name, "samples": samples, "sinceSubmit": None if t_submit is None else time.time() - t_submit,
                                 "jobs": len(condor_q()), "workers": sorted(w["name"] for w in cluster.scheduler_info["workers"].values())})
            return text

        options = dict(dask.config.get("jobqueue.htcondor.scheduler-options"))
        port = options["port"]
        dashboard = free_port()

        def make(contact):
            opts = dict(options, dashboard=True, dashboard_address=f"127.0.0.1:{dashboard}", contact_address=contact)
            with dask.config.set({"jobqueue.htcondor.scheduler-options": opts}):
                return hepaf_dask.cluster(adapt=False)

        # 1. A job whose worker never connects.
        closed = free_port()
        cluster = make(f"tls://127.0.0.1:{closed}")
        dedicated = next(iter(cluster.dedicated_worker_names))
        wait("the dedicated worker", lambda: any(w["name"] == dedicated for w in cluster.scheduler_info["workers"].values()), 30)
        step("made", cluster)
        t_submit = time.time()
        cluster.scale(1)
        wait("the job in the queue", lambda: len(condor_q()) == 1, 60)
        wait("the job's start in the pool", lambda: any(e["event"] == "start" for e in pool_events(req)), 60)
        time.sleep(2.0)
        step("pending", cluster, t_submit)
        time.sleep(1.0)
        step("pending later", cluster, t_submit)
        cluster.close()
        wait("the job removed", lambda: not condor_q(), 60)

        # 2. A job whose worker connects.
        cluster = make(f"tls://127.0.0.1:{port}")
        t_submit = time.time()
        cluster.scale(1)
        wait("the batch worker", lambda: any(w["name"] not in cluster.dedicated_worker_names for w in cluster.scheduler_info["workers"].values()), 120)
        out["text"] = step("running", cluster, t_submit)
        cluster.scale(0)
        # Gone from the pool (its worker, retired, may end the job itself) and closed by the
        # cluster: until dask-jobqueue closes a job whose worker left, the job still counts.
        wait("the job removed and closed", lambda: not condor_q() and not cluster.workers, 60)
        step("scaled to 0", cluster)
        # The same collector for both clusters: registered once in this process.
        from prometheus_client import REGISTRY
        out["collectors"] = sum(1 for c in list(REGISTRY._collector_to_names) if isinstance(c, hepaf_dask.BatchJobsCollector))
        cluster.close()
    print(json.dumps(out))


# The dedicated worker's process is spawned and imports this file again: run only as a script.
if __name__ == "__main__":
    main()
