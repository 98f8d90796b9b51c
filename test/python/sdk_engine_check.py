"""Runs a Python program of the generated SDK (pulumi_hepaf) through the real Pulumi engine:
Pulumi's Automation API with an inline program (so no Python language host is needed), a
file backend in WORK, and the hepaf plugin found on PATH. The program imports a site's root CA
(`pki.CertificateAuthority` with `import_`), which declares nothing of another provider, so the
engine needs no plugin but hepaf's.

Usage: python sdk_engine_check.py WORK CERT.pem KEY.pem up|bad
  up:  preview, up, the stack's resources and outputs, destroy; one JSON line each.
  bad: up with a certificate that is not a CA's; one JSON line with the engine's error and what
       the stack then holds.
"""
import json
import os
import sys

import pulumi
from pulumi import automation as auto
import pulumi_hepaf as hepaf


def state_holds(state_dir: str, key: str) -> dict:
    """Whether the backend's stack files hold the key's base64 body in plain text, and any ciphertext."""
    body = "".join(line for line in key.splitlines() if line and not line.startswith("-----"))
    texts = []
    for top, _dirs, files in os.walk(state_dir):
        texts += [open(os.path.join(top, f), errors="replace").read() for f in files if f.endswith(".json")]
    return {"files": len(texts), "plainKey": any(body[:40] in t for t in texts), "ciphertext": any('"ciphertext"' in t for t in texts)}


def main() -> None:
    work, cert_file, key_file, mode = sys.argv[1:5]
    cert = open(cert_file).read()
    key = open(key_file).read()

    def program() -> None:
        ca = hepaf.pki.CertificateAuthority("site-root", import_=hepaf.ImportedCaArgs(cert_pem=cert, key_pem=pulumi.Output.secret(key)))
        pulumi.export("certPem", ca.cert_pem)
        pulumi.export("chainPem", ca.chain_pem)
        pulumi.export("keyPem", ca.private_key_pem)
        pulumi.export("validityHours", ca.validity_hours)

    os.makedirs(os.path.join(work, "state"), exist_ok=True)
    env = {
        "PULUMI_BACKEND_URL": "file://" + os.path.join(work, "state"),
        "PULUMI_CONFIG_PASSPHRASE": "hepaf-test-only",
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
    }
    stack = auto.create_or_select_stack(
        stack_name="dev", project_name="hepaf-python", program=program,
        opts=auto.LocalWorkspaceOptions(work_dir=work, pulumi_home=os.environ.get("PULUMI_HOME"), env_vars=env))

    def held() -> list:
        resources = stack.export_stack().deployment.get("resources") or []
        return [[r["type"], r["urn"]] for r in resources]

    def say(**fields: object) -> None:
        print(json.dumps(fields), flush=True)

    if mode == "bad":
        try:
            stack.up()
            say(failed=False, resources=held())
        except auto.CommandError as err:
            say(failed=True, error=str(err), resources=held())
        return

    say(preview=stack.preview().change_summary)
    up = stack.up()
    say(up=up.summary.resource_changes,
        outputs={k: v.value for k, v in up.outputs.items() if not v.secret},
        secret=sorted(k for k, v in up.outputs.items() if v.secret),
        resources=held(),
        state=state_holds(os.path.join(work, "state"), key))
    say(again=stack.up().summary.resource_changes)
    say(destroy=stack.destroy().summary.resource_changes, resources=held())


if __name__ == "__main__":
    main()
