"""Independent check of IDTOKENs minted by hepaf's TypeScript code.

Reads JSON on stdin: {"keyFile": <base64 of the signing key file>, "keyId": ..., "tokens": [...]}
and prints, per token, the verified header and claims. The key derivation follows HTCondor
(unscramble with DE AD BE EF, double the POOL key, HKDF-SHA256 salt "htcondor" info
"master jwt"), written here separately with cryptography's HKDF; PyJWT checks the HS256
signature. A token that does not verify makes the script fail.
"""
import base64
import json
import sys

import jwt
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF


def derive(key_file: bytes, key_id: str) -> bytes:
    pad = bytes([0xDE, 0xAD, 0xBE, 0xEF])
    plain = bytes(b ^ pad[i % 4] for i, b in enumerate(key_file))
    if key_id == "POOL":
        plain = plain + plain
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"htcondor", info=b"master jwt").derive(plain)


def main() -> None:
    req = json.load(sys.stdin)
    key = derive(base64.b64decode(req["keyFile"]), req["keyId"])
    out = []
    for token in req["tokens"]:
        header = jwt.get_unverified_header(token)
        claims = jwt.decode(token, key, algorithms=["HS256"], options={"verify_aud": False, "require": ["sub", "iss", "jti"]})
        out.append({"header": header, "claims": claims})
    # The key derived the other way (doubled or not) must not verify: the POOL rule matters.
    other_id = "other" if req["keyId"] == "POOL" else "POOL"
    wrong = derive(base64.b64decode(req["keyFile"]), other_id)
    for token in req["tokens"]:
        try:
            jwt.decode(token, wrong, algorithms=["HS256"])
        except jwt.InvalidSignatureError:
            continue
        raise SystemExit("a token verified with the wrong key")
    json.dump(out, sys.stdout)


if __name__ == "__main__":
    main()
