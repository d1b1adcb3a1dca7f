"""/api/v1/inbox and the Inbox page's fragments, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from tests.service.conftest import make_eml, write_service_toml

from tradepilot.service.service import import_messages


@pytest.fixture
def inbox(app: FastAPI, tmp_path: Path) -> FastAPI:
    state = app.state.tradepilot
    path = tmp_path / "m.eml"
    path.write_bytes(make_eml(body="Where is my parcel?"))
    import_messages(state.engine, home=state.settings.home, path=path)
    return app


def test_an_empty_inbox_lists_nothing_with_a_note(client: TestClient) -> None:
    found = client.get("/api/v1/inbox").json()

    assert found["messages"] == []
    assert found["notes"] == [
        "no messages yet: import some with `tradepilot inbox import`"
    ]


def test_list_show_draft_and_approve(inbox: FastAPI, client: TestClient) -> None:
    listed = client.get("/api/v1/inbox").json()["messages"]
    message = listed[0]["id"]

    shown = client.get(f"/api/v1/inbox/{message}").json()
    drafted = client.post(f"/api/v1/inbox/{message}/draft").json()
    edited = client.put(
        f"/api/v1/inbox/{message}/draft", json={"body": "Hello,\n\nOn its way."}
    ).json()
    approved = client.post(f"/api/v1/inbox/{message}/approve", json={"by": "me"})

    assert set(listed[0]) >= {
        "id", "received_at", "language", "intent", "confidence", "sentiment",
        "urgency", "order", "customer", "status",
    }  # fmt: skip
    assert shown["text"] == "Where is my parcel?"
    assert {"language", "intent", "draft", "facts", "template", "flags"} <= set(drafted)
    assert edited["draft"] == "Hello,\n\nOn its way."
    assert approved.status_code == 200
    assert approved.json()["approved_at"] is not None


def test_sending_without_approval_is_refused(
    inbox: FastAPI, client: TestClient
) -> None:
    write_service_toml(inbox.state.tradepilot.settings.home)
    client.post("/api/v1/inbox/1/draft")

    response = client.post("/api/v1/inbox/1/send")

    assert response.status_code == 422
    assert "nothing is sent without approval" in response.json()["detail"]


def test_an_unknown_message_is_a_problem(inbox: FastAPI, client: TestClient) -> None:
    response = client.get("/api/v1/inbox/999")

    assert response.status_code == 422
    assert response.json()["detail"].startswith("no message 999")


def test_an_intent_is_corrected_and_a_bad_one_refused(
    inbox: FastAPI, client: TestClient
) -> None:
    client.post("/api/v1/inbox/1/draft")

    corrected = client.put("/api/v1/inbox/1/intent", json={"intent": "complaint"})
    refused = client.put("/api/v1/inbox/1/intent", json={"intent": "unknown"})
    malformed = client.put("/api/v1/inbox/1/intent", json={"intent": "two words"})

    assert corrected.status_code == 200
    found = corrected.json()
    assert (found["intent"], found["corrections"]) == ("complaint", 1)
    assert found["draft"]["intent"] == "complaint"  # drafted again at once
    assert client.get("/api/v1/inbox/1").json()["intent"] == "complaint"
    assert refused.status_code == 422
    assert "expected a label" in refused.json()["detail"]
    assert malformed.status_code == 422
