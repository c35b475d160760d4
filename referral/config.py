"""Configuration layering and fail-fast validation.

Order, later wins: ``referral/default.toml`` (shipped inside the package, read with
importlib.resources, so an installed wheel starts) → the TOML file named by ``REFERRAL_CONFIG`` →
``REFERRAL_*`` environment variables → explicit overrides passed to ``create_app`` (tests).
Nothing here is read at import time. This module must not import the database or the web layer.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from flask import Config

PACKAGE_ROOT = Path(__file__).resolve().parent
# A source checkout (seeds/, tests/); in an installed wheel this is site-packages, and the seeds are
# found inside the package instead (see project_path).
PROJECT_ROOT = PACKAGE_ROOT.parent
DEFAULT_FILE: Traversable = resources.files("referral") / "default.toml"
ENVIRONMENTS = ("development", "test", "production")
# Values that must never reach production: the development defaults in default.toml.
DEVELOPMENT_MARKER = "not-for-production"


class ConfigError(RuntimeError):
    """The configuration cannot be used; the message says which setting and why."""


def load(config: Config, overrides: Mapping[str, Any] | None = None) -> None:
    """Fill ``config`` from the layers above, then validate it."""
    _merge(config, _read_toml(DEFAULT_FILE))
    extra = os.environ.get("REFERRAL_CONFIG")
    if extra:
        if not Path(extra).is_file():
            raise ConfigError(f"REFERRAL_CONFIG names {extra!r}, which is not a file")
        _merge(config, _read_toml(Path(extra)))
    from_env = Config(config.root_path)
    from_env.from_prefixed_env("REFERRAL")
    # Flask keeps the case of nested keys (REFERRAL_MATCH__MAX_DISTANCE_KM); tables use lower case.
    _merge(config, {key: _lower_keys(value) for key, value in from_env.items()})
    if overrides:
        _merge(config, overrides)
    validate(config)


def _read_toml(path: Path | Traversable) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ConfigError(f"{path}: not valid TOML ({error})") from error
    return {key: value for key, value in data.items() if key.isupper()}


def _lower_keys(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k).lower(): _lower_keys(v) for k, v in value.items()}
    return value


def _merge(config: Config, overrides: Mapping[str, Any]) -> None:
    """Overrides replace top-level keys, but a dict (like MATCH) is merged one level down."""
    for key, value in overrides.items():
        current = config.get(key)
        if isinstance(current, dict) and isinstance(value, Mapping):
            config[key] = _deep_merge(current, value)
        else:
            config[key] = value


def _deep_merge(base: Mapping[str, Any], extra: Mapping[str, Any]) -> dict[str, Any]:
    merged = dict(base)
    for key, value in extra.items():
        if isinstance(merged.get(key), Mapping) and isinstance(value, Mapping):
            merged[key] = _deep_merge(merged[key], value)
        else:
            merged[key] = value
    return merged


def validate(config: Config) -> None:
    """Refuse settings that are unsafe or unusable, naming the setting."""
    env = config.get("ENV")
    if env not in ENVIRONMENTS:
        raise ConfigError(f"ENV must be one of {', '.join(ENVIRONMENTS)}, not {env!r}")
    if env == "production":
        for key in ("SECRET_KEY", "ADMIN_KEY"):
            value = str(config.get(key) or "")
            if key == "ADMIN_KEY" and not value:
                continue  # no bootstrap key: admins use keys made with `referral create-key`
            if not value or DEVELOPMENT_MARKER in value or len(value) < 16:
                raise ConfigError(
                    f"{key} holds a development or empty value; set REFERRAL_{key} "
                    "(at least 16 characters) before running in production"
                )
    _check_encryption_key(config.get("ENCRYPTION_KEY"), env)
    _check_referrals(config.get("REFERRALS") or {})
    weights = config["MATCH"].get("weights", {})
    if not weights or any(float(w) < 0 for w in weights.values()) or sum(weights.values()) <= 0:
        raise ConfigError("MATCH.weights must be non-negative numbers with a positive sum")
    if float(config["MATCH"].get("max_distance_km", 0)) <= 0:
        raise ConfigError("MATCH.max_distance_km must be positive")
    if not (
        0 < float(config["MATCH"].get("place_min_confidence", 0.8)) <= 1
        and 0 <= float(config["MATCH"].get("place_ambiguity_margin", 0.05)) < 1
    ):
        raise ConfigError("MATCH.place_min_confidence must be in (0, 1] and MATCH.place_ambiguity_margin in [0, 1)")
    if not 0 <= float(config.get("KEY_CACHE_SECONDS", 1.0)) <= 5:
        raise ConfigError("KEY_CACHE_SECONDS must be between 0 and 5: revoked keys keep working that long")
    try:
        ZoneInfo(config.get("TIMEZONE") or "UTC")
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"TIMEZONE {config.get('TIMEZONE')!r} is not an IANA time zone such as 'Europe/Paris'"
        ) from None


# base64 of "dev-key-not-for-production-00000": referral/default.toml's public development key.
DEVELOPMENT_ENCRYPTION_KEY = "ZGV2LWtleS1ub3QtZm9yLXByb2R1Y3Rpb24tMDAwMDA="


def _check_encryption_key(value: Any, env: str) -> None:
    """ENCRYPTION_KEY: one Fernet key or a list (rotation); never the development key in production."""
    from referral.sealing import SealingError, keys_of

    try:
        keys = keys_of(value)
    except SealingError as error:
        raise ConfigError(f"ENCRYPTION_KEY: {error}") from None
    if env == "production" and DEVELOPMENT_ENCRYPTION_KEY in keys:
        raise ConfigError(
            "ENCRYPTION_KEY holds the development key; set ENCRYPTION_KEY "
            "to a key made with `referral new-encryption-key` before running in production"
        )


REFERRAL_MINIMUMS = {
    "retention_days": 0,
    "max_attempts": 1,
    "backoff_base_seconds": 0,
    "max_backoff_seconds": 0,
    "delivery_timeout_seconds": 0.1,
    "worker_poll_seconds": 0.01,
    "worker_purge_seconds": 1,
    "gap_min_cell": 1,
}


def _check_referrals(settings: Mapping[str, Any]) -> None:
    """Every REFERRALS setting is a number at or above its minimum."""
    for key, least in REFERRAL_MINIMUMS.items():
        value = settings.get(key)
        if isinstance(value, bool) or not isinstance(value, (int, float)) or value < least:
            raise ConfigError(f"REFERRALS.{key} must be a number of at least {least}, not {value!r}")
    if not isinstance(settings.get("webhook_allow_private", False), bool):
        raise ConfigError(
            f"REFERRALS.webhook_allow_private must be true or false, not {settings['webhook_allow_private']!r}"
        )


def database_url(config: Mapping[str, Any], instance_path: str) -> str:
    """The configured database URL, or an SQLite file in the instance folder."""
    url = config.get("DATABASE_URL") or ""
    if url:
        return url
    Path(instance_path).mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{Path(instance_path) / 'referral.db'}"


def project_path(value: str) -> Path:
    """A path from config: absolute as given; relative to the project root in a source checkout;
    else inside the package, where a wheel ships ``seeds/`` (pyproject.toml's force-include)."""
    path = Path(value)
    if path.is_absolute():
        return path
    in_checkout = PROJECT_ROOT / path
    return in_checkout if in_checkout.exists() else PACKAGE_ROOT / path
