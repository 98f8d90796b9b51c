"""Loads a hepaf gateway config exactly as the containers do and prints the effective settings.

Usage: check_gateway_config.py <dask_gateway_config.py>
Environment: HEPAF_GATEWAY_VALUES (values file), JUPYTERHUB_API_TOKEN (as the Secret provides it).
Everything below is dask-gateway-server's own code (traitlets loading, KubeBackend,
KubeClusterConfig, JupyterHubAuthenticator, Options, KubeController object builders);
nothing here needs a Kubernetes cluster.
"""

import asyncio
import json
import logging
import sys

from dask_gateway_server.app import DaskGateway
from dask_gateway_server.backends.kubernetes.controller import KubeController
from dask_gateway_server.models import User
from dask_gateway_server.utils import FrozenAttrDict


def main(config_path):
    log = logging.getLogger("check")
    app = DaskGateway()
    app.load_config_file(config_path)
    backend = app.backend_class(parent=app, log=log)
    auth = app.authenticator_class(parent=app, log=log)
    base = backend.cluster_config_class(parent=backend)

    async def options_for(user, request):
        try:
            opts = await backend.get_cluster_options(user)
        except Exception as exc:  # what the API answers a non-member
            return {"error": f"{type(exc).__name__}: {exc}"}
        out = {"spec": opts.get_specification()}
        try:
            _, cfg = await backend.process_cluster_options(user, request)
            out["config"] = {k: getattr(cfg, k) for k in ("image", "worker_cores", "worker_cores_limit", "worker_memory", "worker_memory_limit")}
        except Exception as exc:
            out["configError"] = str(exc)
        return out

    member = User("alice", groups=["cms", "other"])
    outsider = User("mallory", groups=["atlas"])
    request = json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}

    ctl = KubeController()
    ctl.load_config_file(config_path)
    cfg = FrozenAttrDict(base.to_dict())

    result = {
        "app": {
            "address": app.address,
            "backend": f"{type(backend).__module__}.{type(backend).__name__}",
            "authenticator": f"{type(auth).__module__}.{type(auth).__name__}",
        },
        "backend": {
            "gateway_instance": backend.gateway_instance,
            "label_selector": backend.label_selector,
            "common_labels": backend.common_labels,
            "api_url": backend.api_url,
        },
        "cluster": {
            "namespace": base.namespace,
            "image": base.image,
            "scheduler_cores": base.scheduler_cores,
            "scheduler_memory": base.scheduler_memory,
            "worker_cores": base.worker_cores,
            "worker_cores_limit": base.worker_cores_limit,
            "worker_memory": base.worker_memory,
            "worker_memory_limit": base.worker_memory_limit,
            "environment": base.environment,
            "idle_timeout": base.idle_timeout,
            "cluster_max_cores": base.cluster_max_cores,
            "cluster_max_memory": base.cluster_max_memory,
            "cluster_max_workers": base.cluster_max_workers,
            "worker_extra_pod_config": base.worker_extra_pod_config,
            "scheduler_cmd": base.scheduler_cmd,
            "worker_cmd": base.worker_cmd,
        },
        "auth": {
            "jupyterhub_api_url": auth.jupyterhub_api_url,
            "jupyterhub_service_name": auth.jupyterhub_service_name,
            "use_service_access_scopes": auth.use_service_access_scopes,
            "token_length": len(auth.jupyterhub_api_token),
        },
        "options": {
            "member": asyncio.run(options_for(member, request)),
            "outsider": asyncio.run(options_for(outsider, request)),
        },
        "controller": {
            "address": ctl.address,
            "gateway_instance": ctl.gateway_instance,
            "label_selector": ctl.label_selector,
            "api_url": ctl.api_url,
            "proxy_prefix": ctl.proxy_prefix,
            "proxy_web_entrypoint": ctl.proxy_web_entrypoint,
            "proxy_tcp_entrypoint": ctl.proxy_tcp_entrypoint,
            "proxy_web_middlewares": ctl.proxy_web_middlewares,
            # The objects the controller would create for a cluster "abc123", from its own builders.
            "ingressroutetcp": ctl.make_ingressroutetcp("abc123", base.namespace),
            "ingressroute": ctl.make_ingressroute("abc123", base.namespace),
            "worker_pod": ctl.make_pod(base.namespace, "abc123", cfg, is_worker=True),
        },
    }
    json.dump(result, sys.stdout, indent=1, default=str)


if __name__ == "__main__":
    main(sys.argv[1])
