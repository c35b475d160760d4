"""Configuration layering and the refusal to run production on development secrets."""

from __future__ import annotations

import tomllib
from importlib import resources

import pytest
from flask import Config

from referral import config

STRONG = "a-real-secret-of-enough-length-1234"
SEALING_KEY = "c2VhbGluZy1rZXktZm9yLXRoZS1jb25maWctdGVzdHM="  # base64 of 32 bytes: a real (non-development) key


def load(overrides=None, **env):
    cfg = Config(".")
    config.load(cfg, overrides)
    return cfg


def test_defaults_are_the_development_settings():
    cfg = load()
    assert cfg["ENV"] == "development"
    assert cfg["MATCH"]["weights"]["need"] == 0.5
    assert cfg["DATABASE_URL"] == ""


def test_environment_variables_override_the_files_and_parse_json(monkeypatch):
    monkeypatch.setenv("REFERRAL_DATABASE_URL", "postgresql+psycopg://db/referral")
    monkeypatch.setenv("REFERRAL_MATCH__MAX_DISTANCE_KM", "40")
    cfg = load()
    assert cfg["DATABASE_URL"] == "postgresql+psycopg://db/referral"
    assert cfg["MATCH"]["max_distance_km"] == 40
    assert cfg["MATCH"]["distance_scale_km"] == 10.0  # the rest of the table is kept


def test_an_extra_file_named_by_referral_config_is_layered_in(monkeypatch, tmp_path):
    extra = tmp_path / "site.toml"
    extra.write_text('DEFAULT_LANGUAGE = "zh"\n[MATCH]\nmax_distance_km = 12.5\n', encoding="utf-8")
    monkeypatch.setenv("REFERRAL_CONFIG", str(extra))
    cfg = load()
    assert cfg["DEFAULT_LANGUAGE"] == "zh"
    assert cfg["MATCH"]["max_distance_km"] == 12.5


def test_a_missing_extra_file_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("REFERRAL_CONFIG", str(tmp_path / "absent.toml"))
    with pytest.raises(config.ConfigError, match="absent.toml"):
        load()


def test_explicit_overrides_win_and_merge_nested_tables():
    cfg = load({"MATCH": {"weights": {"distance": 0.4}}, "ENV": "test"})
    assert cfg["ENV"] == "test"
    assert cfg["MATCH"]["weights"] == {
        "need": 0.5,
        "distance": 0.4,
        "capacity": 0.15,
        "intensity": 0.1,
        "freshness": 0.05,
        "outcomes": 0.1,
    }


def test_production_refuses_to_start_with_the_development_secret_key():
    with pytest.raises(config.ConfigError, match="SECRET_KEY"):
        load({"ENV": "production"})


@pytest.mark.parametrize("weak", ["dev-admin-key-not-for-production", "short"])
def test_production_refuses_a_weak_bootstrap_admin_key(weak):
    with pytest.raises(config.ConfigError, match="ADMIN_KEY"):
        load({"ENV": "production", "SECRET_KEY": STRONG, "ENCRYPTION_KEY": SEALING_KEY, "ADMIN_KEY": weak})


def test_there_is_no_bootstrap_admin_key_unless_one_is_configured():
    assert load()["ADMIN_KEY"] == ""
    assert (
        load({"ENV": "production", "SECRET_KEY": STRONG, "ENCRYPTION_KEY": SEALING_KEY})["ADMIN_KEY"] == ""
    )  # allowed in production


def test_production_starts_with_real_secrets():
    assert (
        load({"ENV": "production", "SECRET_KEY": STRONG, "ENCRYPTION_KEY": SEALING_KEY, "ADMIN_KEY": STRONG + "x"})[
            "ENV"
        ]
        == "production"
    )


@pytest.mark.parametrize(
    "overrides, message",
    [
        ({"ENV": "staging"}, "ENV must be one of"),  # an unknown environment
        ({"MATCH": {"weights": {"need": -1}}}, "non-negative"),  # a negative weight
        ({"MATCH": {"max_distance_km": 0}}, "max_distance_km"),  # no radius at all
        ({"TIMEZONE": "Mars/Olympus_Mons"}, "TIMEZONE"),  # not an IANA time zone
    ],
)
def test_unusable_settings_are_refused_with_their_name(overrides, message):
    with pytest.raises(config.ConfigError, match=message):
        load(overrides)


@pytest.mark.parametrize("key, value", [("retention_days", -1), ("max_attempts", 0), ("gap_min_cell", "five")])
def test_referral_settings_out_of_range_are_refused_naming_the_setting(key, value):
    with pytest.raises(config.ConfigError, match=f"REFERRALS.{key} must be a number"):
        load({"REFERRALS": {key: value}})


def test_the_defaults_are_read_from_inside_the_package_so_an_installed_wheel_starts():
    assert resources.files("referral") / "default.toml" == config.DEFAULT_FILE
    assert config.DEFAULT_FILE.is_file()
    assert not (config.PROJECT_ROOT / "config" / "default.toml").exists()  # one copy, never two that drift
    assert "ENV" in config._read_toml(config.DEFAULT_FILE)


def test_the_wheel_ships_the_seeds_where_relative_config_paths_find_them():
    pyproject = tomllib.loads((config.PROJECT_ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert pyproject["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"] == {"seeds": "referral/seeds"}


def test_a_relative_path_is_found_in_the_checkout_else_inside_the_installed_package(monkeypatch, tmp_path):
    (tmp_path / "checkout" / "seeds").mkdir(parents=True)
    monkeypatch.setattr(config, "PROJECT_ROOT", tmp_path / "checkout")
    monkeypatch.setattr(config, "PACKAGE_ROOT", tmp_path / "site-packages" / "referral")
    assert config.project_path("seeds") == tmp_path / "checkout" / "seeds"
    assert config.project_path("seeds/needs.json") == tmp_path / "site-packages" / "referral" / "seeds" / "needs.json"
    assert config.project_path(str(tmp_path / "x.json")) == tmp_path / "x.json"


def test_the_example_site_file_for_production_only_names_settings_the_defaults_have():
    example = tomllib.loads((config.PROJECT_ROOT / "config" / "production.example.toml").read_text(encoding="utf-8"))
    assert example["ENV"] == "production"
    assert set(example) <= set(config._read_toml(config.DEFAULT_FILE))


def test_the_packaged_match_table_gives_exactly_the_cores_default_settings():
    # every weight and constant of the ranking is a MatchSettings field; default.toml names each at its default
    from referral.matching.settings import MatchSettings
    from referral.matchmaking import settings_from

    assert settings_from(load()) == MatchSettings()
    changed = settings_from(load({"MATCH": {"wait_unknown_score": 0.5, "intensity_fit": [[1, 1, 1]] * 3}}))
    assert (changed.wait_unknown_score, changed.intensity_fit) == (0.5, ((1.0, 1.0, 1.0),) * 3)


def test_ci_builds_the_wheel_and_starts_it_from_a_clean_virtualenv_after_the_suite():
    script = (config.PROJECT_ROOT / ".ci" / "run").read_text(encoding="utf-8")
    commands = [line.strip() for line in script.splitlines() if line.strip() and not line.lstrip().startswith("#")]
    assert commands[0] == "set -euo pipefail"  # a failing wheel check fails CI
    assert commands[-2:] == ["make test", "make wheel-check"]
    makefile = (config.PROJECT_ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\nwheel-check:", 1)[1].split("\n\n", 1)[0]
    assert "pip wheel" in recipe and "-m venv" in recipe and "referral init-db" in recipe and "create_app()" in recipe
