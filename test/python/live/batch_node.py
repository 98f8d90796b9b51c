"""A test double of an HTCondor execute node for one job: takes the submit description that
dask-jobqueue wrote, parses it with the real htcondor2 bindings, copies the job's
transfer_input_files into a fresh sandbox (as the file transfer does, by base name) from the
submit side's filesystem, and runs the job's Executable with its Arguments and its
environment, split by HTCondor's "new" syntax, in that sandbox. It stays in the foreground as
the job.

argv[1]: JSON {"jobScript": text, "submitRoot": directory the submit side's paths are under,
"sandbox": directory, "env": extra environment}.
"""
import json
import os
import shutil
import sys

import htcondor2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "doubles", "htcondor"))
from job_arguments import split_arguments, split_environment  # noqa: E402

req = json.loads(sys.argv[1])
body = "\n".join(l for l in req["jobScript"].splitlines() if not l.startswith("#!") and l.strip().lower() != "queue")
submit = htcondor2.Submit(body)

os.makedirs(req["sandbox"], exist_ok=True)
for f in filter(None, (p.strip() for p in submit.get("transfer_input_files", "").split(","))):
    shutil.copy(os.path.join(req["submitRoot"], f.lstrip("/")), os.path.join(req["sandbox"], os.path.basename(f)))
argv = [submit["Executable"]] + split_arguments(submit.expand("Arguments"))
print(json.dumps({"argv": argv}), flush=True)
os.chdir(req["sandbox"])
os.execvpe(argv[0], argv, {**os.environ, **req.get("env", {}), **split_environment(submit.get("environment", ""))})
