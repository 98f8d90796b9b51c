"""The group's Dask in a notebook session, configured, with no arguments.

Shipped with hepaf and mounted on every group's notebook pods (on the pod's PYTHONPATH) with its
settings, ``hepaf_dask.json``, which the facility renders per group (its kind, adaptive limits,
dedicated worker). The rest of the configuration is what the pod already has: the group's
jobqueue and TLS settings and the session's contact address (HTCondor), or the gateway's
``DASK_GATEWAY__*`` environment.

    import hepaf_dask
    cluster = hepaf_dask.cluster()          # the group's kind, adaptive within its limits
    client = cluster.get_client()

- ``HTCondorSessionCluster``: dask-jobqueue's ``HTCondorCluster`` (scheduler in the notebook,
  workers submitted as HTCondor jobs that come back through the SNI front door) plus a
  dedicated worker in the notebook pod that joins as soon as the cluster exists. The dedicated
  worker is not counted against the batch limit, and adaptive scaling never removes it
  (:class:`SessionAdaptive`).
- ``GatewaySessionCluster``: a cluster on the group's Dask Gateway.

Both are dask-labextension factories (``labextension.factory``: ``await Cls(asynchronous=True,
adapt=True)``). ``adapt()`` defaults to the group's minimum and maximum and, for HTCondor, to
its idle time before scale-down; a larger maximum (or ``scale(n)``) is clipped to the group's
limit with a :class:`LimitWarning`.

The settings also name the Dask the facility's batch and gateway workers run (``dask``: the
Python minor and the packages Dask compares between client, scheduler and workers). Making a
cluster compares them with this interpreter's and, where they differ (a site's own notebook
image), warns once with a :class:`VersionWarning` naming each difference; the cluster is made
all the same.

Metrics: an HTCondor session's scheduler runs in the notebook, and its dashboard's ``/metrics``
serves prometheus_client's default registry; the first cluster made registers there (once per
process) a collector of the session's batch jobs, for each live HTCondor cluster of this module:

    hepaf_batch_jobs{state}                    jobs by state: pending (submitted, no worker of
                                               the job connected to the scheduler yet) and
                                               running (one connected)
    hepaf_batch_job_pending_oldest_seconds     age of the oldest pending job, 0 when none

summed over the process's clusters (a notebook serves one group). The group is not a label of
the metrics: the scrape gives it, from the label of the session's Service (a label the metrics
carried too would be renamed `exported_group` by Prometheus, which keeps the target's own).
The dedicated worker is no batch job and is not counted.
"""
import json
import logging
import math
import os
import sys
import threading
import time
import warnings
import weakref
from importlib import metadata

from dask.utils import parse_bytes
from distributed import Nanny
from distributed.deploy.adaptive import Adaptive
from distributed.deploy.spec import SpecCluster

logger = logging.getLogger("hepaf_dask")

SETTINGS_FILE = "hepaf_dask.json"
KINDS = ("htcondor", "gateway")


class LimitWarning(UserWarning):
    """A request above the group's limits, clipped to them."""


class VersionWarning(UserWarning):
    """This notebook's Dask differs from the one the facility's workers run."""


def settings(path=None):
    """The group's settings: ``path``, else ``$HEPAF_DASK_SETTINGS``, else ``hepaf_dask.json`` beside this module."""
    path = path or os.environ.get("HEPAF_DASK_SETTINGS") or os.path.join(os.path.dirname(os.path.abspath(__file__)), SETTINGS_FILE)
    with open(path) as f:
        s = json.load(f)
    if s.get("kind") not in KINDS:
        raise ValueError(f"{path}: kind must be one of {', '.join(KINDS)}, got {s.get('kind')!r}")
    dask = s.get("dask")
    if not isinstance(dask, dict) or not isinstance(dask.get("python"), str) or not isinstance(dask.get("packages"), dict):
        raise ValueError(f"{path}: dask must be {{\"python\": \"3.x\", \"packages\": {{name: version}}}}, got {dask!r}")
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


def version_message(differences, expected):
    """The warning's text: each difference with both versions, what it means, and the fix."""
    each = "; ".join(f"{name} {here or 'not installed'} here, {version} on the workers" for name, here, version in differences)
    pins = " ".join(f"{name}=={version}" for name, version in sorted(expected["packages"].items()))
    return (f"this notebook's Dask differs from the facility's: {each}. The batch and gateway workers run the facility's "
            f"versions (Python {expected['python']}), and Dask needs client, scheduler and workers to agree, so the "
            f"computation may fail. Use the facility's notebook image, or Python {expected['python']} with: pip install {pins}")


