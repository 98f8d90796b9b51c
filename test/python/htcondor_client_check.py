"""Reads hepaf's rendered HTCondor client files with the real software and reports what it sees.

argv[1]: JSON {"root": dir with condor_config and dask/{jobqueue,tls}.yaml, "knobs": [...],
               "module": dir of dask_sessions.py, "values": hub values, "escaped": user}
The user's session.yaml is written by the hub module itself (dask_sessions.session_config)
into <root>/session, which becomes DASK_CONFIG as in the pod.
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
sys.path.insert(0, req["module"])
import dask_sessions  # noqa: E402

settings = dask_sessions.settings_from_values(req["values"])
session_dir = os.path.join(root, "session")
os.makedirs(session_dir, exist_ok=True)
with open(os.path.join(session_dir, settings.session_config_file), "w") as f:
    f.write(dask_sessions.session_config(settings, req["escaped"]))
# As in the pod, before dask is imported: group files, then the session's.
os.environ["DASK_ROOT_CONFIG"] = os.path.join(root, "dask")
os.environ["DASK_CONFIG"] = session_dir

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
