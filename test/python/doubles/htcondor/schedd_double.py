"""A test double of an HTCondor pool's access point (schedd) with its execute nodes, for the
named condor_submit, condor_q and condor_rm doubles beside it. No HTCondor daemons exist here.

It serves HTTP on its address (loopback, or the live tier's own namespace) and keeps the queue:
- submit: the description dask-jobqueue wrote, parsed by the real htcondor2 bindings; the
  client's IDTOKEN is checked (signature against the pool's signing key, or one of the tokens
  the pool issued); `-spool` input files arrive with it, as condor_submit -spool sends them.
  Each job then runs on the "batch node", this double's own namespace, as a local process: a
  sandbox with the spooled files (by base name), `.job.ad` and `.machine.ad` written as the
  starter writes them (_CONDOR_JOB_AD, _CONDOR_MACHINE_AD, _CONDOR_SCRATCH_DIR), the job's
  `environment`, and its Executable with its Arguments (HTCondor's "new" syntax for both).
  A container-universe job runs in its `container_image`'s own root filesystem when the double
  is given the built images ("images", "runtime": the live tier, which runs it in a mount
  namespace of its own: an overlay on the image's unpacked layers, the sandbox mounted at its
  own path as HTCondor mounts it, the image's Env and User, started by the live tier's
  container-start double); an image that was not built puts the job on hold, as a failed pull
  does. Without images (the integration tier) it runs as a local process. Its
  `container_service_names` ports are published as Docker's bridge networking would: a port of
  the node forwards to the job's port, and `<service>_HostPort` is added to the job ad a moment
  after the job starts.
- rm: stops each job's process group by its PID (SIGTERM, then SIGKILL after 10 s).
- q: the queue as ads (ClusterId, ProcId, JobStatus, ...).
Every event goes to `events.jsonl` in its directory, with a time stamp.

argv[1]: JSON {"listen": "host:port" (port 0: any), "scheddName", "trustDomain",
"poolKeyFile": base64 of the pool's signing key file (optional), "acceptTokens": [...]
(optional), "dir": working directory, "machine": node address for the machine ad,
"env": environment of jobs, "hostPortDelaySeconds": 1, "slots": execute slots of the pool
(optional, default unlimited; jobs beyond them stay idle in the queue), "images": {reference: {"rootfs", "config"}}
and "runtime": the container-start double (optional, both)}.
Prints {"address": "http://host:port"} once it listens; stops (its jobs too) on SIGTERM.
"""
import base64
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import htcondor2
import jwt

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".."))
from htcondor_token_verify import derive  # noqa: E402
from container_job import container_image, in_container  # noqa: E402 (beside this file)
from job_arguments import split_arguments, split_environment  # noqa: E402 (beside this file)

IDLE, RUNNING, REMOVED, COMPLETED, HELD = 1, 2, 3, 4, 5
cfg = json.loads(sys.argv[1])
os.makedirs(cfg["dir"], exist_ok=True)
lock = threading.Lock()
jobs = {}
next_cluster = [1]
stopping = threading.Event()


def event(kind, **fields):
    with lock:
        with open(os.path.join(cfg["dir"], "events.jsonl"), "a") as f:
            f.write(json.dumps({"t": time.time(), "event": kind, **fields}) + "\n")


def check_token(token):
    """None if the pool accepts the token, else the error condor_submit would print."""
    refused = "AUTHENTICATE:1003:Failed to authenticate with any method"
    try:
        claims = jwt.decode(token, options={"verify_signature": False})
    except jwt.PyJWTError:
        return refused
    if claims.get("iss") != cfg["trustDomain"] or "condor:/WRITE" not in claims.get("scope", "condor:/WRITE").split():
        return refused
    if token in cfg.get("acceptTokens", []):
        return None
    if cfg.get("poolKeyFile"):
        key = derive(base64.b64decode(cfg["poolKeyFile"]), jwt.get_unverified_header(token).get("kid", "POOL"))
        try:
            jwt.decode(token, key, algorithms=["HS256"], options={"verify_aud": False})
            return None
        except jwt.PyJWTError:
            return refused
    return refused




def ad_value(v):
    return str(v) if isinstance(v, int) else json.dumps(str(v))


def write_ad(path, ad):
    with open(path, "w") as f:
        f.write("".join(f"{k} = {ad_value(v)}\n" for k, v in ad.items()))


