"""Stops every cluster a user has on the group's gateway, as the user would from a laptop after
their session gave up: the gateway's address from the user's bundle (DASK_CONFIG), the user's hub
token (JUPYTERHUB_API_TOKEN), the facility root (SSL_CERT_FILE). Prints one JSON line:
{"stopped": [cluster names]} or {"error"}.
"""
import json

from dask_gateway import Gateway

try:
    with Gateway() as gateway:
        names = [c.name for c in gateway.list_clusters()]
        for name in names:
            gateway.stop_cluster(name)
    print(json.dumps({"stopped": names}), flush=True)
except Exception as err:  # noqa: BLE001 - the outcome is reported, not raised
    print(json.dumps({"error": f"{type(err).__name__}: {err}"}), flush=True)
