"""Who may do what with the families' personal data, enforced here, in the domain layer.

Roles (GDPR: need to know):

- ``technician``: devices, the bench, labels, scans, and the family side by household
  reference only: allocate, hand over, take back. Never a name, a birth date or a contact.
- ``caseworker`` (PRE staff): everything a technician may do, plus the households' personal
  data, the committee, contract documents and renewals, trainings and payments.
- ``admin``: everything, plus managing staff roles and purging households.

On PostgreSQL the operator is the authenticated database login and its role is its
membership of the group roles (:mod:`assetctl.logins`): the database enforces them too. On SQLite
(one bench) an operator is known by the name recorded in every history (``ASSETCTL_OPERATOR``,
else ``[operator] name``, else the login name) and the ``staff`` table gives its role: advisory,
since whoever can write the file can change it; there the barrier for personal data is the
sealing (:mod:`assetctl.sealing`). A name that is not in it is a technician. ``assetctl init``
makes the person who creates the database its first admin. Every read or change of personal
data is logged in ``access_log``: who, when, which household, which fields, never their values.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING

from sqlmodel import Session, col, select

from assetctl.errors import AccessDeniedError, NotFoundError, ValidationError
from assetctl.models.families import AccessLog, Household, Staff
from assetctl.models.types import utcnow

if TYPE_CHECKING:
    from assetctl.sealing import Opener


class Role(StrEnum):
    TECHNICIAN = "technician"
    CASEWORKER = "caseworker"
    ADMIN = "admin"


class Permission(StrEnum):
    FAMILY_DEVICES = "allocate, hand over and take back devices"
    PERSONAL_DATA = "read and change households' personal data"
    COMMITTEE = "record committee sessions and decisions"
    DOCUMENTS = "print contracts and minutes (they carry names)"
    PAYMENTS = "record payments and trainings"
    RENEWALS = "renew contracts (extend a family's term)"
    PURGE = "purge households (GDPR erasure)"
    STAFF = "manage staff roles"


_TECHNICIAN = frozenset({Permission.FAMILY_DEVICES})
_CASEWORKER = _TECHNICIAN | {
    Permission.PERSONAL_DATA,
    Permission.COMMITTEE,
    Permission.DOCUMENTS,
    Permission.PAYMENTS,
    Permission.RENEWALS,
}
GRANTS: dict[Role, frozenset[Permission]] = {
    Role.TECHNICIAN: _TECHNICIAN,
    Role.CASEWORKER: frozenset(_CASEWORKER),
    Role.ADMIN: frozenset(Permission),
}


NO_KEY_FILE = (
    "reading personal data needs the programme's private key: give its file with "
    "ASSETCTL_KEY_FILE (default: programme.key in the configuration folder) and type its "
    "passphrase when asked (or set ASSETCTL_KEY_PASSPHRASE)"
)


@dataclass(frozen=True)
class Actor:
    """The person running a command, with the role the staff table gives them, and the way to
    unlock the programme's private key if they hold it (asked only when sealed data is read)."""

    name: str
    role: Role
    unlock: Callable[[], Opener] | None = field(default=None, compare=False, repr=False)
    _opened: list[Opener] = field(default_factory=list, compare=False, repr=False)

    def opener(self) -> Opener:
        """The unlocked private key (unlocked once per command)."""
        if not self._opened:
            if self.unlock is None:
                raise AccessDeniedError(NO_KEY_FILE)
            self._opened.append(self.unlock())
        return self._opened[0]

    def may(self, permission: Permission) -> bool:
        return permission in GRANTS[self.role]

    def require(self, permission: Permission) -> None:
        if not self.may(permission):
            needed = ", ".join(r.value for r in Role if permission in GRANTS[r])
            raise AccessDeniedError(
                f"{self.name} ({self.role.value}) may not {permission.value}: this needs the "
                f"role {needed}; an admin grants it with `assetctl user add {self.name} "
                f"--role ROLE`"
            )


def parse_role(text: str) -> Role:
    try:
        return Role(text.strip().lower())
    except ValueError:
        raise ValidationError(
            f"unknown role {text!r}; roles are: {', '.join(r.value for r in Role)}"
        ) from None


def resolve(session: Session, name: str, unlock: Callable[[], Opener] | None = None) -> Actor:
    """The actor for an operator name; unknown names are technicians. On PostgreSQL the name
    is ignored: the actor is the authenticated login, with its group role."""
    from assetctl import logins

    if logins.is_postgres(session):
        login, role = logins.require_role(session)
        return Actor(login, role, unlock)
    staff = session.get(Staff, name)
    return Actor(name, Role(staff.role) if staff else Role.TECHNICIAN, unlock)


