"""Households: the diagnostic form, the recommendation rule, access, export and purge.

Every function takes the acting :class:`~assetctl.access.Actor`: personal fields are read and
written only with the ``caseworker`` or ``admin`` role, and every such access is logged. A
technician sees a household as its reference and its anonymous facts (neighbourhood, school,
equipment approved), which is all the bench and the return desk need.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import update
from sqlmodel import Session, col, func, select

from assetctl.access import Actor, Permission, log_access
from assetctl.asset_fields import parse_date
from assetctl.config import Settings
from assetctl.errors import NotFoundError, ValidationError
from assetctl.models.families import (
    PERSONAL,
    AccessLog,
    Child,
    CommitteeSession,
    Contract,
    ContractEvent,
    ContractLine,
    Decision,
    Household,
    Payment,
    Recommendation,
    TrainingAttendance,
    TrainingSession,
)
from assetctl.models.types import utcnow

REQUESTABLE = ("desktop", "laptop", "printer", "internet")
PERSONAL_FIELDS = (*PERSONAL["household"], "children")

_YES = {"yes", "y", "oui", "o", "true", "1", "x"}
_NO = {"no", "n", "non", "false", "0"}
_PARTIAL = {"partially", "partial", "partiellement", "en partie", "aide", "partly"}
_UNKNOWN = {"unknown", "don't know", "dont know", "ne sait pas", "nsp", "?", "ne sais pas"}
CHOICES: dict[str, dict[str, set[str]]] = {
    "printer": {
        "none": {"none", "no", "non", "aucune", "pas d'imprimante"},
        "working": {"working", "yes", "oui", "fonctionne", "ok", "marche"},
        "broken": {"broken", "en panne", "hs", "ne fonctionne pas", "sans encre", "no ink"},
    },
    "internet": {
        "none": {"none", "no", "non", "aucun", "aucune", "pas d'abonnement"},
        "subscription": {"subscription", "yes", "oui", "abonnement", "box", "ok"},
        "problem": {"problem", "problème", "probleme", "technical problem", "coupé", "coupe"},
    },
    "can_pay": {"yes": _YES, "partially": _PARTIAL, "no": _NO},
    "can_install": {"yes": _YES, "no": _NO, "unknown": _UNKNOWN},
    "can_use": {"yes": _YES, "partially": _PARTIAL, "no": _NO},
    "training": {"yes": _YES, "no": _NO, "unknown": _UNKNOWN},
}
_REQUEST_ALIASES = {
    "desktop": "desktop",
    "fixe": "desktop",
    "ordinateur fixe": "desktop",
    "pc fixe": "desktop",
    "laptop": "laptop",
    "portable": "laptop",
    "ordinateur portable": "laptop",
    "pc portable": "laptop",
    "printer": "printer",
    "imprimante": "printer",
    "internet": "internet",
    "connexion": "internet",
    "connexion internet": "internet",
}
TEXT_LIMITS = {
    "child_name": 128,
    "phone": 32,
    "email": 254,
    "address": 300,
    "landlord": 128,
    "hosted_by": 128,
    "training_why": 300,
    "notes": 2000,
    "school": 128,
    "class_name": 32,
    "computer_type": 64,
    "caseworker": 64,
}
COUNTS = (
    "adults",
    "computers",
    "computers_working",
    "tablets",
    "tablets_usable",
    "smartphones",
    "smartphones_usable",
)
# every field of the form, in the order of the form (CSV columns and `household add` options)
FORM_FIELDS = (
    "child_name",
    "representatives",
    "qpv",
    "school",
    "class_name",
    "phone",
    "email",
    "address",
    "adults",
    "children",
    "landlord",
    "hosted_by",
    "digital_need",
    "computers",
    "computers_working",
    "computer_type",
    "printer",
    "tablets",
    "tablets_usable",
    "smartphones",
    "smartphones_usable",
    "internet",
    "can_pay",
    "can_install",
    "can_use",
    "training",
    "training_why",
    "requested",
    "diagnosed_on",
    "caseworker",
    "notes",
)


def fold(text: str) -> str:
    """Lower case without accents, single spaces: how answers are compared."""
    decomposed = unicodedata.normalize("NFKD", text)
    bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return " ".join(bare.lower().replace("’", "'").split())


def _clean(value: str) -> str | None:
    value = " ".join(value.replace("\u00a0", " ").split())
    return value or None


def _answer(name: str, value: str) -> str:
    wanted = fold(value)
    for answer, words in CHOICES[name].items():
        if wanted == answer or wanted in {fold(w) for w in words}:
            return answer
    raise ValidationError(f"{name} {value!r} is not one of: {', '.join(CHOICES[name])}")


def _yes_no(name: str, value: str) -> bool:
    wanted = fold(value)
    if wanted in _YES:
        return True
    if wanted in _NO:
        return False
    raise ValidationError(f"{name} {value!r} must be yes or no (oui/non)")


def _count(name: str, value: str) -> int:
    if not re.fullmatch(r"\d{1,2}", value.strip()):
        raise ValidationError(f"{name} {value!r} must be a whole number from 0 to 99")
    return int(value)


def parse_qpv(settings: Settings, value: str) -> str:
    wanted = fold(value).replace("-", " ")
    for name in settings.programme.neighbourhoods:
        if fold(name).replace("-", " ") == wanted:
            return name
    if wanted.startswith(("hors", "outside")) or wanted == "none":
        for name in settings.programme.neighbourhoods:
            if fold(name).startswith("hors"):
                return name
    raise ValidationError(
        f"qpv {value!r} is not a configured neighbourhood: "
        f"{'; '.join(settings.programme.neighbourhoods)}"
    )


def parse_children(value: str) -> list[tuple[str | None, date]]:
    """``Lina 2015-03-02; 20/11/2019`` -> [(first name or None, birth date)]."""
    children: list[tuple[str | None, date]] = []
    for item in re.split(r"[;|]", value):
        item = " ".join(item.split())
        if not item:
            continue
        name, _, when = item.rpartition(" ")
        birth = parse_date("child's birth date", when)
        today = date.today()
        if birth > today or birth < date(today.year - 25, 1, 1):
            raise ValidationError(f"child's birth date {when} is not plausible")
        children.append((name.strip() or None, birth))
    if len(children) > 20:
        raise ValidationError("more than 20 children in one household")
    return children


def parse_requested(value: str) -> list[str]:
    items: list[str] = []
    for part in re.split(r"[,;/+]", value):
        key = fold(part)
        if not key:
            continue
        if key not in _REQUEST_ALIASES:
            raise ValidationError(
                f"requested {part.strip()!r} is not one of: {', '.join(REQUESTABLE)}"
            )
        if _REQUEST_ALIASES[key] not in items:
            items.append(_REQUEST_ALIASES[key])
    return items


def parse_form(settings: Settings, raw: dict[str, str | None]) -> dict[str, Any]:
    """Check the form's answers; returns field -> value (None clears). Unknown keys refused."""
    values: dict[str, Any] = {}
    for name, given in raw.items():
        if name not in FORM_FIELDS:
            raise ValidationError(f"unknown household field {name!r}")
        if given is None:
            continue
        text = _clean(given)
        if text is None:
            values[name] = None
            continue
        if name == "qpv":
            values[name] = parse_qpv(settings, text)
        elif name == "representatives":
            people = [p.strip() for p in re.split(r"[;|]", text) if p.strip()]
            if any(len(p) > 128 for p in people):
                raise ValidationError("a legal representative's name is over 128 characters")
            values[name] = people or None
        elif name == "children":
            values[name] = parse_children(text)
        elif name in COUNTS:
            values[name] = _count(name, text)
        elif name == "digital_need":
            values[name] = _yes_no(name, text)
        elif name in CHOICES:
            values[name] = _answer(name, text)
        elif name == "requested":
            values[name] = parse_requested(text) or None
        elif name == "diagnosed_on":
            values[name] = parse_date(name, text)
        else:
            if len(text) > TEXT_LIMITS[name]:
                raise ValidationError(f"{name} is over {TEXT_LIMITS[name]} characters")
            if name == "email" and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", text):
                raise ValidationError(f"email {text!r} is not an e-mail address")
            values[name] = text
    return values


