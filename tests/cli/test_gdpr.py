"""`assetctl gdpr register` and `gdpr dpia`: the register entry and the impact assessment, in
French, from the configuration and the schema (issue 16)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import Cli
from tests.helpers import assert_readable


def configure(home: Path, **values: str) -> None:
    config = home / "config.toml"
    text = config.read_text(encoding="utf-8")
    for old, new in values.items():
        assert old in text, old
        text = text.replace(old, new)
    config.write_text(text, encoding="utf-8")


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_register_says_what_the_configuration_and_the_schema_hold(
    cli_db: Cli, home: Path, tmp_path: Path
) -> None:
    configure(
        home,
        **{
            'dpo = ""': 'dpo = "dpo@lemans.example"',
            "purge_after_months = 24": "purge_after_months = 30",
        },
    )
    record = json.loads(cli_db.ok("gdpr", "register", "--json").stdout)
    assert record["dpo"] == "dpo@lemans.example" and record["retention_months"] == 30
    from assetctl.households.form import FACT_FIELDS, PERSONAL_FIELDS

    # every field of the form, each said once, the sealed ones apart from the anonymous facts
    assert [code for code, _ in record["personal"]] == list(PERSONAL_FIELDS)
    assert [code for code, _ in record["facts"]] == list(FACT_FIELDS)
    pdf = tmp_path / "registre.pdf"
    assert "Register entry written" in cli_db.ok("gdpr", "register", "-o", str(pdf)).stderr
    text = " ".join(
        assert_readable(
            pdf,
            ("dpo@lemans.example", "nom et prénom de l'enfant référent", "Argon2id",
             "Administrateurs du programme", "anonymiser les foyers (effacement)"),
        ).split()
    )  # fmt: skip
    assert "30 mois après le dernier contact du foyer" in text
    assert all(label in text for _, label in record["personal"] + record["facts"])


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
def test_the_impact_assessment_leaves_the_officer_s_part_to_fill(
    cli_db: Cli, tmp_path: Path
) -> None:
    pdf = tmp_path / "aipd.pdf"
    cli_db.ok("gdpr", "dpia", "-o", str(pdf))
    text = " ".join(assert_readable(pdf, ("Vraisemblance", "household export")).split())
    for part in ("1. Contexte", "2. Principes fondamentaux", "3. Risques", "4. Validation"):
        assert part in text, part
    assert "Délégué à la protection des données à compléter" in text  # no dpo configured
    assert text.count("à compléter") >= 10
    nowhere = cli_db("gdpr", "dpia")
    assert nowhere.exit_code == 2 and "-o FILE.pdf" in nowhere.stderr


def test_a_form_field_without_a_description_stops_the_register(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import assetctl.gdpr as gdpr
    from assetctl.errors import ConfigError

    monkeypatch.setattr(gdpr, "FACT_FIELDS", (*gdpr.FACT_FIELDS, "shoe_size"))
    with pytest.raises(ConfigError, match="shoe_size"):
        gdpr.check_described()
