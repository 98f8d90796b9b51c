"""A user's real dask_gateway client, from outside the cluster: authenticates with the user's
hub token, makes a cluster on the group's gateway, scales it to one worker and computes through
gateway://<domain>:<port> (SNI daskgateway-<namespace>.<cluster>); then waits until the file
argv's "stopFile" appears (bounded) and shuts the cluster down.

argv[1]: JSON {"address", "proxy", "token", "stopFile"}; without "address", everything comes from
Dask's config (a bundle of the Dask access service in DASK_CONFIG: gateway.address,
public-address, proxy-address, auth type jupyterhub) and the token from JUPYTERHUB_API_TOKEN,
as the bundle's README says. The facility root CA comes in through SSL_CERT_FILE (the HTTPS
API). Prints JSON lines: {"name"}, {"result", "dashboard"}, {"stopped"}; or {"error"} when the
gateway refuses.
"""
import json
import os
import sys
import time

from dask_gateway import Gateway, JupyterHubAuth

req = json.loads(sys.argv[1])


def say(**kw):
    print(json.dumps(kw), flush=True)


if req.get("address"):
    gateway = Gateway(req["address"], proxy_address=req["proxy"], auth=JupyterHubAuth(api_token=req["token"]))
else:
    gateway = Gateway()
try:
    cluster = gateway.new_cluster()
except Exception as err:  # noqa: BLE001 - a refusal is an outcome the test checks
    say(error=f"{type(err).__name__}: {err}")
    sys.exit(0)
say(name=cluster.name)
cluster.scale(1)
with cluster.get_client() as client:
    client.wait_for_workers(1, timeout=240)
    say(result=client.submit(sum, range(100)).result(timeout=120), dashboard=cluster.dashboard_link)
deadline = time.time() + 600
while not os.path.exists(req["stopFile"]) and time.time() < deadline:
    time.sleep(0.2)
cluster.shutdown()
say(stopped=True)
