"""A test double of an HTCondor execute node for one job: takes the submit description that
dask-jobqueue wrote, parses it with the real htcondor2 bindings, copies the job's
transfer_input_files into a fresh sandbox (as the file transfer does, by base name) from the
submit side's filesystem, and runs the job's Executable with its Arguments, split by
HTCondor's "new" argument syntax, in that sandbox. It stays in the foreground as the job.

argv[1]: JSON {"jobScript": text, "submitRoot": directory the submit side's paths are under,
"sandbox": directory, "env": extra environment}.
"""
import json
import os
import shutil
import sys

import htcondor2

req = json.loads(sys.argv[1])
body = "\n".join(l for l in req["jobScript"].splitlines() if not l.startswith("#!") and l.strip().lower() != "queue")
submit = htcondor2.Submit(body)


def split_arguments(value):
    """HTCondor's new argument syntax: the value in double quotes ("" is a double quote);
    arguments separated by spaces; single quotes group ('' is a single quote)."""
    value = value.strip()
    if not (value.startswith('"') and value.endswith('"')):
        return value.split()
    value = value[1:-1].replace('""', '"')
    args, cur, quoted, have, i = [], [], False, False, 0
    while i < len(value):
        ch = value[i]
        if ch == "'":
            if quoted and value[i + 1:i + 2] == "'":
                cur.append("'")
                i += 2
                continue
            quoted, have = not quoted, True
        elif ch.isspace() and not quoted:
            if cur or have:
                args.append("".join(cur))
            cur, have = [], False
        else:
            cur.append(ch)
        i += 1
    if cur or have:
        args.append("".join(cur))
    return args


os.makedirs(req["sandbox"], exist_ok=True)
for f in filter(None, (p.strip() for p in submit.get("transfer_input_files", "").split(","))):
    shutil.copy(os.path.join(req["submitRoot"], f.lstrip("/")), os.path.join(req["sandbox"], os.path.basename(f)))
argv = [submit["Executable"]] + split_arguments(submit.expand("Arguments"))
print(json.dumps({"argv": argv}), flush=True)
os.chdir(req["sandbox"])
os.execvpe(argv[0], argv, {**os.environ, **req.get("env", {})})
