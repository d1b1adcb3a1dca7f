"""``tradepilot brief``: on screen, as JSON, and by e-mail through a real local SMTP
server (aiosmtpd); a missing address or an unreachable server is a clear message
and saves nothing."""

from __future__ import annotations

import email
import json
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
from tests.service.conftest import free_port, local_smtp, write_service_toml
from typer.testing import CliRunner

from tradepilot.cli.main import app
from tradepilot.config import Settings
from tradepilot.ingest.service import import_file
from tradepilot.workspace import init_workspace

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
OWNER = "anna@lindqvist.example"


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite workspace with the example till export."""
    folder = tmp_path_factory.mktemp("brief") / "ws"
    engine = init_workspace(
        Settings(home=folder, database_url=None), base_currency="EUR"
    )
    import_file(engine, fmt="generic", path=EXAMPLES / "orders.example.csv",
                mapping=EXAMPLES / "mapping.example.yaml")  # fmt: skip
    engine.dispose()
    return folder


@pytest.fixture
def fresh(home: Path) -> Iterator[Path]:
    """``home`` without saved briefs or service.toml, before and after the test."""
    _clear(home)
    yield home
    _clear(home)


def _clear(home: Path) -> None:
    (home / "service.toml").unlink(missing_ok=True)
    with sqlite3.connect(home / "tradepilot.db") as db:
        db.execute("DELETE FROM assistant_briefs")


def _saved(home: Path) -> int:
    with sqlite3.connect(home / "tradepilot.db") as db:
        return int(db.execute("SELECT count(*) FROM assistant_briefs").fetchone()[0])


def test_brief_prints_the_text_and_saves_the_day(fresh: Path):
    result = CliRunner().invoke(
        app, ["brief", "--date", "2024-03-06", "-w", str(fresh)]
    )

    assert result.exit_code == 0, result.stderr
    assert result.stdout.startswith(
        "TradePilot brief for Wed 6 Mar 2024 (amounts in EUR)"
    )
    # the automation capability is installed: its (empty) approval queue is shown
    assert "Waiting for approval: nothing" in result.stdout
    assert _saved(fresh) == 1


def test_brief_json_has_the_contract_keys(fresh: Path):
    result = CliRunner().invoke(app, ["brief", "--json", "-w", str(fresh)])

    assert result.exit_code == 0, result.stderr
    brief = json.loads(result.stdout)
    assert {"date", "currency", "sales", "forecast", "cash", "alerts", "alerts_open",
            "waiting", "changes", "notes", "text"} <= set(brief)  # fmt: skip
    assert set(brief["sales"]) == {
        "yesterday", "week", "previous_week", "by_country", "by_channel"
    }  # fmt: skip
    assert brief["date"] == "2024-03-20"


def test_brief_email_sends_text_and_html_to_the_owner(fresh: Path):
    with local_smtp() as (port, received):
        write_service_toml(fresh, smtp_port=port, extra=f'brief_to = "{OWNER}"\n')

        result = CliRunner().invoke(
            app, ["brief", "--email", "--date", "2024-03-06", "-w", str(fresh)]
        )

    assert result.exit_code == 0, result.stderr
    assert f"sent to {OWNER}" in result.stdout
    [mail] = received.mails
    assert mail["to"] == [OWNER]
    message = email.message_from_string(mail["data"])
    assert message["Subject"] == "TradePilot brief for Wed 6 Mar 2024"
    assert message["From"] == "Lindqvist Home <support@lindqvist.example>"
    parts = {p.get_content_type(): p.get_payload(decode=True).decode()
             for p in message.walk() if not p.is_multipart()}  # fmt: skip
    assert set(parts) == {"text/plain", "text/html"}
    assert "Yesterday (Wed 6 Mar): 2 orders, 1,274.50 EUR" in parts["text/plain"]
    assert '<article class="brief" id="brief">' in parts["text/html"]
    assert _saved(fresh) == 1


def test_brief_email_without_an_address_names_the_setting(fresh: Path):
    write_service_toml(fresh, smtp_port=25)

    result = CliRunner().invoke(app, ["brief", "--email", "-w", str(fresh)])

    assert result.exit_code == 1
    assert "service.toml: set brief_to" in result.stderr
    assert _saved(fresh) == 0


def test_brief_email_to_an_unreachable_server_saves_nothing(fresh: Path):
    write_service_toml(fresh, smtp_port=free_port(), extra=f'brief_to = "{OWNER}"\n')

    result = CliRunner().invoke(app, ["brief", "--email", "-w", str(fresh)])

    assert result.exit_code == 1
    assert "the e-mail was not sent" in result.stderr
    assert "Traceback" not in result.stderr
    assert _saved(fresh) == 0


def test_api_brief_builds_it_and_refuses_a_date_out_of_range(fresh: Path):
    from fastapi.testclient import TestClient

    from tradepilot.app import create_app
    from tradepilot.auth.service import create_token

    app = create_app(Settings(home=fresh, database_url=None))
    engine = app.state.tradepilot.engine
    auth = {"Authorization": f"Bearer {create_token(engine, name='brief-test')}"}
    try:
        client = TestClient(app)
        ok = client.get("/api/v1/brief?date=2024-03-06", headers=auth)
        bad = client.get("/api/v1/brief?date=0001-01-01", headers=auth)
        anonymous = client.get("/api/v1/brief")
        page = client.get("/today", follow_redirects=False)
    finally:
        engine.dispose()

    assert ok.status_code == 200
    assert ok.json()["sales"]["yesterday"]["revenue"] == 1274.5
    assert bad.status_code == 422
    assert "between 1990-01-01 and 2100-12-31; got 0001-01-01" in bad.text
    assert anonymous.status_code == 401
    assert (page.status_code, page.headers["location"]) == (303, "/setup")  # no owner
    assert _saved(fresh) == 1
