"""One worker job of a group's rendered HTCondor settings, through the named HTCondor doubles,
for a universe: dask-jobqueue's HTCondorCluster (real) writes the submit description, which is
parsed here with htcondor2 (what the job asks for) and submitted with condor_submit (the double);
the schedd double runs it, for a container-universe job on bridge networking publishing its
port on the node as Docker's bridge would. Then the scheduler and a client reach the worker at
the address it advertised (client.run goes from the scheduler to each worker's address).

argv[1]: JSON {"dir", "doubles", "venvBin", "poolKeyFile", "trustDomain", "scheddName"}; the
group's files are in <dir> as adaptive_session_check.py has them. Prints one JSON object.
"""
import json
import os
import sys
import time

from pool_session import schedd_double, use_session_files


def main():
    req = json.loads(sys.argv[1])
    d = req["dir"]
    use_session_files(req)
    out = {}
    with schedd_double(req, hostPortDelaySeconds=1):
        import htcondor2
        from dask_jobqueue import HTCondorCluster
        from distributed import Client

        with HTCondorCluster() as cluster, Client(cluster) as client:
            script = cluster.job_script()
            body = "\n".join(line for line in script.splitlines() if not line.startswith("#!") and line.strip().lower() != "queue")
            submit = htcondor2.Submit(body)
            out["submit"] = {k: submit[k] for k in submit.keys()}
            cluster.scale(1)
            deadline = time.monotonic() + 120
            while not cluster.scheduler_info["workers"]:
                if time.monotonic() > deadline:
                    raise SystemExit("no worker joined in 120 s")
                time.sleep(0.2)
            out["workerAddresses"] = list(cluster.scheduler_info["workers"])
            out["run"] = client.run(lambda dask_worker: dask_worker.listener.contact_address)
            out["result"] = client.submit(sum, range(100)).result(timeout=60)
            ev = [json.loads(line) for line in open(os.path.join(d, "pool", "events.jsonl"))]
            out["argv"] = next(e["argv"] for e in ev if e["event"] == "start")
            out["hostPorts"] = [e["port"] for e in ev if e["event"] == "host-port"]
            out["inputs"] = next(e["inputs"] for e in ev if e["event"] == "submit")
            out["jobLog"] = open(os.path.join(d, "pool", "job-1.0.log")).read()[-4000:]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
