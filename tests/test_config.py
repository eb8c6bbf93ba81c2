"""`assetctl init`, `assetctl config show` and the settings file."""

from __future__ import annotations

import json
import stat
from pathlib import Path

from tests.conftest import Cli
from tests.helpers import add_args


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_init_writes_config_and_database_without_questions(home: Path) -> None:
    cli = Cli(db_url=f"sqlite:///{home / 'assetctl.db'}", home=home)
    # not a terminal: asks nothing, and needs the organisation's name
    result = cli.ok("init", "--organisation", "Le Mans Métropole", input="")
    config = home / "config.toml"
    assert "Configuration written" in result.stderr
    assert mode(config) == 0o600
    assert mode(home / "assetctl.db") == 0o600
    assert mode(home) == 0o700
    text = config.read_text()
    assert 'prefix = "LMM"' in text and "refurbished_min_age_years = 6" in text  # its initials
    again = cli.ok("init")
    assert "Configuration kept" in again.stderr
    assert "Database up to date" in again.stderr


def test_a_fresh_init_takes_no_other_programmes_figures(home: Path) -> None:
    """Without a name there is no configuration; the budget stays unset until given, and
    the report says so (issue 15)."""
    cli = Cli(db_url=f"sqlite:///{home / 'assetctl.db'}", home=home)
    refused = cli("init", "--yes")
    assert refused.exit_code == 2
    assert "needs the organisation's name" in refused.stderr and "--organisation" in refused.stderr
    assert not (home / "config.toml").exists()
    made = cli.ok("init", "--yes", "--organisation", "Ville d'Allonnes")
    assert "The budget is not set" in made.stderr
    shown = json.loads(cli.ok("config", "show", "--json").stdout)
    assert shown["organisation"] == "Ville d'Allonnes" and shown["tag_prefix"] == "VDA"
    assert shown["budget_total_cents"] == 0 and shown["budget_equipment_cents"] == 0
    assert "budget_total                 not set" in cli.ok("config", "show").stdout
    assert "Le Mans" not in (home / "config.toml").read_text()
    cli.ok("key", "init")
    report = home / "rapport.pdf"
    cli.ok("report", "pdf", "-o", str(report))
    from tests.helpers import pdf_reading

    text = pdf_reading(report)
    assert "budget non renseigné" in text and "Le Mans" not in text


def test_init_on_an_existing_home_says_what_it_kept(home: Path) -> None:
    cli = Cli(db_url=f"sqlite:///{home / 'assetctl.db'}", home=home)
    cli.ok("init", "--organisation", "Le Mans Métropole", "--budget-total", "263 000,00")
    again = cli.ok("init", "--organisation", "Ville d'Allonnes", "--tag-prefix", "ALL")
    assert "Configuration kept" in again.stderr
    assert "organisation 'Le Mans Métropole', tag prefix LMM" in again.stderr
    assert "Not applied: organisation, tag prefix" in again.stderr
    assert "edit " + str(home / "config.toml") in again.stderr
    shown = json.loads(cli.ok("config", "show", "--json").stdout)
    assert shown["organisation"] == "Le Mans Métropole"
    assert "total = 263000.00" in (home / "config.toml").read_text()


def test_a_data_folder_found_open_to_others_is_tightened_with_a_warning(home: Path) -> None:
    cli = Cli(db_url=f"sqlite:///{home / 'assetctl.db'}", home=home)
    cli.ok("init", "--organisation", "Le Mans Métropole")
    (home / "logs").mkdir(mode=0o755)
    for path, loose in ((home, 0o755), (home / "logs", 0o775), (home / "assetctl.db", 0o644)):
        path.chmod(loose)
    first = cli.ok("asset", "list")
    assert mode(home) == 0o700 and mode(home / "logs") == 0o700
    assert mode(home / "assetctl.db") == 0o600
    warnings = [line for line in first.stderr.splitlines() if line.startswith("Warning: ")]
    assert len(warnings) == 3, first.stderr
    assert any("assetctl.db could be read by other users (mode 0644)" in w for w in warnings)
    assert all("now 0" in w for w in warnings)
    again = cli.ok("asset", "list")
    assert "Warning" not in again.stderr  # said once, when it was found


def test_init_options_land_in_the_config(home: Path) -> None:
    cli = Cli(db_url=f"sqlite:///{home / 'a.db'}", home=home)
    cli.ok(
        "init",
        "--organisation",
        "Ville d'Allonnes",
        "--tag-prefix",
        "all",
        "--support-phone",
        "02 43 80 00 00",
        "--operator",
        "Camille",
    )
    shown = json.loads(cli.ok("config", "show", "--json").stdout)
    assert shown["organisation"] == "Ville d'Allonnes"
    assert shown["tag_prefix"] == "ALL"
    assert shown["support_phone"] == "02 43 80 00 00"
    assert shown["config_file"] == str(home / "config.toml")
    tag = cli.ok(
        *add_args("printer", "purchased", "Epson", "ET-2810", "X1"),
    ).stdout.strip()
    assert tag == "ALL-IM-00001"


