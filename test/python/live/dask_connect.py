"""A Dask client that connects to argv[1]'s address with the TLS files given and runs one
computation; prints JSON {"result"} or {"error"} (a refused handshake is an expected outcome).

argv[1]: JSON {"address", "ca", "cert", "key", "timeout", "mode"}; mode "info" only asks the
scheduler who it is ({"scheduler": its address}) instead of computing.
"""
import json
import sys

from distributed import Client
from distributed.security import Security

req = json.loads(sys.argv[1])
security = Security(tls_ca_file=req["ca"], tls_client_cert=req["cert"], tls_client_key=req["key"], require_encryption=True)
try:
    with Client(req["address"], security=security, timeout=req.get("timeout", 20)) as client:
        if req.get("mode") == "info":
            print(json.dumps({"scheduler": client.scheduler_info()["address"]}))
        else:
            result = client.submit(sum, range(10)).result(timeout=60)
            print(json.dumps({"result": result, "workers": len(client.scheduler_info()["workers"])}))
except Exception as err:  # noqa: BLE001 - the outcome is reported, not raised
    print(json.dumps({"error": f"{type(err).__name__}: {err}"}))