def ensure_first_admin(session: Session, name: str) -> bool:
    """Make ``name`` admin if the database has no admin yet (``assetctl init``); on
    PostgreSQL, the login running it."""
    from assetctl import logins

    if logins.is_postgres(session):  # the login creating the schema: its owner, the DBA's
        login, role = logins.identity(session)
        if role != Role.ADMIN or dict(logins.members(session)).get(login) != Role.ADMIN:
            logins.grant(session, login, Role.ADMIN)
        name = login
    has_admin = session.exec(select(Staff).where(Staff.role == Role.ADMIN.value)).first()
    if has_admin is not None:
        return False
    existing = session.get(Staff, name)
    if existing is None:
        session.add(Staff(name=name, role=Role.ADMIN.value, added_by=name))
    else:
        existing.role = Role.ADMIN.value
        session.add(existing)
    session.flush()
    return True


def set_role(session: Session, actor: Actor, name: str, role: Role) -> Staff:
    """Give ``name`` a role: on PostgreSQL, the login's group role (the login made if it does
    not exist), and the staff list's row."""
    from assetctl import logins

    actor.require(Permission.STAFF)
    name = name.strip()
    if not name or len(name) > 64:
        raise ValidationError("a staff name must be 1 to 64 characters")
    if logins.is_postgres(session):
        current = dict(logins.members(session)).get(name)
        if current == Role.ADMIN and role != Role.ADMIN:
            _keep_one_admin(session, name)
        logins.grant(session, name, role)
    staff = session.get(Staff, name)
    if staff is None:
        staff = Staff(name=name, role=role.value, added_by=actor.name)
    else:
        if staff.role == Role.ADMIN.value and role != Role.ADMIN:
            _keep_one_admin(session, name)
        staff.role = role.value
        staff.added_by = actor.name
        staff.added_at = utcnow()
    session.add(staff)
    session.flush()
    return staff


def remove(session: Session, actor: Actor, name: str) -> None:
    """Take ``name``'s role away (on PostgreSQL its login then reaches nothing)."""
    from assetctl import logins

    actor.require(Permission.STAFF)
    staff = session.get(Staff, name)
    if logins.is_postgres(session):
        role = dict(logins.members(session)).get(name)
        if role is None and staff is None:
            raise NotFoundError(f"{name!r} has no assetctl role (see `assetctl user list`)")
        if role == Role.ADMIN:
            _keep_one_admin(session, name)
        if role is not None:
            logins.revoke(session, name)
    elif staff is None:
        raise NotFoundError(f"{name!r} is not in the staff list (see `assetctl user list`)")
    elif staff.role == Role.ADMIN.value:
        _keep_one_admin(session, name)
    if staff is not None:
        session.delete(staff)
    session.flush()


def _keep_one_admin(session: Session, name: str) -> None:
    from assetctl import logins

    if logins.is_postgres(session):
        admins = [login for login, role in logins.members(session) if role == Role.ADMIN]
        others = any(login != name for login in admins)
    else:
        others = (
            session.exec(
                select(Staff).where(Staff.role == Role.ADMIN.value, Staff.name != name)
            ).first()
            is not None
        )
    if not others:
        raise ValidationError(f"{name} is the last admin: grant admin to someone else first")


def staff_list(session: Session, actor: Actor) -> list[Staff]:
    """The staff and their roles (on PostgreSQL, every login with a group role)."""
    from assetctl import logins

    actor.require(Permission.STAFF)
    rows = {s.name: s for s in session.exec(select(Staff).order_by(col(Staff.name))).all()}
    if not logins.is_postgres(session):
        return list(rows.values())
    out = []
    for login, role in logins.members(session):
        row = rows.get(login) or Staff(name=login, role=role.value, added_by="(PostgreSQL)")
        row.role = role.value
        out.append(row)
    return out


def log_access(
    session: Session,
    actor: Actor,
    action: str,
    household: Household | None,
    fields: list[str] | None = None,
    purpose: str | None = None,
) -> None:
    """Record a read or change of personal data (field names only)."""
    session.add(
        AccessLog(
            actor=actor.name,
            role=actor.role.value,
            action=action,
            household_id=household.id if household else None,
            fields=sorted(fields) if fields else None,
            purpose=purpose,
        )
    )
