"""Configuration of one hepaf Dask Gateway (API server and kube-controller).

Loaded by dask-gateway-server through traitlets (``--config <this file>``). Everything
specific to a facility and group comes from the values file the hepaf DaskGateway component
renders (JSON, no secrets): ``$HEPAF_GATEWAY_VALUES`` or ``values.json`` next to this file.
The hub API token arrives in the environment as ``JUPYTERHUB_API_TOKEN`` (from a Secret).
"""

import json
import os

from aiohttp import web
from dask_gateway_server.options import Float, Integer, Options, Select

c = get_config()  # noqa: F821 (provided by the traitlets config loader)


def _values_path():
    explicit = os.environ.get("HEPAF_GATEWAY_VALUES")
    if explicit:
        return explicit
    here = os.path.dirname(os.path.abspath(globals().get("__file__", "dask_gateway_config.py")))
    return os.path.join(here, "values.json")


with open(_values_path(), encoding="utf-8") as f:
    values = json.load(f)

# --- Gateway API server ----------------------------------------------------------------
c.DaskGateway.address = values["api"]["address"]
c.DaskGateway.backend_class = "dask_gateway_server.backends.kubernetes.KubeBackend"
c.DaskGateway.authenticator_class = "dask_gateway_server.auth.JupyterHubAuthenticator"

# Shared by the backend (DaskCluster objects) and the controller (pods, services, routes).
for section in (c.KubeBackend, c.KubeController):
    section.gateway_instance = values["gatewayInstance"]
    section.common_labels = dict(values["commonLabels"])
    section.api_url = values["api"]["url"]

# --- Login through JupyterHub ------------------------------------------------------------
auth = values["auth"]
c.JupyterHubAuthenticator.jupyterhub_api_url = auth["jupyterhubApiUrl"]
c.JupyterHubAuthenticator.jupyterhub_service_name = auth["serviceName"]
# Only tokens granted access to this group's service may use it (hub roles decide who).
c.JupyterHubAuthenticator.use_service_access_scopes = True

# --- How clusters run ----------------------------------------------------------------------
cluster = values["cluster"]
kc = c.KubeClusterConfig
kc.namespace = values["namespace"]
kc.image = cluster["image"]
if cluster.get("imagePullPolicy"):
    kc.image_pull_policy = cluster["imagePullPolicy"]
# `dask scheduler` / `dask worker`: current distributed no longer installs dask-gateway's
# default `dask-scheduler` / `dask-worker` scripts.
kc.scheduler_cmd = list(cluster["schedulerCommand"])
kc.worker_cmd = list(cluster["workerCommand"])
for role in ("scheduler", "worker"):
    size = cluster[role]
    setattr(kc, f"{role}_cores", float(size["cores"]))
    setattr(kc, f"{role}_cores_limit", float(size["coresLimit"]))
    setattr(kc, f"{role}_memory", int(size["memory"]))
    setattr(kc, f"{role}_memory_limit", int(size["memoryLimit"]))
kc.environment = dict(cluster["environment"])
kc.worker_extra_pod_config = dict(cluster["workerExtraPodConfig"])
kc.scheduler_extra_pod_config = dict(cluster["schedulerExtraPodConfig"])
kc.idle_timeout = float(cluster["idleTimeout"])
if cluster.get("maxCores") is not None:
    kc.cluster_max_cores = float(cluster["maxCores"])
if cluster.get("maxMemory") is not None:
    kc.cluster_max_memory = int(cluster["maxMemory"])
if cluster.get("maxWorkers") is not None:
    kc.cluster_max_workers = int(cluster["maxWorkers"])

# --- Options offered to the group's users ------------------------------------------------
GIB = 2**30
required_group = auth.get("requireGroup")


def _fields(spec):
    fields = []
    if spec.get("workerCores"):
        r = spec["workerCores"]
        fields.append(Integer("worker_cores", default=r["default"], min=r["min"], max=r["max"], label="Worker cores"))
    if spec.get("workerMemoryGiB"):
        r = spec["workerMemoryGiB"]
        fields.append(Float("worker_memory", default=r["default"], min=r["min"], max=r["max"], label="Worker memory (GiB)"))
    if spec.get("image"):
        r = spec["image"]
        fields.append(Select("image", list(r["choices"]), default=r["default"], label="Image"))
    return fields


def _handler(options, user):
    """Maps the chosen options onto KubeClusterConfig fields (limits follow requests)."""
    config = {}
    if "worker_cores" in options:
        config["worker_cores"] = float(options.worker_cores)
        config["worker_cores_limit"] = float(options.worker_cores)
    if "worker_memory" in options:
        config["worker_memory"] = int(options.worker_memory * GIB)
        config["worker_memory_limit"] = int(options.worker_memory * GIB)
    if "image" in options:
        config["image"] = options.image
    return config


_options_spec = values.get("options")


def cluster_options(user):
    """The options a user sees; refuses users outside the group when a hub group is required."""
    if required_group and required_group not in (user.groups or ()):
        raise web.HTTPForbidden(reason=f"user {user.name!r} is not a member of group {required_group!r}")
    if not _options_spec:
        return Options()
    return Options(*_fields(_options_spec), handler=_handler)


c.Backend.cluster_options = cluster_options

# --- Controller: the routes it creates land on the facility Traefik ----------------------
controller = values["controller"]
c.KubeController.address = controller["address"]
c.KubeController.proxy_prefix = controller["proxyPrefix"]
c.KubeController.proxy_web_entrypoint = controller["webEntrypoint"]
c.KubeController.proxy_tcp_entrypoint = controller["tcpEntrypoint"]
c.KubeController.proxy_web_middlewares = [dict(m) for m in controller["webMiddlewares"]]
