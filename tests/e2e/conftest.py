"""Browser tests: the app served by uvicorn on 127.0.0.1 and driven by chromium.

Every page opened through the ``page`` fixture is watched: a console error (CSP
violations are reported as console errors), an uncaught script error, a failed
request or a request to any host other than 127.0.0.1 fails the test.
"""

from __future__ import annotations

import gzip
import itertools
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import pytest
import uvicorn
from fastapi import FastAPI
from playwright.sync_api import (
    Browser,
    BrowserContext,
    ConsoleMessage,
    Page,
    Request,
    Route,
    sync_playwright,
)
from tests.conftest import skip_or_fail

from tradepilot.app import create_app
from tradepilot.config import Settings
from tradepilot.workspace import init_workspace

REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = REPO / "test-artifacts" / "e2e"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
HOST = "127.0.0.1"
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
OWNER = "owner@shop.test"
PASSWORD = "correct horse battery"
RETAIL_FILE = Path("online_retail") / "online_retail_2010_2011.csv.gz"
SAMPLE_ROWS = 3000
SERVER_START_SECONDS = 10.0


@dataclass
class BrowserProblems:
    """What went wrong in the browser while a test ran, as readable lines."""

    console_errors: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    failed_requests: list[str] = field(default_factory=list)
    foreign_requests: list[str] = field(default_factory=list)

    def all(self) -> list[str]:
        """Every problem, labelled by kind."""
        return [
            *(f"console error: {m}" for m in self.console_errors),
            *(f"page error: {m}" for m in self.page_errors),
            *(f"request failed: {m}" for m in self.failed_requests),
            *(f"request to another host (blocked): {m}" for m in self.foreign_requests),
        ]

    @contextmanager
    def expected_console_error(self, text: str) -> Iterator[None]:
        """Expect exactly one console error containing ``text`` within the block.

        Chromium logs every 4xx page as a console error, so a test that provokes
        one (a wrong password) says so here; any other error still counts.
        """
        before = len(self.console_errors)
        yield
        new = self.console_errors[before:]
        matching = [m for m in new if text in m]
        assert len(matching) == 1, f"expected one console error with {text!r}: {new}"
        self.console_errors.remove(matching[0])


@pytest.fixture
def workspace_settings(tmp_path: Path) -> Settings:
    """A fresh, empty SQLite workspace (no owner yet)."""
    settings = Settings(home=tmp_path / "workspace", database_url=None)
    init_workspace(settings).dispose()
    return settings


@pytest.fixture
def live_app(workspace_settings: Settings) -> Iterator[FastAPI]:
    """The app of the workspace; tests may seed its store through ``app.state``."""
    app = create_app(workspace_settings)
    yield app
    app.state.tradepilot.engine.dispose()


@pytest.fixture
def base_url(live_app: FastAPI) -> Iterator[str]:
    """URL of ``live_app`` served by uvicorn in a background thread."""
    # Binding here and handing uvicorn the socket leaves no window for another
    # process to take the port between choosing it and listening on it.
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind((HOST, 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        live_app,
        host=HOST,
        port=port,
        log_level="warning",
        # The pages use no websockets; "none" keeps uvicorn from importing a
        # websockets implementation (and its deprecation warnings).
        ws="none",
        lifespan="off",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="uvicorn", daemon=True
    )
    thread.start()
    _wait_until_started(server, thread)
    yield f"http://{HOST}:{port}"
    server.should_exit = True
    thread.join(timeout=SERVER_START_SECONDS)
    sock.close()
    assert not thread.is_alive(), "uvicorn did not stop"


def _wait_until_started(server: uvicorn.Server, thread: threading.Thread) -> None:
    waited = 0.0
    while not server.started:
        # join() doubles as the pause between checks and notices a crashed server.
        thread.join(timeout=0.01)
        waited += 0.01
        if not thread.is_alive() or waited > SERVER_START_SECONDS:
            pytest.fail(f"uvicorn did not start on {server.config.port}")


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    """Debian's chromium driven by Playwright (never a downloaded browser)."""
    if not CHROMIUM.exists():
        skip_or_fail(f"chromium not found at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
        )
        yield launched
        launched.close()


@pytest.fixture
def browser_problems() -> BrowserProblems:
    """Problems seen by ``page``; checked after each test."""
    return BrowserProblems()


@pytest.fixture
def page(
    browser: Browser, base_url: str, browser_problems: BrowserProblems
) -> Iterator[Page]:
    """A fresh browser tab (1280 x 900) on ``base_url``; fails on browser problems."""
    context = browser.new_context(base_url=base_url, viewport=DESKTOP)
    _watch(context, browser_problems)
    tab = context.new_page()
    tab.on("console", lambda m: _console(m, browser_problems))
    tab.on("pageerror", lambda e: browser_problems.page_errors.append(str(e)))
    yield tab
    found = browser_problems.all()
    context.close()
    assert found == [], "the browser reported problems:\n" + "\n".join(found)


def _watch(context: BrowserContext, problems: BrowserProblems) -> None:
    def block(route: Route) -> None:
        problems.foreign_requests.append(route.request.url)
        route.abort()

    def failed(request: Request) -> None:
        if request.failure == "net::ERR_ABORTED":
            # The browser cancels a page's pending fetches (the map's topojson,
            # say) when a test moves on to another page; not a failure of ours.
            # Foreign requests are aborted by ``block`` and recorded there.
            return
        problems.failed_requests.append(
            f"{request.method} {request.url}: {request.failure}"
        )

    context.route(lambda url: urlsplit(url).hostname != HOST, block)
    context.on("requestfailed", failed)


def _console(message: ConsoleMessage, problems: BrowserProblems) -> None:
    if message.type == "error":
        where = message.location.get("url", "")
        problems.console_errors.append(f"{message.text} ({where})")


@pytest.fixture
def screenshots() -> Path:
    """Folder of the screenshots kept as test artefacts (git-ignored)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def retail_sample(shared_data: Path, tmp_path: Path) -> Path:
    """The header and the first 3,000 rows of the real Online Retail file."""
    target = tmp_path / "online_retail_sample.csv"
    with gzip.open(shared_data / RETAIL_FILE, "rb") as source:
        target.write_bytes(b"".join(itertools.islice(source, SAMPLE_ROWS + 1)))
    return target
