"""Cross-origin requests from browser case apps: an allow-list of origins from config
(``CORS_ORIGINS``; empty: no cross-origin access at all). Preflights are answered without a key;
the headers a client needs to edit safely and page through lists are exposed.
"""

from __future__ import annotations

from flask import Flask
from flask_cors import CORS

EXPOSED = ["ETag", "Location", "Link", "Retry-After", "Content-Language"]
ALLOWED = ["Authorization", "Content-Type", "If-Match", "Accept-Language"]


def init_app(app: Flask) -> None:
    origins = list(app.config.get("CORS_ORIGINS") or [])
    if not origins:
        return
    CORS(
        app,
        origins=origins,
        expose_headers=EXPOSED,
        allow_headers=ALLOWED,
        methods=["GET", "POST", "PATCH", "DELETE"],
        max_age=600,
        supports_credentials=False,
    )