def test_operator_from_config_is_recorded(home: Path, monkeypatch) -> None:
    monkeypatch.delenv("ASSETCTL_OPERATOR")
    cli = Cli(db_url=f"sqlite:///{home / 'a.db'}", home=home)
    cli.ok("init", "--organisation", "Le Mans Métropole", "--operator", "Camille")
    tag = cli.ok(
        *add_args("printer", "purchased", "Epson", "ET-2810", "X1"),
    ).stdout.strip()
    history = json.loads(cli.ok("asset", "show", tag, "--json").stdout)["history"]
    assert history[0]["actor"] == "Camille"


def test_default_database_lives_in_assetctl_home(home: Path) -> None:
    from click.testing import CliRunner

    from assetctl.cli import cli

    result = CliRunner().invoke(cli, ["init", "--organisation", "Le Mans Métropole"])
    assert result.exit_code == 0, result.stderr
    assert (home / "assetctl.db").exists()
    shown = CliRunner().invoke(cli, ["config", "show", "--json"])
    assert json.loads(shown.stdout)["database_url"] == f"sqlite:///{home / 'assetctl.db'}"


def test_broken_config_is_a_clear_error(home: Path) -> None:
    cli = Cli(db_url=f"sqlite:///{home / 'a.db'}", home=home)
    home.mkdir(parents=True)
    config = home / "config.toml"
    config.write_text("[tags]\nprefix = \n")
    assert "is not valid TOML" in cli.fails("config", "show").stderr
    config.write_text('[tags]\nprefix = "L M M"\n')
    assert "tags.prefix 'L M M'" in cli.fails("asset", "list").stderr
    config.write_text('[tags.kind_codes]\ndesktop = "PP"\n')
    assert "its own code" in cli.fails("asset", "list").stderr
    config.write_text('[assets]\nrefurbished_min_age_years = "six"\n')
    assert "must be a whole number" in cli.fails("asset", "list").stderr
    config.write_text("[bench]\nimage_port = 70000\n")
    assert "bench.image_port must be between 0 and 65535" in cli.fails("asset", "list").stderr
    config.write_text("[bench]\nimage_address = 10\n")
    assert "bench.image_address must be a string" in cli.fails("asset", "list").stderr


def test_uninitialised_or_unreachable_database(home: Path, tmp_path: Path) -> None:
    cli = Cli(db_url=f"sqlite:///{tmp_path / 'empty.db'}", home=home)
    assert "is not initialised: run `assetctl init`" in cli.fails("asset", "list").stderr
    bad = Cli(db_url="mysql://x@y/z", home=home)
    assert "is not supported" in bad.fails("asset", "list").stderr
    nonsense = Cli(db_url="not a url", home=home)
    assert "is not a URL" in nonsense.fails("asset", "list").stderr
    refused = Cli(db_url="postgresql+psycopg://nobody@127.0.0.1:1/none", home=home)
    assert "cannot open the database" in refused.fails("asset", "list").stderr


def test_the_template_parses_into_the_declared_defaults(tmp_path: Path) -> None:
    """The documented file `init` writes says what the model's defaults are, no more, no less."""
    import tomllib
    from dataclasses import asdict

    from assetctl.config import parse_settings, render_template
    from assetctl.config.settings import Settings, declared

    defaults = Settings()
    text = render_template(
        organisation=defaults.organisation,
        prefix=defaults.tag_prefix,
        support_phone=defaults.support_phone,
        operator=defaults.operator,
    )
    doc = tomllib.loads(text)
    parsed = parse_settings(doc, tmp_path / "config.toml")
    skip = {"config_path", "data_dir", "bench"}
    assert {k: v for k, v in asdict(parsed).items() if k not in skip} == {
        k: v for k, v in asdict(defaults).items() if k not in skip
    }
    assert parsed.bench.timeout == defaults.bench.timeout
    assert parsed.bench.ssh_key == parsed.data_dir / "bench/id_ed25519"
    # every declared setting is documented: written out, or shown commented out
    for section, keys in declared().items():
        assert section in doc, section
        for key in keys:
            assert key in doc[section] or f"# {key} =" in text or f"[{section}.{key}" in text, (
                f"{section}.{key} is not in the template"
            )


def test_unknown_settings_and_non_finite_numbers_are_refused(home: Path) -> None:
    cli = Cli(db_url=f"sqlite:///{home / 'a.db'}", home=home)
    home.mkdir(parents=True)
    config = home / "config.toml"
    config.write_text('[tags]\nprefx = "LMM"\n')
    assert "tags.prefx is not a setting; [tags] has digits, kind_codes, prefix" in (
        cli.fails("asset", "list").stderr
    )
    config.write_text('[tag]\nprefix = "LMM"\n')
    assert "[tag] is not a section" in cli.fails("asset", "list").stderr
    config.write_text("[bench]\ntimeout = inf\n")
    assert "bench.timeout must be between 1 and 600 seconds, not inf" in (
        cli.fails("asset", "list").stderr
    )
    config.write_text("[contracts]\nrental_monthly_fee = nan\n")
    assert "contracts.rental_monthly_fee must be an amount in euros" in (
        cli.fails("asset", "list").stderr
    )
    config.write_text("[contracts]\nrental_monthly_fee = 5.0\nprogramme_share = 6.0\n")
    assert "programme_share cannot exceed rental_monthly_fee" in cli.fails("asset", "list").stderr
    config.write_bytes(b'[organisation]\nname = "Ville \xe9"\n')
    assert "config.toml is not UTF-8 text" in cli.fails("asset", "list").stderr
