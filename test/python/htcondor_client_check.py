"""Reads hepaf's rendered HTCondor client files with the real software and reports what it sees.

argv[1]: JSON {"root": dir with condor_config and dask/{jobqueue,tls}.yaml, "knobs": [...],
               "contactEnv": env var name, "contactAddress": value the hub would set}
Prints JSON: the knobs as htcondor2.param reads them, the Dask config dask-jobqueue sees, the
job script of an HTCondorJob built from it (no daemons: the job class renders the submit
description without submitting), and that description parsed by htcondor2.Submit.
"""
import json
import os
import sys

req = json.loads(sys.argv[1])
root = req["root"]
os.environ["CONDOR_CONFIG"] = os.path.join(root, "condor_config")
os.environ["DASK_ROOT_CONFIG"] = root  # before dask is imported: it reads <root>/dask/*.yaml
os.environ[req["contactEnv"]] = req["contactAddress"]

import htcondor2  # noqa: E402

htcondor2.reload_config()
params = {k: htcondor2.param[k] for k in req["knobs"]}

import dask  # noqa: E402
import dask_jobqueue  # noqa: E402,F401  (registers its defaults under ours)
from dask_jobqueue.htcondor import HTCondorJob  # noqa: E402

cfg = dask.config.get("jobqueue.htcondor")
sched = cfg["scheduler-options"]
# What HTCondorCluster passes a job: the scheduler's address, which is its contact address.
job = HTCondorJob(scheduler=sched["contact_address"], name="dummy-name", config_name="htcondor")
script = job.job_script()
body = "\n".join(line for line in script.splitlines() if not line.startswith("#!") and line.strip().lower() != "queue")
submit = htcondor2.Submit(body)
print(json.dumps({
    "params": params,
    "schedulerOptions": sched,
    "tls": dask.config.get("distributed.comm.tls"),
    "requireEncryption": dask.config.get("distributed.comm.require-encryption"),
    "submitCommand": job.submit_command,
    "cancelCommand": job.cancel_command,
    "jobScript": script,
    "submit": {k: submit[k] for k in submit.keys()},
}))
