"""A test double of an HTCondor execute node for one job: takes the submit description that
dask-jobqueue wrote, parses it with the real htcondor2 bindings, copies the job's
transfer_input_files into a fresh sandbox (as the file transfer does, by base name) from the
submit side's filesystem, and runs the job's Executable with its Arguments and its
environment, split by HTCondor's "new" syntax, in that sandbox: a vanilla job with the node's
software, a container-universe job in its image's own root (container_job.py). It stays in the
foreground as the job.

argv[1]: JSON {"jobScript": text, "submitRoot": directory the submit side's paths are under,
"sandbox": directory, "env": the node's extra environment, "images": the built images by
reference and "runtime": the container-start double (for container-universe jobs)}.
"""
import json
import os
import shutil
import sys

import htcondor2

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "doubles", "htcondor"))
from container_job import container_image, in_container  # noqa: E402
from job_arguments import split_arguments, split_environment  # noqa: E402

req = json.loads(sys.argv[1])
body = "\n".join(l for l in req["jobScript"].splitlines() if not l.startswith("#!") and l.strip().lower() != "queue")
submit = htcondor2.Submit(body)

os.makedirs(req["sandbox"], exist_ok=True)
for f in filter(None, (p.strip() for p in submit.get("transfer_input_files", "").split(","))):
    shutil.copy(os.path.join(req["submitRoot"], f.lstrip("/")), os.path.join(req["sandbox"], os.path.basename(f)))
argv = [submit["Executable"]] + split_arguments(submit.expand("Arguments"))
image = container_image(submit)
print(json.dumps({"argv": argv, "image": image}), flush=True)
os.chdir(req["sandbox"])
job_env = split_environment(submit.get("environment", ""))
if image is None:
    os.execvpe(argv[0], argv, {**os.environ, **req.get("env", {}), **job_env})
if image not in req.get("images", {}):
    raise SystemExit(f"batch node: cannot pull image {image}: not built here")
command, env = in_container(req["images"][image], req["runtime"], req["sandbox"] + ".container", os.path.realpath(req["sandbox"]), argv, job_env)
os.execvpe(command[0], command, env)
