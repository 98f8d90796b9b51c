"""hepaf_batch_worker's command line from ads as HTCondor writes them (long form, one
``Name = value`` a line), with and without the mapped port.

argv[1]: JSON {"module": dir of hepaf_batch_worker.py, "dir": scratch directory}. Prints JSON.
"""
import json
import os
import sys

req = json.loads(sys.argv[1])
sys.path.insert(0, req["module"])
import hepaf_batch_worker as launcher  # noqa: E402

d = req["dir"]


def ad(name, text):
    path = os.path.join(d, name)
    with open(path, "w") as f:
        f.write(text)
    return path


args = ["tls://alice.dask.af.example.org:8786", "--name", "w-1", "--protocol", "tls"]
machine = ad("machine.ad", 'Machine = "node7.example.edu"\nStartdIpAddr = "<192.0.2.7:9618?addrs=192.0.2.7-9618&noUDP&sock=startd_1>"\n')
mapped = ad("mapped.ad", 'ClusterId = 12\nContainerServiceNames = "dask"\ndask_ContainerPort = 8786\ndask_HostPort = 32771\n')
unmapped = ad("unmapped.ad", 'ClusterId = 13\nContainerServiceNames = "dask"\ndask_ContainerPort = 8786\n')
no_startd = ad("machine2.ad", 'Machine = "node8.example.edu"\n')
out = {
    "mapped": launcher.worker_argv(args, mapped, machine, wait_seconds=5)[1:],
    "unmapped": launcher.worker_argv(args, unmapped, machine, wait_seconds=0.2)[1:],
    "byMachineName": launcher.worker_argv(args, mapped, no_startd, wait_seconds=0)[1:],
}
try:
    launcher.worker_argv(args, ad("plain.ad", "ClusterId = 14\n"), machine, wait_seconds=0)
except SystemExit as exc:
    out["withoutMapping"] = str(exc)
print(json.dumps(out))