def check_versions(s):
    """Warns with a :class:`VersionWarning` when this interpreter's Dask differs from the settings'
    ``dask``, pointing at the first caller outside this module; returns the differences (empty
    when they agree)."""
    differences = version_differences(s["dask"])
    if differences:
        frame, level = sys._getframe(1), 2
        while frame is not None and frame.f_globals.get("__name__") == __name__:
            frame, level = frame.f_back, level + 1
        warnings.warn(version_message(differences, s["dask"]), VersionWarning, stacklevel=level)
    return differences


def clip(minimum, maximum, s, call=None, name="maximum"):
    """``(minimum, maximum)`` within the group's limits: None takes the group's default; a maximum
    above the limit becomes the limit, a minimum above the maximum becomes the maximum, each
    with a :class:`LimitWarning` that says why."""
    a = s["adaptive"]
    limit = a["maximum"]
    if maximum is None or (isinstance(maximum, float) and math.isinf(maximum)):
        maximum = limit if maximum is None else maximum
    if maximum > limit:
        warnings.warn(
            f"{call or f'adapt(maximum={maximum})'} is above group {s['group']}'s limit of {a['limit']} per user: "
            f"using {name}={limit}", LimitWarning, stacklevel=3)
        maximum = limit
    maximum = int(maximum)
    if minimum is None:
        minimum = min(a["minimum"], maximum)
    if minimum > maximum:
        warnings.warn(f"adapt(minimum={minimum}) is above the maximum ({maximum}): using minimum={maximum}", LimitWarning, stacklevel=3)
        minimum = maximum
    return int(minimum), maximum


def adaptive_timing(s):
    """Adaptive's ``interval`` and ``wait_count`` for the group's idle time before scale-down."""
    a = s["adaptive"]
    return {"interval": f"{a['intervalSeconds']}s", "wait_count": a["waitCount"]}


class SessionAdaptive(Adaptive):
    """Adaptive scaling of batch workers beside dedicated ones (the cluster's
    ``dedicated_worker_names``). The scheduler's target counts every worker, the dedicated ones
    too (their threads and memory are capacity the batch need not supply), so they are taken
    off it; the workers to close are chosen among the idle batch workers only, those holding
    the least data first, so a dedicated worker is never retired."""

    def _names(self):
        return getattr(self.cluster, "dedicated_worker_names", set())

    def _dedicated_present(self):
        return sum(1 for ws in self.cluster.scheduler.workers.values() if ws.name in self._names())

    async def target(self):
        return max(0, await super().target() - self._dedicated_present())

    async def workers_to_close(self, target):
        batch = [ws for ws in self.cluster.scheduler.workers.values() if ws.name not in self._names()]
        idle = sorted((ws for ws in batch if not ws.processing and not ws.long_running), key=lambda ws: ws.nbytes)
        return [ws.name for ws in idle[: max(0, len(batch) - target)]]


# --- batch job metrics ----------------------------------------------------------------------

_LIVE_CLUSTERS = weakref.WeakSet()
_COLLECTOR = []
_COLLECTOR_LOCK = threading.Lock()


def batch_job_states(cluster, now=None):
    """``(pending, running, oldest pending age in seconds)`` of a dask-jobqueue cluster's jobs.

    A job is one ``Job`` of the cluster (``SpecCluster._created``: the jobs being submitted and
    those in ``cluster.workers``) that condor_submit accepted (it has a ``job_id``) and that is
    not closed. It is running once one of its workers is connected to the scheduler: the
    worker's name is the job's, or the job's with a suffix of its spec's ``group`` (several
    worker processes per job); until then it is pending, since ``hepaf_submitted_at`` (when
    condor_submit returned; for a job of another class, when it was first seen here).
    """
    from distributed.core import Status

    now = time.time() if now is None else now
    connected = {ws.name for ws in list(cluster.scheduler.workers.values())}
    jobs = {}
    for _ in range(3):  # a copy of sets another thread may change
        try:
            jobs = {id(j): j for j in list(getattr(cluster, "_created", ())) + list(cluster.workers.values())}
            break
        except RuntimeError:
            continue
    pending, running, oldest = 0, 0, 0.0
    for job in jobs.values():
        if getattr(job, "job_id", None) is None or getattr(job, "status", None) in (Status.closing, Status.closed, Status.failed):
            continue
        name = job.name
        suffixes = (cluster.worker_spec.get(name) or {}).get("group") or [""]
        if any(f"{name}{suffix}" in connected for suffix in suffixes):
            running += 1
            continue
        pending += 1
        submitted = getattr(job, "hepaf_submitted_at", None)
        if submitted is None:
            submitted = job.hepaf_submitted_at = now
        oldest = max(oldest, now - submitted)
    return pending, running, oldest


