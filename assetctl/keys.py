"""The programme's key pair: made once, its public half in the database, its private half in a
passphrase-protected file that caseworkers keep (never in the database or the config file)."""

from __future__ import annotations

import os
from pathlib import Path

from sqlmodel import Session

from assetctl.access import Actor, Permission
from assetctl.errors import ConfigError, DuplicateError, ValidationError
from assetctl.models.families import ProgrammeKey
from assetctl.sealing import PublicKey, new_key_file


def create(session: Session, actor: Actor, key_file: Path, passphrase: str) -> PublicKey:
    """Make the programme's key pair: the private key file written (0600, never over an
    existing file), the public key recorded. Refused if the programme already has a key."""
    actor.require(Permission.PERSONAL_DATA)
    existing = session.get(ProgrammeKey, 1)
    if existing is not None:
        raise DuplicateError(
            f"the programme already has a key (fingerprint {existing.fingerprint}, made by "
            f"{existing.created_by}): caseworkers use a copy of its file"
        )
    public, content = new_key_file(passphrase)
    try:
        key_file.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ValidationError(
            f"{key_file} already exists: give another path with --key-file, or move it away"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot write the key file {key_file}: {exc.strerror}") from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(content)
    session.add(
        ProgrammeKey(public_key=public.text, fingerprint=public.fingerprint, created_by=actor.name)
    )
    session.flush()
    return public


def current(session: Session) -> ProgrammeKey | None:
    return session.get(ProgrammeKey, 1)