def check_form(values: dict[str, Any], household: Household | None = None) -> None:
    def current(name: str) -> Any:
        if name in values:
            return values[name]
        return getattr(household, name) if household is not None else None

    if household is None and not values.get("qpv"):
        raise ValidationError("a household needs its neighbourhood (--qpv, or 'hors QPV')")
    for total, part in (
        ("computers", "computers_working"),
        ("tablets", "tablets_usable"),
        ("smartphones", "smartphones_usable"),
    ):
        if (
            current(total) is not None
            and current(part) is not None
            and current(part) > current(total)
        ):
            raise ValidationError(f"{part} ({current(part)}) exceeds {total} ({current(total)})")


def next_ref(session: Session, settings: Settings) -> str:
    from assetctl.tags import next_number

    prefix = settings.programme.household_prefix
    return f"{prefix}-{next_number(session, prefix, '#'):05d}"


def find(session: Session, ref: str) -> Household:
    wanted = ref.strip().upper()
    household = session.exec(select(Household).where(Household.ref == wanted)).first()
    if household is None:
        raise NotFoundError(
            f"no household {ref.strip()!r}: check the reference (e.g. FAM-00012) with "
            "`assetctl household list`"
        )
    return household


def _set_children(session: Session, household: Household, children: list[Any] | None) -> None:
    assert household.id is not None
    for child in session.exec(select(Child).where(Child.household_id == household.id)).all():
        session.delete(child)
    for position, (name, birth) in enumerate(children or []):
        session.add(
            Child(household_id=household.id, position=position, first_name=name, birth_date=birth)
        )


