"""A technician in another process: read a device, wait for the other one, then change it.

On SQLite a unit of work takes the write lock when it begins, so the other process cannot read
until this one has finished: there the two meet before they begin, and run one after the other.
"""

from __future__ import annotations

from typing import Any


def change_device(
    db_url: str, home: str, tag: str, action: str, value: str, barrier: Any, results: Any
) -> None:
    import os

    os.environ["ASSETCTL_HOME"] = home
    from assetctl.assets import edit, find_asset
    from assetctl.config import load_settings
    from assetctl.db import make_engine, session_scope
    from assetctl.errors import AssetctlError
    from assetctl.lifecycle import change_status

    settings = load_settings()
    engine = make_engine(db_url)
    serialised = engine.dialect.name == "sqlite"
    try:
        if serialised:
            barrier.wait(timeout=30)
        with session_scope(engine) as session:
            asset = find_asset(session, tag)  # on PostgreSQL both read the same version
            if not serialised:
                barrier.wait(timeout=30)
            if action == "edit":
                edit(session, settings, asset, {"location": value}, actor=f"tech-{value}")
            else:
                change_status(session, asset, value, actor=f"tech-{value}", reason="race")
        results.put(("ok", value))  # in the order they committed
    except AssetctlError as exc:
        results.put((type(exc).__name__, str(exc)))
    except Exception as exc:  # a bug: report it to the test rather than hang
        results.put(("bug", repr(exc)))
    finally:
        engine.dispose()
