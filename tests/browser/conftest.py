"""A live portal on loopback (SQLite, demo data) and the system Chromium driven by Playwright."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect, sync_playwright
from werkzeug.serving import make_server

from learning_portal import create_app, migrate
from learning_portal.clock import utcnow
from learning_portal.config import ROOT, TestConfig
from learning_portal.content_import.importer import import_tree
from learning_portal.content_import.parser import load_tree
from learning_portal.db import make_engine, session_factory
from learning_portal.demo.services import load_demo
from tests.xapi.receiver import BASE_URL, CREDENTIALS, HOMEPAGE, LrsProcess

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory, lrs_process: LrsProcess) -> Flask:
    """The portal as `make run` sets it up: migrated, all content imported, demo data loaded; and telling the
    test LRS what learners do."""
    tmp = tmp_path_factory.mktemp("live")
    url = f"sqlite:///{tmp / 'portal.db'}"
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    app = create_app(TestConfig, DATABASE_URL=url, DEMO=True, INSTANCE_PATH=str(tmp), WTF_CSRF_ENABLED=True,
                     CREDIT_POSTER="inprocess", CREDIT_POLL_SECONDS=0.5, MEDIA_INGEST_INLINE=False,
                     XAPI_LRS_URL=lrs_process.endpoint, XAPI_LRS_USERNAME=CREDENTIALS[0],
                     XAPI_LRS_PASSWORD=CREDENTIALS[1], XAPI_BASE_URL=BASE_URL, XAPI_ACCOUNT_HOMEPAGE=HOMEPAGE,
                     XAPI_SENDER="inprocess", XAPI_POLL_SECONDS=0.5)
    tree = load_tree(ROOT / "content")
    assert tree.ok, [str(p) for p in tree.problems]
    with session_factory(app)() as session:
        import_tree(session, tree, now=utcnow())
        load_demo(session, now=utcnow())
        session.commit()
    return app


@pytest.fixture(scope="session")
def live_server(live_app: Flask) -> Iterator[str]:
    server = make_server("127.0.0.1", 0, live_app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(timeout=10)


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(params=["phone", "desktop"])
def page(request: pytest.FixtureRequest, browser: Browser, live_server: str) -> Iterator[Page]:
    viewport = PHONE if request.param == "phone" else DESKTOP
    context = browser.new_context(viewport=viewport, base_url=live_server)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.viewport_name = request.param  # type: ignore[attr-defined]
    yield page
    context.close()


def screenshot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}-{page.viewport_name}.png"), full_page=True)  # type: ignore[attr-defined]


def wait_for_credit(page: Page, title: str, number_prefix: str) -> None:
    """Open My profile until the in-process poster has written the course's record (within seconds)."""
    page.get_by_role("link", name="My profile").click()
    for _ in range(20):
        if page.get_by_role("table").get_by_text(title).count():
            break
        page.wait_for_timeout(500)
        page.reload()
    expect(page.get_by_role("table").get_by_role("cell", name=f"{title} {number_prefix}")).to_be_visible()
