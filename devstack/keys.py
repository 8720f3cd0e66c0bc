"""`./linli keys FOLDER`: the token keys of a deployment, as files for its Kubernetes Secret.

`token-keys` is every public key (every process mounts it); `signing-key-<process>` is one process's private key:
the registry's signs for people and calling systems (it issues credentials), the others' sign only service tokens.
`--rotate PROCESS` makes that process a new key and keeps the old public key trusted, so tokens of both verify;
`--drop KID` retires an old public key once its tokens have expired (docs/deploying.md).
"""

from __future__ import annotations

import argparse
import json
import os
import time
from pathlib import Path

from devstack.files import write_private
from devstack.stack import ISSUER_ROLES, SERVICE_SIGNERS
from services.runtime.token_keys import BadKey, KeySet, SigningKey, parse_key_set

PROCESSES = ("registry", *SERVICE_SIGNERS)
KEY_SET = "token-keys"


def _new_key(process: str) -> SigningKey:
    roles = ISSUER_ROLES if process == "registry" else ("service",)
    return SigningKey.generate(f"{process}-{time.strftime('%Y%m%d')}-{os.urandom(3).hex()}", roles)


def write_keys(folder: Path, rotate: list[str], drop: list[str]) -> list[str]:
    """Makes the keys that are missing, rotates and drops as asked; returns what was done, one line each."""
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    set_file = folder / KEY_SET
    public = dict(parse_key_set(set_file.read_text()).keys) if set_file.exists() else {}
    done: list[str] = []
    for process in PROCESSES:
        private = folder / f"signing-key-{process}"
        if private.exists() and process not in rotate:
            continue
        key = _new_key(process)
        write_private(private, json.dumps(key.as_jwk()) + "\n")
        public[key.kid] = key.public
        done.append(f"{private.name}: new key {key.kid} ({', '.join(sorted(key.roles))})")
    for kid in drop:
        if public.pop(kid, None) is None:
            raise BadKey(f"no key {kid} in {set_file}")
        done.append(f"{KEY_SET}: dropped {kid}")
    set_file.write_text(json.dumps(KeySet.of(public.values()).as_jwks(), indent=1) + "\n")
    return done


def keys(args: argparse.Namespace) -> int:
    """Writes a deployment's token keys into a folder (for its Kubernetes Secret); rotates and retires keys."""
    unknown = sorted(set(args.rotate) - set(PROCESSES))
    if unknown:
        print(f"linli keys: --rotate takes {', '.join(PROCESSES)}, not {', '.join(unknown)}")
        return 2
    try:
        for line in write_keys(Path(args.folder), args.rotate, args.drop):
            print(line)
    except BadKey as error:
        print(f"linli keys: {error}")
        return 2
    return 0


def add_parser(commands: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    parser = commands.add_parser("keys", help=keys.__doc__)
    parser.add_argument("folder", help="where the key files are kept (made 0700; private keys 0600)")
    parser.add_argument("--rotate", action="append", default=[], metavar="PROCESS", help="a new key for PROCESS")
    parser.add_argument("--drop", action="append", default=[], metavar="KID", help="stop trusting key KID")
    parser.set_defaults(run=keys)