def add(session: Session, settings: Settings, actor: Actor, values: dict[str, Any]) -> Household:
    actor.require(Permission.PERSONAL_DATA)
    check_form(values)
    children = values.pop("children", None)
    household = Household(ref=next_ref(session, settings), created_by=actor.name, **values)
    if household.caseworker is None:
        household.caseworker = actor.name
    session.add(household)
    session.flush()
    _set_children(session, household, children)
    fields = [n for n in values if n in PERSONAL_FIELDS] + (["children"] if children else [])
    log_access(session, actor, "create", household, fields)
    session.flush()
    return household


def edit(session: Session, actor: Actor, household: Household, values: dict[str, Any]) -> list[str]:
    actor.require(Permission.PERSONAL_DATA)
    _not_purged(household)
    check_form(values, household)
    if "qpv" in values and values["qpv"] is None:
        raise ValidationError("the neighbourhood cannot be cleared (use 'hors QPV')")
    changed: list[str] = []
    if "children" in values:
        _set_children(session, household, values.pop("children"))
        changed.append("children")
    for name, value in values.items():
        if getattr(household, name) != value:
            setattr(household, name, value)
            changed.append(name)
    if changed:
        household.updated_at = utcnow()
        session.add(household)
        log_access(session, actor, "update", household, changed)
        session.flush()
    return changed


def _not_purged(household: Household) -> None:
    if household.purged_at is not None:
        raise ValidationError(
            f"household {household.ref} was anonymised on {household.purged_at:%Y-%m-%d}: "
            "its personal data is gone"
        )


def children(session: Session, household: Household) -> list[Child]:
    return list(
        session.exec(
            select(Child).where(Child.household_id == household.id).order_by(col(Child.position))
        ).all()
    )


