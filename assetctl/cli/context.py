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
        return self.settings.actor

    def who(self, session: Session) -> Actor:
        """The operator with the role the staff table gives them (personal data rules)."""
        from assetctl.access import resolve

        return resolve(session, self.actor)

    def close(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


# the decorator every command uses to receive the AppContext
pass_app = click.make_pass_decorator(AppContext)
