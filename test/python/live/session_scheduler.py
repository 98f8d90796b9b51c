"""A group user's notebook session as the user writes it: dask-jobqueue's HTCondorCluster with
nothing but the rendered configuration (the group's jobqueue.yaml and tls.yaml, the hub's
session.yaml with the SNI contact address), run in the user's notebook pod.

Prints JSON lines: {"jobScript", "address", "contact", "dashboard"} once the scheduler listens, where
jobScript is the submit description of a worker job as scaling makes it (distributed's
SpecCluster builds each job with the scheduler's contact address; `cluster.job_script()` shows a
sample with the listening address instead) and dashboard is the link Dask shows (from the
session's config); then, when argv[1] is a number N > 0,
{"workers", "result"} after N workers joined and ran a computation. Then it keeps serving until
it is stopped (at most ten minutes).
"""
import json
import sys
import time

from dask_jobqueue import HTCondorCluster
from distributed import Client

want = int(sys.argv[1]) if len(sys.argv) > 1 else 0
cluster = HTCondorCluster()
contact = getattr(cluster.scheduler, "contact_address", None) or cluster.scheduler.address
job = cluster.new_spec["cls"](contact, name="live-worker-1", **cluster.new_spec.get("options", {}))
print(json.dumps({"jobScript": job.job_script(), "address": cluster.scheduler_address, "contact": contact, "dashboard": cluster.dashboard_link}), flush=True)
if want:
    with Client(cluster) as client:
        client.wait_for_workers(want, timeout=240)
        total = client.submit(sum, range(1000)).result(timeout=120)
        # The scheduler's own count (it runs in this process); the client's scheduler_info() is a
        # view it refreshes now and then, which may predate the worker that just joined.
        print(json.dumps({"workers": len(cluster.scheduler.workers), "result": total}), flush=True)
time.sleep(600)
