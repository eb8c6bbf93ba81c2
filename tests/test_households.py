"""The household domain: the form's answers, the recommendation rule, and the roles enforced
in the domain functions themselves (not only by the commands)."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

import pytest

from assetctl.access import Actor, Role
from assetctl.config import Settings
from assetctl.errors import AccessDeniedError, ValidationError
from assetctl.households import parse_children, parse_form, recommend_items
from assetctl.models.families import Household
from tests.helpers import staff

SETTINGS = Settings()
DECISION_DAY = date(2026, 12, 3)


def household(**facts: Any) -> Household:
    return Household(ref="FAM-00001", qpv="Epine", created_by="t", **facts)


def kids(*births: str) -> list[date]:
    return [date.fromisoformat(b) for b in births]


def items(h: Household, children: list[date], settings: Settings = SETTINGS) -> list[str]:
    found = recommend_items(settings, h, children, DECISION_DAY)
    return [i.item for i in found if i.item != "none"]


def test_ages_at_the_decision_date_choose_desktop_or_laptop() -> None:
    # 9 years old on the day before the decision: a laptop; one day short of 9: a desktop
    assert items(household(), kids("2017-12-02")) == ["laptop"]
    assert items(household(), kids("2017-12-03")) == ["laptop"]
    assert items(household(), kids("2017-12-04")) == ["desktop"]
    assert items(household(), kids("2020-01-01", "2012-05-05")) == ["laptop"]
    one_each = replace(
        SETTINGS, programme=replace(SETTINGS.programme, one_computer_per_household=False)
    )
    assert items(household(), kids("2020-01-01", "2012-05-05"), one_each) == ["laptop", "desktop"]
    older = replace(SETTINGS, programme=replace(SETTINGS.programme, laptop_from_age=11))
    assert items(household(), kids("2016-01-01"), older) == ["desktop"]


def test_printer_and_internet_follow_the_need() -> None:
    assert items(household(requested=["printer"], printer="broken"), kids("2019-01-01")) == [
        "desktop",
        "printer",
    ]
    working = household(requested=["printer"], printer="working", internet="subscription")
    assert items(working, kids("2019-01-01")) == ["desktop"]
    assert items(household(internet="none"), kids("2019-01-01")) == ["desktop", "internet"]
    problem = household(internet="problem", requested=["internet"])
    assert items(problem, kids("2019-01-01")) == ["desktop", "internet"]
    has_one = household(computers=1, computers_working=1, internet="subscription")
    assert items(has_one, kids("2010-01-01")) == []
    why = recommend_items(SETTINGS, has_one, kids("2010-01-01"), DECISION_DAY)
    assert [(i.item, i.reason) for i in why] == [
        ("none", "the household has 1 working computer(s)")
    ]


def test_the_forms_answers_in_french_or_english() -> None:
    values = parse_form(
        SETTINGS,
        {
            "qpv": "sablons-bords de l’huisne",
            "printer": "En panne",
            "internet": "aucun",
            "can_pay": "Partiellement",
            "can_install": "ne sait pas",
            "digital_need": "Oui",
            "requested": "PC portable + imprimante",
            "children": "Lina 02/03/2014 | 2019-11-20",
            "representatives": "Sophie Martin ;Karim Martin",
        },
    )
    assert values["qpv"] == "Sablons-Bords de l'Huisne"
    assert (values["printer"], values["internet"], values["can_pay"]) == (
        "broken",
        "none",
        "partially",
    )
    assert values["can_install"] == "unknown" and values["digital_need"] is True
    assert values["requested"] == ["laptop", "printer"]
    assert values["children"] == [("Lina", date(2014, 3, 2)), (None, date(2019, 11, 20))]
    assert values["representatives"] == ["Sophie Martin", "Karim Martin"]
    for field, bad, message in (
        ("qpv", "Paris 13e", "not a configured neighbourhood"),
        ("adults", "deux", "whole number"),
        ("requested", "tablette", "not one of"),
        ("can_use", "peut-être", "not one of"),
        ("digital_need", "bof", "yes or no"),
        ("representatives", "Evil\x1b[2J\x07Name", "control or text-direction"),
        ("address", "12 rue \u202eeniaM", "control or text-direction"),
    ):
        with pytest.raises(ValidationError, match=message):
            parse_form(SETTINGS, {field: bad})
    with pytest.raises(ValidationError, match="not a date"):
        parse_children("Lina")
    with pytest.raises(ValidationError, match="unknown household field"):
        parse_form(SETTINGS, {"ssn": "1"})


def test_roles_are_enforced_by_the_domain_functions(engine: Any, settings: Any) -> None:
    from assetctl import committee, contracts, households
    from assetctl.db import session_scope

    caseworker = staff("claire", "caseworker")
    technician = Actor("theo", Role.TECHNICIAN)
    with session_scope(engine) as session:
        values = parse_form(settings, {"qpv": "Epine", "phone": "0600000000"})
        created = households.add(session, settings, caseworker, values)
        view = households.view(session, technician, created)
        assert "phone" not in view and view["ref"] == created.ref
        assert households.view(session, caseworker, created)["phone"] == "0600000000"
        for call in (
            lambda: households.add(session, settings, technician, {"qpv": "Epine"}),
            lambda: households.export(session, technician, created),
            lambda: households.recommend(session, settings, technician, created),
            lambda: households.purge(session, settings, caseworker),
            lambda: committee.agenda(session, technician),
            lambda: contracts.list_rows(session, technician, contacts=True),
        ):
            with pytest.raises(AccessDeniedError):
                call()


# --- what mutation testing showed unguarded (scripts/mutation.sh) ---------------------------


def reasons(h: Household, children: list[date], settings: Settings = SETTINGS) -> list[Any]:
    return [(i.item, i.reason) for i in recommend_items(settings, h, children, DECISION_DAY)]


def test_the_recommendation_says_why_in_words_a_committee_reads() -> None:
    # ages on 2026-12-03: 5 and 7 (desktop), 12 (laptop)
    assert reasons(household(), kids("2021-06-01", "2019-01-01")) == [
        ("desktop", "children aged 5, 7 (under 9: desktop)")
    ]
    assert reasons(household(), kids("2014-01-01")) == [
        ("laptop", "child aged 12 (laptop from 9 years)")
    ]
    one_each = replace(
        SETTINGS, programme=replace(SETTINGS.programme, one_computer_per_household=False)
    )
    assert reasons(
        household(), kids("2021-06-01", "2019-01-01", "2014-01-01", "2012-05-05"), one_each
    ) == [
        ("laptop", "children aged 12, 14"),
        ("desktop", "children aged 5, 7"),
    ]
    printer_and_net = household(requested=["printer"], printer="broken", internet="none")
    assert reasons(printer_and_net, kids("2019-01-01"))[1:] == [
        ("printer", "requested; no working printer at home"),
        ("internet", "no internet connection at home"),
    ]
    works = household(requested=["printer"], printer="working", internet="problem")
    assert reasons(works, kids("2019-01-01")) == [
        ("desktop", "children aged 7 (under 9: desktop)"),
        ("none", "printer requested, but the household's printer works"),
    ]
    broken_line = household(requested=["internet"], internet="problem")
    assert reasons(broken_line, kids("2019-01-01"))[1:] == [
        ("internet", "requested; the connection has a technical problem")
    ]


def test_a_child_of_exactly_the_laptop_age_gets_a_laptop_only() -> None:
    one_each = replace(
        SETTINGS, programme=replace(SETTINGS.programme, one_computer_per_household=False)
    )
    # 9 years old on the decision day
    assert items(household(), kids("2017-12-03"), one_each) == ["laptop"]


def test_a_computer_that_does_not_work_does_not_count() -> None:
    broken = household(computers=1, computers_working=0, internet="subscription")
    assert items(broken, kids("2019-01-01")) == ["desktop"]


def test_internet_support_only_for_no_connection_or_a_requested_fix() -> None:
    subscribed = household(requested=["internet"], internet="subscription")
    assert items(subscribed, kids("2019-01-01")) == ["desktop"]
    problem_not_asked = household(internet="problem")
    assert items(problem_not_asked, kids("2019-01-01")) == ["desktop"]


def test_a_recorded_recommendation_keeps_its_rule_and_is_logged(engine: Any, settings: Any) -> None:
    from sqlmodel import select

    from assetctl import households
    from assetctl.db import session_scope
    from assetctl.models.families import AccessLog

    caseworker = staff("claire", "caseworker")
    with session_scope(engine) as session:
        values = parse_form(
            settings,
            {
                "qpv": "Epine",
                "children": "2019-01-01",
                "requested": "imprimante",
                "printer": "fonctionne",
            },
        )
        created = households.add(session, settings, caseworker, values)
        rec = households.recommend(session, settings, caseworker, created, DECISION_DAY)
        assert rec.rule == {"laptop_from_age": 9, "one_computer_per_household": True}
        assert households.equipment(rec) == ["desktop"]  # the printer "none" left out
        logged = session.exec(select(AccessLog).where(AccessLog.action == "recommend")).all()
        # on PostgreSQL the database stamps the row with the login, whatever the program says
        who = "tester" if engine.dialect.name == "postgresql" else "claire"
        assert [(a.actor, a.household_id, a.fields) for a in logged] == [
            (who, created.id, ["children"])
        ]


def test_no_recommendation_without_the_childrens_birth_dates(engine: Any, settings: Any) -> None:
    from assetctl import households
    from assetctl.db import session_scope

    caseworker = staff("claire", "caseworker")
    with session_scope(engine) as session:
        empty = households.add(
            session, settings, caseworker, parse_form(settings, {"qpv": "Epine"})
        )
        with pytest.raises(ValidationError) as refused:
            households.recommend(session, settings, caseworker, empty, DECISION_DAY)
        assert str(refused.value) == (
            f"household {empty.ref} has no children recorded: add their birth dates "
            "(household edit --children 'Lina 2015-03-02; 2019-11-20')"
        )
        from assetctl.households import sealed

        assert empty.id is not None
        sealed.store(session, empty.id, {"children": [("Lina", None)]})  # e.g. an old import
        session.flush()
        with pytest.raises(ValidationError) as refused:
            households.recommend(session, settings, caseworker, empty, DECISION_DAY)
        assert str(refused.value) == f"household {empty.ref}: a child has no birth date"