def forward(listener, target_port):
    """Docker's published port: each connection to the node's port goes to the job's port."""
    def pipe(a, b):
        try:
            while True:
                data = a.recv(65536)
                if not data:
                    break
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    while not stopping.is_set():
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        try:
            upstream = socket.create_connection(("127.0.0.1", target_port), timeout=10)
        except OSError:
            conn.close()
            continue
        threading.Thread(target=pipe, args=(conn, upstream), daemon=True).start()
        threading.Thread(target=pipe, args=(upstream, conn), daemon=True).start()


def start_job(job):
    sub = job["submit"]
    sandbox = os.path.join(cfg["dir"], "execute", f"dir_{job['id']}")
    os.makedirs(sandbox)
    for name in os.listdir(job["spool"]):
        shutil.copy(os.path.join(job["spool"], name), os.path.join(sandbox, name))
    ad = {"ClusterId": job["cluster"], "ProcId": 0, "JobStatus": RUNNING, "Cmd": sub["Executable"], "Iwd": sandbox}
    for k in sub.keys():
        if k.upper().startswith("MY.") and "$" not in sub[k]:
            ad[k[3:]] = sub[k].strip('"')
    services = [s.strip() for s in sub.get("container_service_names", "").split(",") if s.strip()]
    if services:
        ad["ContainerServiceNames"] = ",".join(services)
        for s in services:
            ad[f"{s}_ContainerPort"] = int(sub[f"{s}_container_port"])
    job_ad = os.path.join(sandbox, ".job.ad")
    machine_ad = os.path.join(sandbox, ".machine.ad")
    write_ad(job_ad, ad)
    write_ad(machine_ad, {"Machine": "batch-node.double", "StartdIpAddr": f"<{cfg['machine']}:9618?addrs={cfg['machine']}-9618>"})
    condor = {"_CONDOR_JOB_AD": job_ad, "_CONDOR_MACHINE_AD": machine_ad, "_CONDOR_SCRATCH_DIR": sandbox, "_CONDOR_JOB_IWD": sandbox}
    env = {**os.environ, **cfg.get("env", {}), **split_environment(sub.get("environment", "")), **condor}
    argv = [sub["Executable"]] + split_arguments(sub.expand("Arguments"))
    command = argv
    image = container_image(sub)
    if image is not None and "images" in cfg:
        found = cfg["images"].get(image)
        if found is None:
            with lock:
                job.update(status=HELD, sandbox=sandbox)
            event("hold", id=job["id"], reason=f"Error from starter: Cannot pull image {image}: not built here")
            return
        command, env = in_container(found, cfg["runtime"], os.path.join(cfg["dir"], "containers", job["id"]), sandbox, argv,
                                    {**split_environment(sub.get("environment", "")), **condor})
    out = open(os.path.join(cfg["dir"], f"job-{job['id']}.log"), "w")
    proc = subprocess.Popen(command, cwd=sandbox, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    job.update(proc=proc, pid=proc.pid, status=RUNNING, sandbox=sandbox)
    event("start", id=job["id"], pid=proc.pid, argv=argv, universe=sub.get("universe", "vanilla"),
          **({"image": image, "inImage": "images" in cfg} if image is not None else {}))
    for s in services:
        listener = socket.create_server((cfg["machine"], 0))
        job.setdefault("listeners", []).append(listener)
        port = listener.getsockname()[1]
        threading.Thread(target=forward, args=(listener, ad[f"{s}_ContainerPort"]), daemon=True).start()

        def publish(s=s, port=port):
            time.sleep(cfg.get("hostPortDelaySeconds", 1))
            with open(job_ad, "a") as f:
                f.write(f"{s}_HostPort = {port}\n")
            event("host-port", id=job["id"], service=s, port=port)

        threading.Thread(target=publish, daemon=True).start()

    def reap():
        code = proc.wait()
        with lock:
            if job["status"] == RUNNING:
                job["status"] = COMPLETED
                jobs.pop(job["id"], None)
        event("exit", id=job["id"], code=code)
        for listener in job.get("listeners", []):
            listener.close()

    threading.Thread(target=reap, daemon=True).start()


def running_jobs():
    """How many jobs hold a slot (are running)."""
    with lock:
        return sum(1 for j in jobs.values() if j["status"] == RUNNING)


def stop_job(job):
    """Stops the job's process group by its PID: SIGTERM, then SIGKILL after 10 s."""
    proc = job.get("proc")
    if proc is None or proc.poll() is not None:
        return
    try:
        os.killpg(proc.pid, signal.SIGTERM)
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
    except ProcessLookupError:
        pass


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def reply(self, code, text, body=None):
        data = json.dumps({"exit": code, "out": text, **({"body": body} if body is not None else {})}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        req = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if req.get("name") != cfg["scheddName"]:
            return self.reply(1, f"ERROR: Can't find address of schedd {req.get('name')}\n")
        refused = check_token(req.get("token", ""))
        if refused:
            event("refused", path=self.path)
            return self.reply(1, f"ERROR: {refused}\n")
        if self.path == "/submit":
            return self.submit(req)
        if self.path == "/rm":
            return self.rm(req)
        if self.path == "/q":
            with lock:
                ads = [{"ClusterId": j["cluster"], "ProcId": 0, "JobStatus": j["status"], "Owner": j["owner"],
                        "JobBatchName": j["submit"].get("batch_name", ""), "Cmd": j["submit"]["Executable"]} for j in jobs.values()]
            return self.reply(0, "", body=ads)
        self.reply(1, f"ERROR: unknown request {self.path}\n")

    def submit(self, req):
        if not req.get("spool"):
            return self.reply(1, "ERROR: this access point is remote: submit with -spool so the input files travel with the job\n")
        try:
            sub = htcondor2.Submit(req["description"])
        except Exception as exc:  # htcondor2 raises its own errors for bad descriptions
            return self.reply(1, f"ERROR: {exc}\n")
        with lock:
            cluster = next_cluster[0]
            next_cluster[0] += 1
        job = {"id": f"{cluster}.0", "cluster": cluster, "submit": sub, "status": IDLE, "owner": req.get("owner", "")}
        job["spool"] = os.path.join(cfg["dir"], "spool", job["id"])
        os.makedirs(job["spool"])
        for name, content in req.get("inputs", {}).items():
            with open(os.path.join(job["spool"], os.path.basename(name)), "wb") as f:
                f.write(base64.b64decode(content))
        with lock:
            jobs[job["id"]] = job
        event("submit", id=job["id"], inputs=sorted(os.path.basename(n) for n in req.get("inputs", {})),
              universe=sub.get("universe", "vanilla"))
        # A pool with no free slot (cfg "slots": 0) keeps the job idle in the queue, as a pool
        # whose execute nodes are all busy does; otherwise it starts at once.
        if cfg.get("slots") is None or running_jobs() < int(cfg["slots"]):
            start_job(job)
        else:
            event("idle", id=job["id"], reason="no free slot in the pool")
        self.reply(0, f"Submitting job(s).\n1 job(s) submitted to cluster {cluster}.\n")

    def rm(self, req):
        lines, code = [], 0
        for wanted in req.get("ids", []):
            job_id = wanted if "." in wanted else f"{wanted}.0"
            with lock:
                job = jobs.get(job_id)
                if job:
                    job["status"] = REMOVED
                    jobs.pop(job_id)
            if not job:
                lines.append(f"Job {job_id} not found")
                code = 1
                continue
            event("rm", id=job_id, pid=job.get("pid"))
            stop_job(job)
            lines.append(f"Job {job_id} marked for removal" if "." in wanted else f"All jobs in cluster {wanted} have been marked for removal")
        self.reply(code, "\n".join(lines) + "\n")


def main():
    host, port = cfg["listen"].rsplit(":", 1)
    server = ThreadingHTTPServer((host, int(port)), Handler)

    def shutdown(*_):
        stopping.set()
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, shutdown)
    signal.signal(signal.SIGINT, shutdown)
    parent = os.getppid()

    def orphaned():
        # Bounded by the parent's life: when the process that started it is gone, it stops too.
        while not stopping.wait(1):
            if os.getppid() != parent:
                shutdown()

    threading.Thread(target=orphaned, daemon=True).start()
    print(json.dumps({"address": f"http://{host}:{server.server_address[1]}"}), flush=True)
    server.serve_forever()
    with lock:
        left = list(jobs.values())
    for job in left:
        stop_job(job)
    event("stopped", jobs=[j["id"] for j in left])


if __name__ == "__main__":
    main()
