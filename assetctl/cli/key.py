"""`assetctl key`: the programme's key pair, which seals families' personal data."""

from __future__ import annotations

from pathlib import Path

import click

from assetctl.cli.context import AppContext, pass_app
from assetctl.cli.output import cell, emit_json, info, print_fields


@click.group()
def key() -> None:
    """The programme's key: personal data is sealed with it, read with its private file."""


@key.command("init")
@click.option(
    "--key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the private key file (default: ASSETCTL_KEY_FILE, else programme.key "
    "in the configuration folder). Keep copies offline (a USB key in a safe).",
)
@pass_app
def key_init(app: AppContext, key_file: Path | None) -> None:
    """Make the programme's key pair (once): the public key in the database, the private key
    in a file protected by a passphrase (from ASSETCTL_KEY_PASSPHRASE or typed twice)."""
    from assetctl import keys

    path = key_file or app.settings.key_file
    passphrase = app.passphrase(confirm=True)
    with app.session() as session:
        public = keys.create(session, app.who(session), path, passphrase)
    info(
        f"Programme key {public.fingerprint} made. Private key: {path} (mode 0600), locked by "
        "the passphrase. Without this file and its passphrase nobody can read the families' "
        "personal data, not even an admin: keep a copy offline, and give caseworkers a copy."
    )


@key.command("show")
@click.option("--json", "as_json", is_flag=True, help="Output JSON.")
@pass_app
def key_show(app: AppContext, as_json: bool) -> None:
    """The programme key's fingerprint, and whether your key file is the programme's."""
    from assetctl import keys
    from assetctl.sealing import key_file_fingerprint

    with app.session() as session:
        row = keys.current(session)
    path = app.settings.key_file
    claimed = key_file_fingerprint(path)
    data = {
        "fingerprint": row.fingerprint if row else None,
        "created_at": row.created_at.isoformat(timespec="seconds") if row else None,
        "created_by": row.created_by if row else None,
        "key_file": str(path),
        "key_file_present": path.is_file(),
        "key_file_fingerprint": claimed,
    }
    if as_json:
        emit_json(data)
        return
    if row is None:
        info("No programme key yet: an admin makes it once with `assetctl key init`.")
    if not path.is_file():
        state = "not here: ASSETCTL_KEY_FILE gives its place"
    elif claimed is None:
        state = "not a programme key file"
    elif row is None:
        state = f"a key file ({claimed}), but the programme has no key recorded"
    elif claimed != row.fingerprint:
        state = f"another key ({claimed}): not the programme's"
    else:
        state = "the programme's key"
    print_fields(
        {
            "fingerprint": row.fingerprint if row else "none",
            "made": f"{cell(row.created_at)} by {row.created_by}" if row else None,
            "key file": f"{path} ({state})",
        },
        width=12,
    )
