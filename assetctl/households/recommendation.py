"""The programme's recommendation rule: which equipment a household's situation calls for."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from assetctl.access import Actor, Permission, log_access
from assetctl.config import Settings
from assetctl.errors import ValidationError
from assetctl.households import sealed
from assetctl.households.form import age_on
from assetctl.households.registry import not_purged
from assetctl.models.families import Household, Recommendation


@dataclass(frozen=True)
class Item:
    item: str
    reason: str

    def as_dict(self) -> dict[str, str]:
        return {"item": self.item, "reason": self.reason}


def recommend_items(
    settings: Settings, household: Household, births: list[date], as_of: date
) -> list[Item]:
    """The programme's rule: children under ``laptop_from_age`` -> desktop, that age and over
    -> laptop (ages at ``as_of``); a printer when requested and none works; internet support
    when there is no connection."""
    rule = settings.programme
    ages = sorted(age_on(birth, as_of) for birth in births)
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
    not_purged(household)
    as_of = as_of or date.today()
    assert household.id is not None
    kids = sealed.load(session, actor, household.id)["children"]
    if not kids:
        raise ValidationError(
            f"household {household.ref} has no children recorded: add their birth dates "
            "(household edit --children 'Lina 2015-03-02; 2019-11-20')"
        )
    if any(birth is None for _, birth in kids):
        raise ValidationError(f"household {household.ref}: a child has no birth date")
    items = recommend_items(settings, household, [birth for _, birth in kids], as_of)
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
