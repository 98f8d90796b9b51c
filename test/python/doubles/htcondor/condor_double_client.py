"""What the condor_submit, condor_q and condor_rm doubles share: the pool's client config as
HTCondor reads it (CONDOR_CONFIG through the real htcondor2 bindings), the IDTOKEN from
SEC_TOKEN_DIRECTORY (only files owned by this user with mode 0600 count, as HTCondor ignores
others), and the call to the schedd double at $HEPAF_SCHEDD_DOUBLE (a test-only variable: the
doubles' stand-in for finding the schedd through the collector)."""
import json
import os
import stat
import sys
import urllib.request

import htcondor2


def fail(message, code=1):
    sys.stderr.write(message if message.endswith("\n") else message + "\n")
    sys.exit(code)


def schedd_name(given):
    htcondor2.reload_config()
    return given or htcondor2.param.get("SCHEDD_HOST")


def token():
    """The first usable IDTOKEN of SEC_TOKEN_DIRECTORY."""
    htcondor2.reload_config()
    directory = htcondor2.param.get("SEC_TOKEN_DIRECTORY") or os.path.expanduser("~/.condor/tokens.d")
    if os.path.isdir(directory):
        for name in sorted(os.listdir(directory)):
            path = os.path.join(directory, name)
            st = os.stat(path)
            if stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid() and stat.S_IMODE(st.st_mode) & 0o077 == 0:
                with open(path) as f:
                    return f.read().strip()
    return ""


def call(path, body):
    address = os.environ.get("HEPAF_SCHEDD_DOUBLE")
    if not address:
        fail("ERROR: HEPAF_SCHEDD_DOUBLE is not set (these are test doubles of HTCondor's tools)")
    req = urllib.request.Request(address + path, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())


def options(argv, flags=("-spool",), valued=("-name", "-af", "-remote")):
    """Splits HTCondor tool arguments into options and the rest."""
    opts, rest, i = {}, [], 0
    while i < len(argv):
        a = argv[i]
        if a in flags or a == "-json":
            opts[a] = True
        elif a in valued:
            if a == "-af":
                opts[a] = argv[i + 1:]
                break
            opts[a] = argv[i + 1]
            i += 1
        else:
            rest.append(a)
        i += 1
    return opts, rest
