"""Starts a Dask worker in an HTCondor container-universe job on bridge networking.

In such a job the container's own address cannot be reached from outside the node, so the
worker must advertise the node's address and the port HTCondor mapped to the worker's port
(the job asked for it with ``container_service_names``). dask-jobqueue runs this module as the
job's worker command (``python -m hepaf_batch_worker <scheduler> <dask worker options>``, from
the job's sandbox, where the file was transferred); it reads the job's ad and the machine's ad,
which HTCondor names in ``_CONDOR_JOB_AD`` and ``_CONDOR_MACHINE_AD``, and runs
``python -m distributed.cli.dask_worker`` with the same arguments plus:

- ``--listen-address <proto>://0.0.0.0:<dask_ContainerPort>``: where the worker listens inside;
- ``--contact-address <proto>://<node>:<dask_HostPort>``: what it tells the scheduler;
- ``--no-nanny``: a nanny would advertise its container address, which nobody can reach.

``<node>`` is the host of the machine ad's ``StartdIpAddr`` (else its ``Machine``). HTCondor adds
``dask_HostPort`` to the job ad shortly after the job starts, so the launcher waits for it; a
runtime that maps no ports (e.g. Apptainer, which shares the node's network) never adds it, and
after the wait the worker advertises the node's address with the container port.

It needs only the standard library and distributed (which the worker image has anyway).
"""
import os
import re
import sys
import time

SERVICE = "dask"
WAIT_SECONDS = float(os.environ.get("HEPAF_HOST_PORT_WAIT_SECONDS", "60"))
_LINE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_.]*)\s*=\s*(.*?)\s*$")


def read_ad(path):
    """A ClassAd file in HTCondor's long form (one ``Name = value`` a line) as a dict; names
    keep their case, string values lose their quotes, integers become ints."""
    ad = {}
    with open(path) as f:
        for line in f:
            m = _LINE.match(line)
            if not m:
                continue
            name, value = m.group(1), m.group(2)
            if len(value) >= 2 and value[0] == '"' and value[-1] == '"':
                value = value[1:-1].replace('\\"', '"')
            elif re.fullmatch(r"-?[0-9]+", value):
                value = int(value)
            ad[name] = value
    return ad


def lookup(ad, name):
    """A ClassAd attribute, case-insensitively (ClassAd names are)."""
    for key, value in ad.items():
        if key.lower() == name.lower():
            return value
    return None


def node_address(machine_ad):
    """The node's address: the host of StartdIpAddr (a sinful string ``<host:port?...>``), else Machine."""
    sinful = lookup(machine_ad, "StartdIpAddr")
    if isinstance(sinful, str):
        m = re.match(r"^<\[?([^\]>?]+?)\]?:[0-9]+", sinful)
        if m:
            return m.group(1)
    machine = lookup(machine_ad, "Machine")
    if isinstance(machine, str) and machine:
        return machine
    raise SystemExit("hepaf_batch_worker: the machine ad has neither StartdIpAddr nor Machine")


def mapped_port(job_ad_path, service, wait_seconds, sleep=time.sleep, clock=time.monotonic):
    """``<service>_HostPort`` from the job ad, re-read until it appears or ``wait_seconds`` pass (None then)."""
    deadline = clock() + wait_seconds
    while True:
        port = lookup(read_ad(job_ad_path), f"{service}_HostPort")
        if isinstance(port, int):
            return port
        if clock() >= deadline:
            return None
        sleep(0.5)


def scheme_of(scheduler):
    """The protocol of the scheduler's address (``tls`` for ``tls://host:port``)."""
    return scheduler.split("://", 1)[0] if "://" in scheduler else "tcp"


def worker_argv(args, job_ad_path, machine_ad_path, wait_seconds=WAIT_SECONDS):
    """The ``dask worker`` command line for this job: its own arguments plus the addresses."""
    if not args or args[0].startswith("-"):
        raise SystemExit("hepaf_batch_worker: the first argument must be the scheduler's address")
    job_ad = read_ad(job_ad_path)
    inside = lookup(job_ad, f"{SERVICE}_ContainerPort")
    if not isinstance(inside, int):
        raise SystemExit(f"hepaf_batch_worker: the job ad has no {SERVICE}_ContainerPort (submit with container_service_names = {SERVICE})")
    host = node_address(read_ad(machine_ad_path))
    outside = mapped_port(job_ad_path, SERVICE, wait_seconds)
    if outside is None:
        print(f"hepaf_batch_worker: no {SERVICE}_HostPort in the job ad after {wait_seconds:g} s: "
              f"advertising the node's address with the container port {inside}", file=sys.stderr, flush=True)
        outside = inside
    proto = scheme_of(args[0])
    return [sys.executable, "-m", "distributed.cli.dask_worker", *args,
            "--listen-address", f"{proto}://0.0.0.0:{inside}",
            "--contact-address", f"{proto}://{host}:{outside}",
            "--no-nanny"]


def main():
    for var in ("_CONDOR_JOB_AD", "_CONDOR_MACHINE_AD"):
        if not os.environ.get(var):
            raise SystemExit(f"hepaf_batch_worker: {var} is not set: run this as an HTCondor job")
    argv = worker_argv(sys.argv[1:], os.environ["_CONDOR_JOB_AD"], os.environ["_CONDOR_MACHINE_AD"])
    print("hepaf_batch_worker: " + " ".join(argv[1:]), file=sys.stderr, flush=True)
    os.execv(argv[0], argv)


if __name__ == "__main__":
    main()