def age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _jsonable(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    return value


FACT_FIELDS = tuple(f for f in FORM_FIELDS if f not in PERSONAL_FIELDS)


def view(session: Session, actor: Actor, household: Household) -> dict[str, Any]:
    """What ``household show`` prints: the facts for everyone, personal fields by role."""
    out: dict[str, Any] = {"ref": household.ref}
    out.update({name: _jsonable(getattr(household, name)) for name in FACT_FIELDS})
    kids = children(session, household)
    out["children_count"] = len(kids)
    out["purged_at"] = _jsonable(household.purged_at)
    out["status"] = status(session, household)
    if actor.may(Permission.PERSONAL_DATA):
        for name in PERSONAL["household"]:
            out[name] = _jsonable(getattr(household, name))
        out["children"] = [
            {
                "first_name": k.first_name,
                "birth_date": _jsonable(k.birth_date),
                "age": age_on(k.birth_date, date.today()) if k.birth_date else None,
            }
            for k in kids
        ]
        log_access(session, actor, "read", household, list(PERSONAL_FIELDS))
    else:
        out["personal_data"] = "hidden (caseworker or admin role)"
    out["decisions"] = [
        {
            "session": d.session_id,
            "outcome": d.outcome,
            "equipment": d.equipment,
            "mode": d.mode,
            "decided_at": _jsonable(d.decided_at),
        }
        for d in session.exec(
            select(Decision)
            .where(Decision.household_id == household.id)
            .order_by(col(Decision.decided_at))
        ).all()
    ]
    out["contracts"] = [
        {"number": c.number, "mode": c.mode, "status": c.status, "end_date": _jsonable(c.end_date)}
        for c in session.exec(
            select(Contract).where(Contract.household_id == household.id).order_by(col(Contract.id))
        ).all()
    ]
    return out


def status(session: Session, household: Household) -> str:
    """Where the household stands: diagnosed, recommended, approved, rejected, deferred,
    equipped (an open contract), closed (all contracts closed), purged."""
    if household.purged_at is not None:
        return "purged"
    contracts = session.exec(
        select(Contract.status).where(Contract.household_id == household.id)
    ).all()
    if any(s in ("draft", "active") for s in contracts):
        return "equipped" if "active" in contracts else "allocated"
    if contracts:
        return "closed"
    decision = session.exec(
        select(Decision.outcome)
        .where(Decision.household_id == household.id)
        .order_by(col(Decision.decided_at).desc(), col(Decision.id).desc())
    ).first()
    if decision:
        return decision
    has_recommendation = session.exec(
        select(Recommendation.id).where(Recommendation.household_id == household.id)
    ).first()
    return "recommended" if has_recommendation else "diagnosed"


def list_rows(
    session: Session, actor: Actor, qpv: str | None = None, school: str | None = None
) -> list[dict[str, Any]]:
    """One row per household: reference and facts; names only for caseworkers (logged)."""
    query = select(Household).order_by(col(Household.ref))
    if qpv:
        query = query.where(Household.qpv == qpv)
    if school:
        query = query.where(func.lower(Household.school) == school.strip().lower())
    households = session.exec(query).all()
    counts = dict(
        session.exec(
            select(Child.household_id, func.count()).group_by(col(Child.household_id))
        ).all()
    )
    personal = actor.may(Permission.PERSONAL_DATA)
    rows = []
    for h in households:
        row: dict[str, Any] = {
            "ref": h.ref,
            "qpv": h.qpv,
            "school": h.school,
            "children": counts.get(h.id or 0, 0),
            "requested": ",".join(h.requested or []),
            "internet": h.internet,
            "status": status(session, h),
        }
        if personal:
            row["representatives"] = "; ".join(h.representatives or [])
            row["phone"] = h.phone
        rows.append(row)
    if personal and households:
        log_access(session, actor, "list", None, ["representatives", "phone"], f"{len(rows)} rows")
    return rows


# --- the recommendation rule -------------------------------------------------------------


@dataclass(frozen=True)
class Item:
    item: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"item": self.item, "reason": self.reason}


def recommend_items(
    settings: Settings, household: Household, kids: list[Child], as_of: date
) -> list[Item]:
    """The programme's rule: children under ``laptop_from_age`` -> desktop, that age and over
    -> laptop (ages at ``as_of``); a printer when requested and none works; internet support
    when there is no connection."""
    rule = settings.programme
    ages = sorted(age_on(k.birth_date, as_of) for k in kids if k.birth_date is not None)
    items: list[Item] = []
    older = [a for a in ages if a >= rule.laptop_from_age]
    younger = [a for a in ages if a < rule.laptop_from_age]
    working = household.computers_working or 0
    if not ages:
        pass
    elif working >= 1 and household.computers_working is not None:
        items.append(Item("none", f"the household has {working} working computer(s)"))
    elif rule.one_computer_per_household:
        if older:
            items.append(
                Item(
                    "laptop",
                    f"child aged {older[-1]} (laptop from {rule.laptop_from_age} years)",
                )
            )
        else:
            items.append(
                Item(
                    "desktop",
                    f"children aged {', '.join(map(str, younger))} "
                    f"(under {rule.laptop_from_age}: desktop)",
                )
            )
    else:
        if older:
            items.append(Item("laptop", f"children aged {', '.join(map(str, older))}"))
        if younger:
            items.append(Item("desktop", f"children aged {', '.join(map(str, younger))}"))
    requested = household.requested or []
    if "printer" in requested:
        if household.printer == "working":
            items.append(Item("none", "printer requested, but the household's printer works"))
        else:
            items.append(Item("printer", "requested; no working printer at home"))
    if household.internet == "none":
        items.append(Item("internet", "no internet connection at home"))
    elif household.internet == "problem" and "internet" in requested:
        items.append(Item("internet", "requested; the connection has a technical problem"))
    return [i for i in items if i.item != "none"] + [i for i in items if i.item == "none"]


