"""Personal data sealed at rest with the programme's key (libsodium sealed boxes, PyNaCl).

The programme has one key pair. Its public half is in the database: any bench can seal a
household's personal fields, a family's device passwords or a committee's rationale. Its private
half never is: it sits in a file kept by the caseworkers, itself encrypted with a passphrase
(Argon2id, then XSalsa20-Poly1305). Reading sealed data needs that file and that passphrase, so a
copy of the database (an SQLite file, a backup, a dump) holds no readable personal data.

A sealed value is text: ``s1:`` then the base64 of the sealed box of the value's JSON.
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from assetctl.errors import AccessDeniedError, ConfigError

PREFIX = "s1:"
PARALLEL_FROM = 1000  # values opened at once from which the work is spread over the cores
KEY_FILE_FORMAT = "assetctl-programme-key/1"


def fingerprint(public: bytes) -> str:
    """What people compare to know two keys are the same: 4 groups of 4 hex digits."""
    digest = hashlib.sha256(public).hexdigest()[:16]
    return "-".join(digest[i : i + 4] for i in range(0, 16, 4))


@dataclass(frozen=True)
class PublicKey:
    """The programme's public key: enough to seal, not to read."""

    raw: bytes

    @property
    def fingerprint(self) -> str:
        return fingerprint(self.raw)

    @property
    def text(self) -> str:
        return base64.b64encode(self.raw).decode("ascii")

    @classmethod
    def from_text(cls, text: str) -> PublicKey:
        return cls(base64.b64decode(text))

    def seal(self, value: Any) -> str:
        """``value`` (anything JSON holds) sealed for the private key's holder."""
        import orjson
        from nacl.public import PublicKey as NaclPublic
        from nacl.public import SealedBox

        data = orjson.dumps(value)
        box = SealedBox(NaclPublic(self.raw)).encrypt(data)
        return PREFIX + base64.b64encode(box).decode("ascii")


class Opener:
    """The programme's private key, unlocked: opens what was sealed for it."""

    def __init__(self, private: bytes) -> None:
        from nacl.public import PrivateKey, SealedBox

        key = PrivateKey(private)
        self._box = SealedBox(key)
        self.public = PublicKey(bytes(key.public_key))

    def open(self, sealed: str) -> Any:
        import orjson

        return orjson.loads(self._decrypt(sealed))

    def open_many(self, sealed: list[str]) -> list[Any]:
        """Open many values: the key exchanges (one per value, the cost of reading) run on
        every core, libsodium releasing the interpreter's lock."""
        import os
        from concurrent.futures import ThreadPoolExecutor

        import orjson

        workers = min(os.cpu_count() or 1, 8)
        if len(sealed) < PARALLEL_FROM or workers == 1:
            return [self.open(one) for one in sealed]
        size = -(-len(sealed) // workers)
        chunks = [sealed[i : i + size] for i in range(0, len(sealed), size)]
        with ThreadPoolExecutor(workers) as pool:
            opened = pool.map(lambda chunk: [self._decrypt(one) for one in chunk], chunks)
            return [orjson.loads(data) for chunk in opened for data in chunk]

    def _decrypt(self, sealed: str) -> bytes:
        from nacl.exceptions import CryptoError

        if not sealed.startswith(PREFIX):
            raise AccessDeniedError("a stored value is not sealed in a format this assetctl reads")
        try:
            data: bytes = self._box.decrypt(base64.b64decode(sealed[len(PREFIX) :]))
        except (CryptoError, ValueError):
            raise AccessDeniedError(
                f"a stored value was not sealed for this key (fingerprint "
                f"{self.public.fingerprint}): use the programme's key file"
            ) from None
        return data


def _passphrase_key(passphrase: str, salt: bytes, ops: int, mem: int) -> bytes:
    from nacl.pwhash import argon2id
    from nacl.secret import SecretBox

    return bytes(argon2id.kdf(SecretBox.KEY_SIZE, passphrase.encode(), salt, ops, mem))


MIN_PASSPHRASE = 12


def new_key_file(passphrase: str) -> tuple[PublicKey, bytes]:
    """A new key pair: its public key and the content of its private key file."""
    from nacl.public import PrivateKey
    from nacl.pwhash import argon2id
    from nacl.secret import SecretBox
    from nacl.utils import random

    if len(passphrase) < MIN_PASSPHRASE:
        raise ConfigError(
            f"the passphrase must have at least {MIN_PASSPHRASE} characters (a few words)"
        )
    private = PrivateKey.generate()
    salt = random(argon2id.SALTBYTES)
    ops, mem = argon2id.OPSLIMIT_INTERACTIVE, argon2id.MEMLIMIT_INTERACTIVE
    locked = SecretBox(_passphrase_key(passphrase, salt, ops, mem)).encrypt(bytes(private))
    public = PublicKey(bytes(private.public_key))
    document = {
        "format": KEY_FILE_FORMAT,
        "public_key": public.text,
        "fingerprint": public.fingerprint,
        "kdf": {"name": "argon2id", "salt": _b64(salt), "opslimit": ops, "memlimit": mem},
        "private_key": _b64(bytes(locked)),
    }
    return public, (json.dumps(document, indent=2) + "\n").encode()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def read_key_file(path: Path) -> bytes:
    """A private key file's content (a few hundred bytes; at most 64 KiB read)."""
    from assetctl.access import NO_KEY_FILE

    try:
        with path.open("rb") as handle:
            return handle.read(64 * 1024)
    except FileNotFoundError:
        raise AccessDeniedError(f"no key file at {path}: {NO_KEY_FILE}") from None
    except OSError as exc:
        raise AccessDeniedError(f"cannot read the key file {path}: {exc.strerror}") from None


def key_file_fingerprint(path: Path) -> str | None:
    """The fingerprint a key file says it holds (None: no file, or not a key file); what it
    claims only, until its passphrase opens it."""
    try:
        with path.open("rb") as handle:
            document = json.loads(handle.read(64 * 1024))
        found = document.get("fingerprint") if document.get("format") == KEY_FILE_FORMAT else None
    except (OSError, ValueError, AttributeError):
        return None
    return found if isinstance(found, str) else None


def unlock(content: bytes, passphrase: str, where: str) -> Opener:
    """Open a private key file with its passphrase."""
    from nacl.exceptions import CryptoError
    from nacl.secret import SecretBox

    try:
        document = json.loads(content)
        if document.get("format") != KEY_FILE_FORMAT:
            raise ValueError(document.get("format"))
        kdf = document["kdf"]
        salt = base64.b64decode(kdf["salt"])
        locked = base64.b64decode(document["private_key"])
        ops, mem = int(kdf["opslimit"]), int(kdf["memlimit"])
    except (ValueError, KeyError, TypeError, AttributeError, OverflowError):
        raise ConfigError(
            f"{where} is not an assetctl programme key file (made by `assetctl key init`)"
        ) from None
    from nacl.pwhash import argon2id

    if not (
        argon2id.OPSLIMIT_MIN <= ops <= argon2id.OPSLIMIT_SENSITIVE
        and argon2id.MEMLIMIT_MIN <= mem <= argon2id.MEMLIMIT_SENSITIVE
        and len(salt) == argon2id.SALTBYTES
    ):
        raise ConfigError(f"{where}: its key-derivation settings are outside what assetctl makes")
    try:
        private = SecretBox(_passphrase_key(passphrase, salt, ops, mem)).decrypt(locked)
    except (CryptoError, ValueError, TypeError):
        raise AccessDeniedError(f"the passphrase does not open the programme key {where}") from None
    return Opener(private)
