"""Configuration layering and the refusal to run production on development secrets."""

from __future__ import annotations

import pytest
from flask import Config

from referral import config

STRONG = "a-real-secret-of-enough-length-1234"


def load(overrides=None, **env):  # noqa: ANN001, ANN003, ANN201
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
    assert cfg["MATCH"]["weights"] == {"need": 0.5, "distance": 0.4, "capacity": 0.15,
                                       "intensity": 0.1, "freshness": 0.05}


@pytest.mark.parametrize("key", ["SECRET_KEY", "ADMIN_KEY"])
def test_production_refuses_to_start_with_a_development_secret(key):
    overrides = {"ENV": "production", "SECRET_KEY": STRONG, "ADMIN_KEY": STRONG}
    overrides.pop(key)
    with pytest.raises(config.ConfigError, match=key):
        load(overrides)


def test_production_starts_with_real_secrets():
    assert load({"ENV": "production", "SECRET_KEY": STRONG, "ADMIN_KEY": STRONG + "x"})["ENV"] == "production"


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