def recommend(
    session: Session,
    settings: Settings,
    actor: Actor,
    household: Household,
    as_of: date | None = None,
) -> Recommendation:
    """Apply the rule and record the recommendation (ages are personal: caseworkers only)."""
    actor.require(Permission.PERSONAL_DATA)
    _not_purged(household)
    as_of = as_of or date.today()
    kids = children(session, household)
    if not kids:
        raise ValidationError(
            f"household {household.ref} has no children recorded: add their birth dates "
            "(household edit --children 'Lina 2015-03-02; 2019-11-20')"
        )
    if any(k.birth_date is None for k in kids):
        raise ValidationError(f"household {household.ref}: a child has no birth date")
    items = recommend_items(settings, household, kids, as_of)
    assert household.id is not None
    rec = Recommendation(
        household_id=household.id,
        by=actor.name,
        as_of=as_of,
        items=[i.as_dict() for i in items],
        rule={
            "laptop_from_age": settings.programme.laptop_from_age,
            "one_computer_per_household": settings.programme.one_computer_per_household,
        },
    )
    session.add(rec)
    log_access(session, actor, "recommend", household, ["children"])
    session.flush()
    return rec


def equipment(rec: Recommendation) -> list[str]:
    return [i["item"] for i in rec.items if i["item"] != "none"]


# --- GDPR: export and purge ---------------------------------------------------------------


def _row(obj: Any) -> dict[str, Any]:
    return {k: _jsonable(v) for k, v in obj.model_dump().items()}


def export(session: Session, actor: Actor, household: Household) -> dict[str, Any]:
    """Everything stored about a household (right of access), as one JSON document."""
    actor.require(Permission.PERSONAL_DATA)
    hid = household.id
    contracts = session.exec(select(Contract).where(Contract.household_id == hid)).all()
    contract_ids = [c.id for c in contracts]
    decisions = session.exec(select(Decision).where(Decision.household_id == hid)).all()
    sessions = session.exec(
        select(CommitteeSession).where(
            col(CommitteeSession.id).in_([d.session_id for d in decisions])
        )
    ).all()
    attendances = session.exec(
        select(TrainingAttendance).where(TrainingAttendance.household_id == hid)
    ).all()
    trainings = session.exec(
        select(TrainingSession).where(
            col(TrainingSession.id).in_([a.session_id for a in attendances])
        )
    ).all()
    from assetctl.models import Asset

    lines = session.exec(
        select(ContractLine).where(col(ContractLine.contract_id).in_(contract_ids))
    ).all()
    assets = session.exec(
        select(Asset).where(col(Asset.id).in_([ln.asset_id for ln in lines if ln.asset_id]))
    ).all()
    log_access(session, actor, "export", household, list(PERSONAL_FIELDS), "right of access")
    session.flush()
    return {
        "exported_at": _jsonable(utcnow()),
        "household": _row(household),
        "children": [_row(k) for k in children(session, household)],
        "recommendations": [
            _row(r)
            for r in session.exec(
                select(Recommendation).where(Recommendation.household_id == hid)
            ).all()
        ],
        "committee_sessions": [_row(s) for s in sessions],
        "decisions": [_row(d) for d in decisions],
        "contracts": [_row(c) for c in contracts],
        "contract_lines": [_row(ln) for ln in lines],
        "devices": [
            {
                "id": a.id,
                "tag": a.tag,
                "kind": a.kind,
                "manufacturer": a.manufacturer,
                "model": a.model,
                "serial": a.serial,
            }
            for a in assets
        ],
        "contract_events": [
            _row(e)
            for e in session.exec(
                select(ContractEvent).where(col(ContractEvent.contract_id).in_(contract_ids))
            ).all()
        ],
        "payments": [
            _row(p)
            for p in session.exec(
                select(Payment).where(col(Payment.contract_id).in_(contract_ids))
            ).all()
        ],
        "trainings": [_row(t) for t in trainings],
        "training_attendance": [_row(a) for a in attendances],
        "access_log": [
            _row(a)
            for a in session.exec(
                select(AccessLog).where(AccessLog.household_id == hid).order_by(col(AccessLog.id))
            ).all()
        ],
    }


def _months_before(day: date, months: int) -> date:
    month = day.month - months
    year = day.year + (month - 1) // 12
    month = (month - 1) % 12 + 1
    from calendar import monthrange

    return date(year, month, min(day.day, monthrange(year, month)[1]))


