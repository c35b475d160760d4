"""The application factory: config → database → errors → access → blueprints → CLI."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from flask import Flask

from referral import config as config_module
from referral import db, matchmaking, web
from referral.api import access, admin, cors, errors, hsds, jsonout, limits, listings, logs, match, openapi, reference
from referral.api import jobs as jobs_api
from referral.api import referrals as referrals_api
from referral.commands import commands


def create_app(overrides: Mapping[str, Any] | None = None) -> Flask:
    """Build the app; ``overrides`` win over every other configuration layer (tests use them)."""
    app = Flask("referral", instance_relative_config=False)
    config_module.load(app.config, overrides)
    app.json = jsonout.OrjsonProvider(app)  # the same bytes as Flask's own, faster (api/jsonout.py)
    app.json.ensure_ascii = False  # keep Chinese (and every script) readable in responses
    app.json.sort_keys = False
    register_database(app)
    matchmaking.init_app(app)  # the worker's match index: the API, the pages and the CLI share it
    errors.init_app(app)
    logs.init_app(app)  # first: the access log times every request
    cors.init_app(app)  # preflights need no key
    limits.init_app(app)  # per address, before anything else runs
    access.init_app(app)  # authenticates, then the per-key limit
    register_blueprints(app)
    web.init_app(app)  # the pages: after the API, so its HTML error pages wrap the API's handlers
    register_cli(app)
    return app


def register_database(app: Flask) -> None:
    url = config_module.database_url(app.config, app.instance_path)
    db.init_app(app, db.build(url, echo=bool(app.config.get("SQL_ECHO"))))


def register_blueprints(app: Flask) -> None:
    for blueprint in listings.blueprints():
        app.register_blueprint(blueprint)
    app.register_blueprint(reference.bp)
    app.register_blueprint(match.bp)
    app.register_blueprint(admin.bp)
    app.register_blueprint(hsds.bp)
    app.register_blueprint(jobs_api.bp)
    app.register_blueprint(referrals_api.bp)
    referrals_api.init_app(app)
    app.register_blueprint(openapi.docs)


def register_cli(app: Flask) -> None:
    for command in commands():
        app.cli.add_command(command)
