"""Who may do what with the families' personal data, enforced here, in the domain layer.

Roles (GDPR: need to know):

- ``technician``: devices, the bench, labels, scans, and the family side by household
  reference only: allocate, hand over, take back. Never a name, a birth date or a contact.
- ``caseworker`` (PRE staff): everything a technician may do, plus the households' personal
  data, the committee, contract documents and renewals, trainings and payments.
- ``admin``: everything, plus managing staff roles and purging households.

An operator is known by the name recorded in every history (``ASSETCTL_OPERATOR``, else
``[operator] name``, else the login name); the ``staff`` table gives its role. A name that is
not in it is a technician. ``assetctl init`` makes the person who creates the database its
first admin. Every read or change of personal data is logged in ``access_log``: who, when,
which household, which fields, never their values.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sqlmodel import Session, col, select

from assetctl.errors import AccessDeniedError, NotFoundError, ValidationError
from assetctl.models.families import AccessLog, Household, Staff
from assetctl.models.types import utcnow


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


@dataclass(frozen=True)
class Actor:
    """The person running a command, with the role the staff table gives them."""

    name: str
    role: Role

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


def resolve(session: Session, name: str) -> Actor:
    """The actor for an operator name; unknown names are technicians."""
    staff = session.get(Staff, name)
    return Actor(name, Role(staff.role) if staff else Role.TECHNICIAN)


def ensure_first_admin(session: Session, name: str) -> bool:
    """Make ``name`` admin if the database has no admin yet (``assetctl init``)."""
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
    actor.require(Permission.STAFF)
    name = name.strip()
    if not name or len(name) > 64:
        raise ValidationError("a staff name must be 1 to 64 characters")
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
    actor.require(Permission.STAFF)
    staff = session.get(Staff, name)
    if staff is None:
        raise NotFoundError(f"{name!r} is not in the staff list (see `assetctl user list`)")
    if staff.role == Role.ADMIN.value:
        _keep_one_admin(session, name)
    session.delete(staff)
    session.flush()


def _keep_one_admin(session: Session, name: str) -> None:
    others = session.exec(
        select(Staff).where(Staff.role == Role.ADMIN.value, Staff.name != name)
    ).first()
    if others is None:
        raise ValidationError(f"{name} is the last admin: grant admin to someone else first")


def staff_list(session: Session, actor: Actor) -> list[Staff]:
    actor.require(Permission.STAFF)
    return list(session.exec(select(Staff).order_by(col(Staff.name))).all())


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