def purge_candidates(
    session: Session, settings: Settings, today: date | None = None
) -> list[tuple[Household, datetime]]:
    """Households with no open contract whose last activity (last contract closed, else last
    decision, else the diagnostic) is older than ``purge_after_months``."""
    today = today or date.today()
    limit = _months_before(today, settings.programme.purge_after_months)
    out = []
    for household in session.exec(
        select(Household).where(col(Household.purged_at).is_(None)).order_by(col(Household.ref))
    ).all():
        contracts = session.exec(
            select(Contract).where(Contract.household_id == household.id)
        ).all()
        if any(c.status in ("draft", "active") for c in contracts):
            continue
        if contracts:
            last = max(c.closed_at or c.created_at for c in contracts)
        else:
            decided = session.exec(
                select(func.max(Decision.decided_at)).where(Decision.household_id == household.id)
            ).one()
            last = max(filter(None, [household.updated_at, _aware(decided)]))
        if last.date() < limit:
            out.append((household, last))
    return out


def _aware(value: datetime | None) -> datetime | None:
    from datetime import UTC

    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def purge(
    session: Session,
    settings: Settings,
    actor: Actor,
    today: date | None = None,
    dry_run: bool = False,
) -> list[str]:
    """Anonymise the purge candidates: personal columns set to NULL, facts kept."""
    actor.require(Permission.PURGE)
    candidates = purge_candidates(session, settings, today)
    refs = [h.ref for h, _ in candidates]
    if dry_run or not candidates:
        return refs
    ids = [h.id for h, _ in candidates]
    now = utcnow()
    for household, _ in candidates:
        for name in PERSONAL["household"]:
            setattr(household, name, None)
        household.purged_at = now
        household.updated_at = now
        session.add(household)
        log_access(session, actor, "purge", household, list(PERSONAL_FIELDS), "retention period")
    session.execute(
        update(Child)
        .where(col(Child.household_id).in_(ids))
        .values({name: None for name in PERSONAL["household_child"]})
    )
    session.execute(
        update(Decision)
        .where(col(Decision.household_id).in_(ids))
        .values({name: None for name in PERSONAL["decision"]})
    )
    session.flush()
    return refs


# --- import -----------------------------------------------------------------------------

HEADER_ALIASES = {
    "enfant": "child_name",
    "nom_enfant": "child_name",
    "representants": "representatives",
    "représentants": "representatives",
    "representants_legaux": "representatives",
    "représentants_légaux": "representatives",
    "quartier": "qpv",
    "ecole": "school",
    "école": "school",
    "etablissement": "school",
    "établissement": "school",
    "classe": "class_name",
    "class": "class_name",
    "telephone": "phone",
    "téléphone": "phone",
    "e_mail": "email",
    "courriel": "email",
    "adresse": "address",
    "adultes": "adults",
    "enfants": "children",
    "bailleur": "landlord",
    "bailleur_social": "landlord",
    "heberge_par": "hosted_by",
    "hébergée_par": "hosted_by",
    "besoin_numerique": "digital_need",
    "besoin_numérique": "digital_need",
    "ordinateurs": "computers",
    "imprimante": "printer",
    "tablettes": "tablets",
    "formation": "training",
    "demande": "requested",
    "equipement_demande": "requested",
    "équipement_demandé": "requested",
    "date_diagnostic": "diagnosed_on",
    "referent": "caseworker",
    "référent": "caseworker",
}


def import_households(
    session: Session, settings: Settings, actor: Actor, path: Any, dry_run: bool = False
) -> list[str]:
    """Every row checked first; any bad row and nothing is imported. Returns the new refs."""
    from assetctl.asset_import import read_rows, read_text
    from assetctl.errors import AssetctlError, ImportRowsError, RowError

    actor.require(Permission.PERSONAL_DATA)
    source = str(path)
    _, rows = read_rows(read_text(path), source, FORM_FIELDS, ("qpv",), HEADER_ALIASES)
    if not rows:
        raise ValidationError(f"{source} has no rows to import")
    errors: list[RowError] = []
    valid: list[dict[str, Any]] = []
    for line, raw in rows:
        if "__error__" in raw:
            errors.append(RowError(line, raw["__error__"]))
            continue
        try:
            values = parse_form(settings, dict(raw))
            check_form(values)
        except AssetctlError as exc:
            errors.append(RowError(line, str(exc)))
            continue
        valid.append(values)
    if errors:
        raise ImportRowsError(source, errors)
    if dry_run:
        return [f"(row {n})" for n in range(1, len(valid) + 1)]
    return [add(session, settings, actor, values).ref for values in valid]