class BatchJobsCollector:
    """The batch jobs of the live HTCondor clusters of this module (see the module's doc)."""

    def _families(self):
        from prometheus_client.core import GaugeMetricFamily

        return (GaugeMetricFamily("hepaf_batch_jobs", "Batch jobs of the session's HTCondor clusters by state (pending: submitted, "
                                  "its worker not connected yet; running: connected)", labels=["state"]),
                GaugeMetricFamily("hepaf_batch_job_pending_oldest_seconds", "Age of the oldest pending batch job, 0 when none"))

    def describe(self):
        return list(self._families())

    def collect(self):
        from distributed.core import Status

        jobs, oldest = self._families()
        total = None
        now = time.time()
        for cluster in list(_LIVE_CLUSTERS):
            if getattr(cluster, "status", None) in (Status.closing, Status.closed, Status.failed) or getattr(cluster, "scheduler", None) is None:
                continue
            try:
                pending, running, age = batch_job_states(cluster, now)
            except Exception:  # noqa: BLE001 (a scrape never fails for one cluster)
                logger.debug("batch job metrics of %s", getattr(cluster, "_name", cluster), exc_info=True)
                continue
            total = total or [0, 0, 0.0]
            total[0] += pending
            total[1] += running
            total[2] = max(total[2], age)
        if total is not None:
            jobs.add_metric(["pending"], total[0])
            jobs.add_metric(["running"], total[1])
            oldest.add_metric([], total[2])
        return [jobs, oldest]


def register_batch_metrics():
    """Registers :class:`BatchJobsCollector` in prometheus_client's default registry, once per
    process; returns it (None without prometheus_client: distributed then serves no metrics)."""
    with _COLLECTOR_LOCK:
        if not _COLLECTOR:
            try:
                from prometheus_client import REGISTRY
            except ImportError:
                return None
            collector = BatchJobsCollector()
            REGISTRY.register(collector)
            _COLLECTOR.append(collector)
        return _COLLECTOR[0]


def _htcondor_class():
    from dask_jobqueue import HTCondorCluster
    from dask_jobqueue.htcondor import HTCondorJob

    class SessionJob(HTCondorJob):
        """dask-jobqueue's HTCondor job, with the moment condor_submit accepted it."""

        async def _submit_job(self, script_filename):
            out = await super()._submit_job(script_filename)
            self.hepaf_submitted_at = time.time()
            return out

    class HTCondorSessionCluster(_HTCondorSession, HTCondorCluster):
        __doc__ = _HTCondorSession.__doc__
        job_cls = SessionJob

    return HTCondorSessionCluster


