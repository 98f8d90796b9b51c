"""One worker job of a group's rendered HTCondor settings whose expected Dask is given, through
the named HTCondor doubles: dask-jobqueue's HTCondorCluster (real) writes the submit description,
condor_submit (the double) submits it, and the schedd double runs the job as a local process
(the launcher, transferred with the job, started with the job's environment). The session's
scheduler counts every connection it accepts and every worker that asks to register, from the
moment the job is submitted; no client is made, so nothing else connects in that time.

The job either exits (the launcher refused to start the worker) or its worker registers; either
is waited for, up to 90 s.

argv[1]: JSON {"dir", "doubles", "venvBin", "poolKeyFile", "trustDomain", "scheddName"}; the
group's files are in <dir> as adaptive_session_check.py has them. Prints one JSON object:
{"exitCode": int or null (still running), "log": the job's output, "connections": accepted by
the scheduler while the job ran, "registrations": register-worker requests, "workers": names,
"argv": the job's command line}.
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
        from dask_jobqueue import HTCondorCluster

        events_file = os.path.join(d, "pool", "events.jsonl")

        def events():
            if not os.path.exists(events_file):
                return []
            return [json.loads(line) for line in open(events_file)]

        with HTCondorCluster() as cluster:
            scheduler = cluster.scheduler
            seen = {"connections": 0, "registrations": 0}
            # Every TCP connection the scheduler's listener accepts (before any TLS or Dask handshake).
            server = scheduler.listeners[0].tcp_server
            accept = server.handle_stream

            def counting_accept(stream, address):
                seen["connections"] += 1
                return accept(stream, address)

            server.handle_stream = counting_accept
            register = scheduler.handlers["register-worker"]

            async def counting_register(comm, **kwargs):
                # Named `comm`: the scheduler passes the comm to handlers whose first parameter is so named.
                seen["registrations"] += 1
                return await register(comm, **kwargs)

            scheduler.handlers["register-worker"] = counting_register
            cluster.scale(1)
            deadline = time.monotonic() + 90
            exit_code = None
            while time.monotonic() < deadline:
                ended = [e for e in events() if e["event"] == "exit"]
                if ended:
                    exit_code = ended[0]["code"]
                    break
                if scheduler.workers:
                    break
                time.sleep(0.2)
            else:
                raise SystemExit("the job neither exited nor joined in 90 s")
            # A moment more: a worker that would still dial in has had its chance.
            time.sleep(1)
            out.update(seen)
            out["exitCode"] = exit_code
            out["workers"] = sorted(ws.name for ws in scheduler.workers.values())
            out["log"] = open(os.path.join(d, "pool", "job-1.0.log")).read()[-4000:]
            out["argv"] = next(e for e in events() if e["event"] == "start")["argv"]
    print(json.dumps(out))


if __name__ == "__main__":
    main()
