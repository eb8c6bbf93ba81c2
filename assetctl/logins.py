"""On PostgreSQL, who you are is your database login, and what you may do is its group role.

The operator is ``session_user``: the login PostgreSQL authenticated (password, peer or
certificate), never a variable. Its role is its membership of the group roles made by migration
0006 (``assetctl_technician`` < ``assetctl_caseworker`` < ``assetctl_admin``); a superuser is an
admin. ``assetctl user add/remove`` grant and revoke these memberships, so that the database
itself refuses a technician's ``SELECT`` on the sealed personal tables.
"""

from __future__ import annotations

import re

from sqlalchemy import text
from sqlmodel import Session

from assetctl.access import Role
from assetctl.errors import DatabaseError, NotFoundError, ValidationError

GROUPS: dict[Role, str] = {
    Role.TECHNICIAN: "assetctl_technician",
    Role.CASEWORKER: "assetctl_caseworker",
    Role.ADMIN: "assetctl_admin",
}
# a login name we quote ourselves: PostgreSQL's identifiers, kept to what people use
LOGIN_RE = re.compile(r"[a-z_][a-z0-9_.-]{0,62}")


def is_postgres(session: Session) -> bool:
    return session.get_bind().dialect.name == "postgresql"


def _quoted(login: str) -> str:
    if not LOGIN_RE.fullmatch(login):
        raise ValidationError(
            f"{login!r} is not a login name assetctl manages: use lower-case letters, digits, "
            "'_', '.', '-' (at most 63 characters), as in PostgreSQL"
        )
    return '"' + login + '"'


def identity(session: Session) -> tuple[str, Role | None]:
    """The authenticated login and its assetctl role (None: it has none)."""
    row = session.execute(
        text(
            "SELECT session_user, r.rolsuper, "
            "pg_has_role(session_user, 'assetctl_admin', 'USAGE'), "
            "pg_has_role(session_user, 'assetctl_caseworker', 'USAGE'), "
            "pg_has_role(session_user, 'assetctl_technician', 'USAGE') "
            "FROM pg_roles r WHERE r.rolname = session_user"
        )
    ).one()
    login, superuser, admin, caseworker, technician = row
    if superuser or admin:
        return login, Role.ADMIN
    if caseworker:
        return login, Role.CASEWORKER
    return login, Role.TECHNICIAN if technician else None


def require_role(session: Session) -> tuple[str, Role]:
    login, role = identity(session)
    if role is None:
        raise DatabaseError(
            f"the PostgreSQL login {login} has no assetctl role: an admin runs "
            f"`assetctl user add {login} --role technician` (or caseworker, admin)"
        )
    return login, role


def _exists(session: Session, login: str) -> bool:
    found = session.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :login"), {"login": login})
    return found.first() is not None


def grant(session: Session, login: str, role: Role) -> bool:
    """Give ``login`` exactly ``role`` (creating the login, without a password, if it does not
    exist: the DBA then sets how it authenticates). Returns whether the login was created."""
    name = _quoted(login)
    exists = _exists(session, login)
    if not exists:
        session.execute(text(f"CREATE ROLE {name} LOGIN"))
    session.execute(text(f"REVOKE {', '.join(GROUPS.values())} FROM {name}"))
    option = " WITH ADMIN OPTION" if role == Role.ADMIN else ""
    session.execute(text(f"GRANT {GROUPS[role]} TO {name}{option}"))
    if role == Role.ADMIN:  # an admin can manage staff: grant every role in turn
        for other in (Role.CASEWORKER, Role.TECHNICIAN):
            session.execute(text(f"GRANT {GROUPS[other]} TO {name} WITH ADMIN OPTION"))
    return not exists


def revoke(session: Session, login: str) -> None:
    """Take every assetctl role from ``login`` (the login itself stays: the DBA's)."""
    name = _quoted(login)
    if not _exists(session, login):
        raise NotFoundError(f"there is no PostgreSQL login {login!r}")
    session.execute(text(f"REVOKE {', '.join(GROUPS.values())} FROM {name}"))


def members(session: Session) -> list[tuple[str, Role]]:
    """Every login with an assetctl role (its highest), by name."""
    rows = session.execute(
        text(
            "SELECT m.rolname, g.rolname FROM pg_auth_members a "
            "JOIN pg_roles g ON g.oid = a.roleid JOIN pg_roles m ON m.oid = a.member "
            "WHERE g.rolname IN ('assetctl_technician', 'assetctl_caseworker', "
            "'assetctl_admin') AND m.rolcanlogin"
        )
    ).all()
    rank = {group: role for role, group in GROUPS.items()}
    order = list(Role)
    best: dict[str, Role] = {}
    for login, group in rows:
        role = rank[group]
        if login not in best or order.index(role) > order.index(best[login]):
            best[login] = role
    return sorted(best.items())
