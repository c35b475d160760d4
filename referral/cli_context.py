"""What a ``referral`` command that needs only the database gets: the configuration, the database
and the instance folder (``Data``), from the data layer (``config`` + ``db``), without the web app.

``pass_data`` hands a command its ``Data``: the console's own (``cli.Console``: built from config
on first use), or, when Flask runs the command with an app at hand (``flask --app``, or the tests'
``app.test_cli_runner()``), that app's config and database. Commands that need the app itself (the
match index, the worker's extensions) use Flask's ``with_appcontext`` instead. This module must not
import the app, the API or the pages.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Concatenate, ParamSpec, TypeVar

import click
from flask import Config
from flask.sansio.scaffold import find_package

from referral import config as config_module
from referral import db

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(frozen=True)
class Data:
    """The configuration, the database and the instance folder of one command."""

    config: Mapping[str, Any]
    database: db.Database
    instance_path: str

    @classmethod
    def from_config(cls, overrides: Mapping[str, Any] | None = None) -> Data:
        """Read the configuration layers (config.py) and build the database, as the app factory does."""
        config = Config(str(config_module.PACKAGE_ROOT))
        config_module.load(config, overrides)
        path = instance_path()
        url = config_module.database_url(config, path)
        return cls(config, db.build(url, echo=bool(config.get("SQL_ECHO"))), path)

    @classmethod
    def of_app(cls, app: Any) -> Data:
        """The config and database of an app already built (Flask's ScriptInfo gave it)."""
        return cls(app.config, app.extensions["referral.db"], app.instance_path)


def instance_path() -> str:
    """The instance folder Flask gives the app ``referral`` (its own rule), so the CLI and the server
    find the same SQLite file: ``instance/`` beside the package in a checkout, else
    ``<prefix>/var/referral-instance``."""
    prefix, package_path = find_package("referral")
    if prefix is None:
        return os.path.join(package_path, "instance")
    return os.path.join(prefix, "var", "referral-instance")


def data_of(ctx: click.Context) -> Data:
    """The ``Data`` of the running command (see the module docstring)."""
    holder = ctx.obj
    if isinstance(getattr(holder, "command_data", None), Data):  # the ``referral`` console: the database alone
        return holder.command_data
    if hasattr(holder, "load_app"):  # Flask's ScriptInfo: an app is at hand
        return Data.of_app(holder.load_app())
    data = Data.from_config()
    ctx.call_on_close(data.database.engine.dispose)
    return data


def pass_data(command: Callable[Concatenate[Data, P], R]) -> Callable[P, R]:
    """A click command callback that receives the ``Data`` first."""

    @functools.wraps(command)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        return command(data_of(click.get_current_context()), *args, **kwargs)

    return run
