"""Starts the Dask worker of an HTCondor job, once it has checked the worker has the facility's Dask.

dask-jobqueue runs this module as every job's worker command (``python -m hepaf_batch_worker
<scheduler> <dask worker options>``, from the job's sandbox, where the file was transferred),
vanilla and container universe alike. Its settings are one JSON value in the job's environment,
``HEPAF_BATCH_WORKER`` (the submit description's ``environment``, rendered by the facility)::

    {"advertise": "node" | "mapped-port",
     "dask": {"python": "3.11", "packages": {"dask": "2026.8.0", "distributed": "2026.8.0", ...}}}

First it compares this interpreter's Python minor and the packages Dask compares between
client, scheduler and workers with ``dask``. When any differs it writes each difference, with
both versions, to stderr and exits with status 1 before a worker exists: such a worker would
join and then fail in the middle of a computation. Otherwise it runs
``python -m distributed.cli.dask_worker`` with its own arguments and, by ``advertise``:

- ``node`` (vanilla universe, container universe on host networking): nothing more; the worker
  listens on the node and advertises the node's own address.
- ``mapped-port`` (container universe on bridge networking, where the container's own address
  cannot be reached from outside the node; the job asked HTCondor with
  ``container_service_names`` to map the worker's port): it reads the job's ad and the
  machine's ad, which HTCondor names in ``_CONDOR_JOB_AD`` and ``_CONDOR_MACHINE_AD``, and adds

  - ``--listen-address <proto>://0.0.0.0:<dask_ContainerPort>``: where the worker listens inside;
  - ``--contact-address <proto>://<node>:<dask_HostPort>``: what it tells the scheduler;
  - ``--no-nanny``: a nanny would advertise its container address, which nobody can reach.

  ``<node>`` is the host of the machine ad's ``StartdIpAddr`` (else its ``Machine``). HTCondor
  adds ``dask_HostPort`` to the job ad shortly after the job starts, so the launcher waits for
  it; a runtime that maps no ports (e.g. Apptainer, which shares the node's network) never adds
  it, and after the wait the worker advertises the node's address with the container port.

It needs only the standard library and distributed (which the worker's Python has anyway).
"""
import json
import os
import re
import sys
import time
from importlib import metadata

SETTINGS_ENV = "HEPAF_BATCH_WORKER"
ADVERTISE = ("node", "mapped-port")
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


def settings_from_env(environ=os.environ):
    """The launcher's settings from ``$HEPAF_BATCH_WORKER``, checked."""
    text = environ.get(SETTINGS_ENV)
    if not text:
        raise SystemExit(f"hepaf_batch_worker: {SETTINGS_ENV} is not set: the job's environment must carry the facility's "
                         "settings (submit with the group's jobqueue settings)")
    try:
        s = json.loads(text)
    except ValueError as exc:
        raise SystemExit(f"hepaf_batch_worker: {SETTINGS_ENV} is not JSON: {exc}")
    if not isinstance(s, dict) or s.get("advertise") not in ADVERTISE:
        raise SystemExit(f"hepaf_batch_worker: {SETTINGS_ENV}.advertise must be one of {', '.join(ADVERTISE)}, got {s.get('advertise') if isinstance(s, dict) else s!r}")
    dask = s.get("dask")
    if not isinstance(dask, dict) or not isinstance(dask.get("python"), str) or not isinstance(dask.get("packages"), dict):
        raise SystemExit(f"hepaf_batch_worker: {SETTINGS_ENV}.dask must be {{\"python\": \"3.x\", \"packages\": {{name: version}}}}, got {dask!r}")
    return s


def installed_version(package):
    """The version of ``package`` this interpreter has, or None when it is not installed."""
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def version_differences(expected):
    """``[(name, here, expected)]`` for the Python minor and each package where this interpreter
    differs from ``expected`` (``{"python", "packages"}``); ``here`` is None for a package not installed."""
    python = f"{sys.version_info.major}.{sys.version_info.minor}"
    out = [] if python == expected["python"] else [("Python", python, expected["python"])]
    for name, version in sorted(expected["packages"].items()):
        here = installed_version(name)
        if here != version:
            out.append((name, here, version))
    return out


def check_versions(expected):
    """Exits with status 1 and the differences on stderr when this worker's Dask is not ``expected``."""
    differences = version_differences(expected)
    if differences:
        each = "; ".join(f"{name} {here or 'not installed'} here, {version} expected" for name, here, version in differences)
        pins = " ".join(f"{name}=={version}" for name, version in sorted(expected["packages"].items()))
        raise SystemExit(
            f"hepaf_batch_worker: this worker's Dask differs from the facility's: {each}. The session's client and scheduler "
            f"run the facility's versions, and Dask needs client, scheduler and workers to agree, so a computation on this "
            f"worker may fail: it does not start. Run the job in the facility's worker image, or with Python "
            f"{expected['python']} and: pip install {pins}")


def worker_argv(args, job_ad_path, machine_ad_path, wait_seconds=WAIT_SECONDS):
    """The ``dask worker`` command line of a bridge-networked job: its own arguments plus the addresses."""
    require_scheduler(args)
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


def require_scheduler(args):
    """Refuses a command line that does not start with the scheduler's address (as dask-jobqueue writes it)."""
    if not args or args[0].startswith("-"):
        raise SystemExit("hepaf_batch_worker: the first argument must be the scheduler's address")


def main():
    s = settings_from_env()
    check_versions(s["dask"])
    args = sys.argv[1:]
    if s["advertise"] == "node":
        require_scheduler(args)
        argv = [sys.executable, "-m", "distributed.cli.dask_worker", *args]
    else:
        for var in ("_CONDOR_JOB_AD", "_CONDOR_MACHINE_AD"):
            if not os.environ.get(var):
                raise SystemExit(f"hepaf_batch_worker: {var} is not set: run this as an HTCondor job")
        argv = worker_argv(args, os.environ["_CONDOR_JOB_AD"], os.environ["_CONDOR_MACHINE_AD"])
    print("hepaf_batch_worker: " + " ".join(argv[1:]), file=sys.stderr, flush=True)
    os.execv(argv[0], argv)


if __name__ == "__main__":
    main()
