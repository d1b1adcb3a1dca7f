"""Deliveries against a real local SMTP server and a local HTTP receiver."""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from tests.service.conftest import free_port, local_smtp, write_service_toml

from tradepilot.automation.service import (
    list_jobs,
    list_notifications,
    notify,
    run_job_now,
)


class Receiver(BaseHTTPRequestHandler):
    """Answers 500 to the first POST, 200 after; keeps the bodies."""

    bodies: list[dict] = []

    def do_POST(self):  # noqa: N802 - http.server's hook name
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.bodies.append(body)
        self.send_response(500 if len(self.bodies) == 1 else 200)
        self.end_headers()
        self.wfile.write(b"ok")

    def log_message(self, *args):
        pass


@pytest.fixture
def receiver():
    Receiver.bodies = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), Receiver)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", Receiver.bodies
    server.shutdown()
    server.server_close()


def _config(home, webhook, *, attempts=8):
    (home / "automation.toml").write_text(
        "[notify]\n"
        'email = ["owner@shop.test"]\n'
        f'webhook = "{webhook}"\n'
        f"max_attempts = {attempts}\n"
        "backoff_seconds = 0\n"
    )


def test_a_failed_webhook_is_retried_and_the_mail_is_sent(engine, tmp_path, receiver):
    url, bodies = receiver
    with local_smtp() as (port, mailbag):
        write_service_toml(tmp_path, smtp_port=port)
        _config(tmp_path, url)

        first = notify(engine, home=tmp_path, subject="2 new alerts", text="- stockout")
        after_first = {n["channel"]: n for n in list_notifications(engine)}
        retry = run_job_now(engine, home=tmp_path, name="notifications")

    assert (first["sent"], first["retrying"]) == (1, 1)
    assert after_first["webhook"]["status"] == "pending"
    assert after_first["webhook"]["attempts"] == 1
    assert "HTTP 500" in after_first["webhook"]["last_error"]
    assert after_first["email"]["status"] == "sent"
    assert mailbag.mails[0]["to"] == ["owner@shop.test"]
    assert "Subject: 2 new alerts" in mailbag.mails[0]["data"]
    assert retry["outcome"] == "ok"
    assert retry["detail"] == {"sent": 1, "retrying": 0, "failed": 0}
    assert bodies == [{"text": "2 new alerts\n- stockout"}] * 2  # Slack's body
    assert [n["status"] for n in list_notifications(engine)] == ["sent", "sent"]


def test_an_unreachable_receiver_is_reported_as_failed_never_dropped(engine, tmp_path):
    _config(tmp_path, f"http://127.0.0.1:{free_port()}/hook", attempts=2)
    write_service_toml(tmp_path, smtp_port=free_port())  # nobody listens there

    notify(engine, home=tmp_path, subject="s", text="t")
    run_job_now(engine, home=tmp_path, name="notifications")
    report = list_jobs(engine, home=tmp_path)

    assert report["notifications"] == {"pending": 0, "sent": 0, "failed": 2}
    failed = list_notifications(engine, status="failed")
    assert sorted(n["channel"] for n in failed) == ["email", "webhook"]
    assert all(n["attempts"] == 2 and n["last_error"] for n in failed)
    assert "not delivered" in failed[0]["last_error"] + failed[1]["last_error"]