class _HTCondorSession:
    """The group's HTCondor cluster: scheduler here, batch workers on the pool, a dedicated worker in this pod.

    ``adapt``: start adaptive scaling with the group's defaults. ``dedicated_worker``: False for
    none, or ``{"nthreads", "memoryLimit"}``; default the group's. Other arguments are
    ``HTCondorCluster``'s (the rendered jobqueue settings are its defaults).
    """

    def __init__(self, *args, adapt=False, dedicated_worker=None, settings_file=None, **kwargs):
        self.hepaf_settings = settings(settings_file)
        check_versions(self.hepaf_settings)
        spec = self.hepaf_settings["dedicatedWorker"] if dedicated_worker is None else (dedicated_worker or None)
        self._dedicated_spec = spec
        self._dedicated = None
        self._adapt_on_start = adapt
        self.dedicated_worker_names = set()
        register_batch_metrics()
        super().__init__(*args, **kwargs)
        _LIVE_CLUSTERS.add(self)

    async def _start(self):
        await super()._start()
        if self._dedicated_spec:
            name = f"{self._name}-dedicated"
            self.dedicated_worker_names.add(name)
            # The scheduler's own address here (not the SNI contact address the batch jobs use).
            self._dedicated = await Nanny(
                self.scheduler.address,
                name=name,
                nthreads=int(self._dedicated_spec["nthreads"]),
                memory_limit=int(self._dedicated_spec["memoryLimit"]),
                silence_logs=logging.WARNING,
            )
            logger.info("dedicated worker %s at %s", name, self._dedicated.worker_address)
        if self._adapt_on_start:
            self.adapt()

    @property
    def dedicated_worker(self):
        """The dedicated worker's Nanny, or None."""
        return self._dedicated

    def adapt(self, minimum=None, maximum=None, *, minimum_jobs=None, maximum_jobs=None, minimum_cores=None, maximum_cores=None,
              minimum_memory=None, maximum_memory=None, Adaptive=SessionAdaptive, **kwargs):
        """Adaptive scaling of batch workers within the group's limits (the dedicated worker is extra)."""
        per_job = self._dummy_job.worker_processes
        if minimum_jobs is not None:
            minimum = minimum_jobs * per_job
        if maximum_jobs is not None:
            maximum = maximum_jobs * per_job
        if maximum_cores is not None:
            maximum = min(math.inf if maximum is None else maximum, math.floor(maximum_cores / self._threads_per_worker()))
        if maximum_memory is not None:
            maximum = min(math.inf if maximum is None else maximum, math.floor(parse_bytes(maximum_memory) / self._memory_per_worker()))
        if minimum_cores is not None:
            minimum = max(minimum or 0, math.ceil(minimum_cores / self._threads_per_worker()))
        if minimum_memory is not None:
            minimum = max(minimum or 0, math.ceil(parse_bytes(minimum_memory) / self._memory_per_worker()))
        minimum, maximum = clip(minimum, maximum, self.hepaf_settings)
        for key, value in adaptive_timing(self.hepaf_settings).items():
            kwargs.setdefault(key, value)
        return SpecCluster.adapt(self, Adaptive=Adaptive, minimum=minimum, maximum=maximum, **kwargs)

    def scale(self, n=None, jobs=0, memory=None, cores=None):
        """``HTCondorCluster.scale``, clipped to the group's limit of batch workers."""
        if n is None and jobs:
            n = jobs * self._dummy_job.worker_processes
        if n is not None:
            _, n = clip(0, n, self.hepaf_settings, call=f"scale({n})", name="n")
            return super().scale(n, memory=memory, cores=cores)
        return super().scale(None, jobs=0, memory=memory, cores=cores)

    async def _close(self):
        if self._dedicated is not None:
            await self._dedicated.close()
            self._dedicated = None
        await super()._close()


def _gateway_class():
    from dask_gateway import GatewayCluster

    class GatewaySessionCluster(_GatewaySession, GatewayCluster):
        __doc__ = _GatewaySession.__doc__

    return GatewaySessionCluster


class _GatewaySession:
    """The group's cluster on its Dask Gateway (address, proxy and auth from the pod's environment).

    ``adapt``: start adaptive scaling with the group's defaults once the cluster runs. Other
    arguments are ``GatewayCluster``'s. The gateway enforces the same worker limit itself.
    """

    def __init__(self, *args, adapt=False, settings_file=None, **kwargs):
        self.hepaf_settings = settings(settings_file)
        check_versions(self.hepaf_settings)
        self._adapt_on_start = adapt
        super().__init__(*args, **kwargs)

    async def _start_async(self):
        await super()._start_async()
        if self._adapt_on_start and self.status == "running":
            minimum, maximum = clip(None, None, self.hepaf_settings)
            await self.gateway._adapt_cluster(self.name, minimum=minimum, maximum=maximum)

    def adapt(self, minimum=None, maximum=None, active=True, **kwargs):
        """``GatewayCluster.adapt`` with the group's defaults, clipped to its limit."""
        minimum, maximum = clip(minimum, maximum, self.hepaf_settings)
        return super().adapt(minimum=minimum, maximum=maximum, active=active, **kwargs)

    def scale(self, n, **kwargs):
        """``GatewayCluster.scale``, clipped to the group's limit."""
        _, n = clip(0, n, self.hepaf_settings, call=f"scale({n})", name="n")
        return super().scale(n, **kwargs)


# Each class is made on first use, so a pod needs only its kind's package (dask_jobqueue or dask_gateway).
_FACTORIES = {"HTCondorSessionCluster": _htcondor_class, "GatewaySessionCluster": _gateway_class}
CLASS_OF_KIND = {"htcondor": "HTCondorSessionCluster", "gateway": "GatewaySessionCluster"}


def __getattr__(name):
    if name in _FACTORIES:
        cls = _FACTORIES[name]()
        globals()[name] = cls
        return cls
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def cluster(adapt=True, **kwargs):
    """The group's default cluster, adaptive within the group's limits unless ``adapt=False``."""
    s = settings(kwargs.get("settings_file"))
    return __getattr__(CLASS_OF_KIND[s["kind"]])(adapt=adapt, **kwargs)
