"""What every command shares: settings, the database engine, the acting user."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

import click

from assetctl.config import Settings, load_settings, resolve_database_url

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine
    from sqlmodel import Session

    from assetctl.access import Actor
    from assetctl.sealing import Opener


# Start-up imports allocate many long-lived objects and would trigger collection after
# collection: the youngest generation is collected a hundred times less often until the
# command is ready to work, and never stops being collected, whichever path the command takes.
STARTUP_GC_FACTOR = 100
_thresholds_before: tuple[int, ...] | None = None


def start_up() -> None:
    """Start of a command (``assetctl.cli.main``): collect less often while modules load."""
    global _thresholds_before
    if _thresholds_before is None:
        _thresholds_before = gc.get_threshold()
        first, *rest = _thresholds_before
        gc.set_threshold(first * STARTUP_GC_FACTOR, *rest)


def work_starts() -> None:
    """End of start-up: keep its objects out of future collections, and collect as often as
    before :func:`start_up` again."""
    global _thresholds_before
    if _thresholds_before is not None:
        gc.freeze()
        gc.set_threshold(*_thresholds_before)
        _thresholds_before = None


class AppContext:
    """Created by the root command; nothing is opened until a command asks for it."""

    def __init__(self, db_url: str | None = None) -> None:
        self._db_url = db_url
        self._settings: Settings | None = None
        self._engine: Engine | None = None
        self._tightened = False
        self._login: str | None = None

    @property
    def settings(self) -> Settings:
        if self._settings is None:
            self._settings = load_settings()
        return self._settings

    @property
    def database_url(self) -> str:
        url = resolve_database_url(self.settings, self._db_url)
        if not self._tightened:
            self._tightened = True
            self._tighten(url)
        return url

    def _tighten(self, url: str) -> None:
        """The data folder and the SQLite database readable by their owner only (warned)."""
        from assetctl.cli.output import warn
        from assetctl.db import sqlite_file
        from assetctl.private_files import tighten

        for warning in tighten(self.settings.data_dir, sqlite_file(url)):
            warn(warning)

    def engine(self, *, check_schema: bool = True) -> Engine:
        if self._engine is None:
            from assetctl.db import check_schema as check
            from assetctl.db import make_engine

            self._engine = make_engine(self.database_url)
            if check_schema:
                check(self._engine)
            work_starts()
        return self._engine

    @contextmanager
    def session(self) -> Iterator[Session]:
        from assetctl.db import session_scope

        with session_scope(self.engine()) as session:
            yield session

    @property
    def actor(self) -> str:
        """Who is recorded: on PostgreSQL the authenticated login (``session_user``), never a
        variable; on SQLite ASSETCTL_OPERATOR, else [operator] name, else the login name."""
        if not self.database_url.startswith("postgres"):
            return self.settings.actor
        if self._login is None:
            self._login = self._database_login()
        return self._login

    def _database_login(self) -> str:
        import os

        from sqlalchemy import text

        from assetctl.cli.output import warn
        from assetctl.db import make_engine, session_scope

        engine = self._engine or make_engine(self.database_url)
        try:
            with session_scope(engine) as session:
                login = str(session.execute(text("SELECT session_user")).scalar_one())
        finally:
            if engine is not self._engine:
                engine.dispose()
        declared = os.environ.get("ASSETCTL_OPERATOR", "").strip()
        if declared and declared != login:
            warn(
                f"ASSETCTL_OPERATOR={declared} is not used on PostgreSQL: you are the database "
                f"login {login}"
            )
        return login

    def who(self, session: Session) -> Actor:
        """The operator with the role the staff table gives them (personal data rules), able
        to unlock the programme's private key when sealed data must be read."""
        from assetctl.access import resolve

        return resolve(session, self.actor, self.unlock)

    def passphrase(self, *, confirm: bool = False) -> str:
        """The key's passphrase: ASSETCTL_KEY_PASSPHRASE, else typed (hidden) in a terminal."""
        import os
        import sys

        from assetctl.errors import AccessDeniedError

        given = os.environ.get("ASSETCTL_KEY_PASSPHRASE")
        if given:
            return given
        if not sys.stdin.isatty():
            raise AccessDeniedError(
                "the programme key's passphrase is needed: run the command in a terminal, or "
                "set ASSETCTL_KEY_PASSPHRASE"
            )
        text: str = click.prompt(
            "Passphrase of the programme key",
            hide_input=True,
            confirmation_prompt=confirm,
            err=True,
        )
        return text

    def unlock(self) -> Opener:
        """Open the programme's private key file with its passphrase."""
        from assetctl.sealing import read_key_file, unlock

        path = self.settings.key_file
        return unlock(read_key_file(path), self.passphrase(), str(path))

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


# the decorator every command uses to receive the AppContext
pass_app = click.make_pass_decorator(AppContext)
