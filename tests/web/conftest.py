"""Fixtures of the web pages: the demo directory on a temporary SQLite database, keys for each role,
and — for the browser tests — the app served by a threaded werkzeug server on 127.0.0.1 and
Debian's chromium driven through chromedriver (never a browser a tool downloads)."""

from __future__ import annotations

import os
import re
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select

from referral import accounts, migrate
from referral.app import create_app
from referral.config import PROJECT_ROOT
from referral.db import get_db, make_engine
from referral.models import Organization
from referral.policy import CLI
from referral.seeding import load

CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
ARTIFACTS = PROJECT_ROOT / "test-artifacts"
EDITED_ORG = "太仓市妇联家庭教育指导服务中心"  # the demo organization whose editor the tests sign in as


def demo_app(folder: Path, **overrides):
    """A fresh app on the demo region (its own SQLite file), with one key per role in ``app.keys``."""
    url = f"sqlite:///{folder / 'web.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app(
        {"ENV": "test", "DATABASE_URL": url, "INDEX_CHECK_SECONDS": 0, "RATELIMIT_ENABLED": False, **overrides}
    )
    with app.app_context(), get_db().session(write=True) as session:
        load(session, PROJECT_ROOT / "seeds" / "needs.json", PROJECT_ROOT / "seeds" / "regions" / "suzhou-zhenjiang")
        org = session.scalars(select(Organization).where(Organization.name == EDITED_ORG)).one()
        app.keys = {
            role: _key(session, role, org.id if role == "org_editor" else None)
            for role in ("social_worker", "org_editor", "admin")
        }
        app.edited_org = org.id
    return app


def _key(session, role: str, organization_id: str | None) -> str:
    account = accounts.create_account(
        session, CLI, {"name": f"web {role}", "role": role, "organization_id": organization_id}
    )
    return accounts.issue_key(session, CLI, account.id)[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory):
    return demo_app(tmp_path_factory.mktemp("web"))


@pytest.fixture
def pages(demo):
    """A test client of the demo app, with a helper that signs in and reads CSRF tokens."""
    return Pages(demo)


class Pages:
    def __init__(self, app):
        self.app, self.client = app, app.test_client()

    def token(self, path: str = "/sign-in") -> str:
        page = self.client.get(path).get_data(as_text=True)
        return re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)

    def sign_in(self, role: str) -> None:
        response = self.client.post("/sign-in", data={"key": self.app.keys[role], "csrf_token": self.token()})
        assert response.status_code == 302, response.get_data(as_text=True)

    def post(self, path: str, data: dict, **kwargs):
        return self.client.post(path, data={**data, "csrf_token": self.token("/")}, **kwargs)


def browser_missing() -> str | None:
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        return (
            f"browser tests skipped: {CHROMIUM} and {CHROMEDRIVER} are not installed "
            "(apt-get install chromium chromium-driver; .ci/run installs them)"
        )
    return None


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, object]]:
    """The demo app served on 127.0.0.1 by a threaded werkzeug server, for the browser."""
    missing = browser_missing()
    if missing and os.environ.get("CI"):
        pytest.fail(missing)  # CI always runs them: .ci/run installs the browser
    if missing:
        pytest.skip(missing)
    from werkzeug.serving import make_server

    app = demo_app(tmp_path_factory.mktemp("served"))
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}", app
    httpd.shutdown()
    thread.join(10)


@pytest.fixture(scope="module")
def browser(server) -> Iterator[object]:
    """Headless chromium from Debian; Selenium Manager is never asked to download anything."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    os.environ["SE_OFFLINE"] = "true"  # Selenium Manager: never the network
    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--window-size=1280,1000",
        "--lang=zh-CN",
        "--disable-gpu",
    ):
        options.add_argument(argument)
    options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh"})
    driver = webdriver.Chrome(options=options, service=Service(executable_path=CHROMEDRIVER))
    driver.implicitly_wait(0)
    ARTIFACTS.mkdir(exist_ok=True)
    yield driver
    driver.quit()
