#!/usr/bin/env python3
"""Checks a Concord balance proof with nothing from Concord's code: Python's hashlib and the OpenSSL CLI.

    python3 verify_proof.py proof.json signer-set.json

proof.json is the answer of GET /v1/accounts/{participant}/{currency}/proof. signer-set.json is the
signer set you trust, {"signers": [{"id", "publicKey"}], "quorum": n}: from the consortium agreement,
or from GET /v1/ledger/genesis once its headerHash equals the genesis hash the agreement states (and
GET /v1/ledger/signer-sets for a set that changed since). The set inside proof.json is not used.

Prints "proof ok: <account> balance <minor units> at block <height>" and exits 0, or
"proof invalid: <reason>" and exits 1. See docs/api.md, "Balance proofs", for the format.
"""
import base64
import hashlib
import json
import os
import subprocess
import sys
import tempfile

# DER prefix of an Ed25519 SubjectPublicKeyInfo (RFC 8410): the 32-byte raw key follows it.
SPKI_PREFIX = bytes.fromhex("302a300506032b6570032100")


def canonical_json(value):
    # RFC 8785 for what a header holds (ASCII strings and integers): sorted keys, no whitespace.
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def sha256(data):
    return hashlib.sha256(data).digest()


def ed25519_verify(public_key_hex, message, signature_b64url):
    """True when the signature (base64url, no padding) of message verifies under the raw public key."""
    try:
        signature = base64.urlsafe_b64decode(signature_b64url + "=" * (-len(signature_b64url) % 4))
        key = SPKI_PREFIX + bytes.fromhex(public_key_hex)
    except ValueError:
        return False
    if len(signature) != 64 or len(key) != 44:
        return False
    with tempfile.TemporaryDirectory() as tmp:
        paths = {name: os.path.join(tmp, name) for name in ("key.der", "msg", "sig")}
        for name, data in (("key.der", key), ("msg", message), ("sig", signature)):
            with open(paths[name], "wb") as f:
                f.write(data)
        result = subprocess.run(
            ["openssl", "pkeyutl", "-verify", "-pubin", "-keyform", "DER", "-inkey", paths["key.der"],
             "-rawin", "-in", paths["msg"], "-sigfile", paths["sig"]],
            capture_output=True,
        )
        return result.returncode == 0


def verify(proof, trusted):
    signers = {s["id"]: s["publicKey"] for s in trusted["signers"]}
    quorum = trusted["quorum"]
    minimum = (2 * len(signers)) // 3 + 1
    if len(signers) != len(trusted["signers"]) or not minimum <= quorum <= len(signers):
        return f"the trusted set's quorum {quorum} is not Byzantine-safe for {len(signers)} signers"

    # 1. The header hashes to headerHash: SHA-256 of its canonical JSON, as lower-case hex.
    header_hash = sha256(canonical_json(proof["header"]).encode()).hex()
    if header_hash != proof["headerHash"]:
        return "the header does not hash to headerHash"

    # 2. A quorum of distinct trusted signers signed the headerHash text (its 64 hex characters, ASCII).
    valid = set()
    for entry in proof["certificate"]:
        key = signers.get(entry["signerId"])
        if key and entry["signerId"] not in valid and ed25519_verify(key, header_hash.encode(), entry["signature"]):
            valid.add(entry["signerId"])
    if len(valid) < quorum:
        return f"{len(valid)} valid signatures of trusted signers, the quorum is {quorum}"

    # 3. The account's leaf leads to the header's state root: leaf = SHA-256(0x00 || "id|balance|reserved"),
    #    each step SHA-256(0x01 || left || right) with the sibling on the side the step names.
    account = proof["account"]
    leaf = f'{account["id"]}|{account["balanceMinor"]}|{account["reservedMinor"]}'.encode()
    running = sha256(b"\x00" + leaf)
    for step in proof["proof"]:
        sibling = bytes.fromhex(step["hash"])
        running = sha256(b"\x01" + sibling + running) if step["left"] else sha256(b"\x01" + running + sibling)
    if running.hex() != proof["header"]["stateRoot"]:
        return "the Merkle path does not lead from the account's leaf to the state root"
    return None


def main():
    if len(sys.argv) != 3:
        print(__doc__.strip().splitlines()[2].strip(), file=sys.stderr)
        return 2
    with open(sys.argv[1]) as f:
        proof = json.load(f)
    with open(sys.argv[2]) as f:
        trusted = json.load(f)
    problem = verify(proof, trusted)
    if problem:
        print(f"proof invalid: {problem}")
        return 1
    account = proof["account"]
    print(f'proof ok: {account["id"]} balance {account["balanceMinor"]} at block {proof["header"]["height"]}')
    return 0


if __name__ == "__main__":
    sys.exit(main())
