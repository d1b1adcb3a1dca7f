"""Reply drafts by the optional LLM (a local fake OpenAI-compatible server):
free-form messages, the grounding check, PII placeholders, failures."""

from __future__ import annotations

import pytest
import sqlalchemy as sa
from tests.llm.fake_llm import completion, fake_llm
from tests.service.conftest import ANNA, NOW

from tradepilot.domain.errors import ExternalServiceError
from tradepilot.llm.client import ChatClient, LlmSettings
from tradepilot.service.service import draft_reply, import_messages, list_messages
from tradepilot.store.tables_service import support_drafts


def _message(engine, home, write_eml, **kwargs) -> int:
    import_messages(engine, home=home, path=write_eml(**kwargs), now=NOW)
    return list_messages(engine, now=NOW)["messages"][0]["id"]


def test_a_free_form_message_is_drafted_by_the_llm_and_checked(
    shop, home, write_eml
) -> None:
    # given a message the intent model abstains on, and an LLM that invents a date
    message = _message(shop, home, write_eml,
                       body="Can you gift-wrap order K-2024-0001 for me")  # fmt: skip
    reply = completion("Hello Anna, order K-2024-0001 will be gift-wrapped and"
                       " arrive on 2031-01-01.\nLindqvist Home")  # fmt: skip
    with fake_llm([reply]) as server:
        client = ChatClient(LlmSettings(url=server.url, model="fake-7b"))
        # when
        draft = draft_reply(shop, message_id=message, home=home, now=NOW,
                            client=client)  # fmt: skip
    # then the LLM wrote it, the made-up date is flagged, the facts were sent
    assert draft["llm"] == "fake-7b"
    assert "template" not in draft
    assert draft["draft"].startswith("Hello Anna, order K-2024-0001")
    assert any("2031-01-01" in f and "K-2024" not in f for f in draft["flags"])
    sent = server.requests[0]["messages"]
    assert "K-2024-0001" in sent[1]["content"]
    assert "'en'" in sent[0]["content"]


def test_personal_data_does_not_leave_for_a_remote_endpoint(
    shop, home, write_eml
) -> None:
    message = _message(shop, home, write_eml, body="Call me on +49 30 1234567")
    reply = completion("Dear [NAME_2], we will call [PHONE_1].")
    with fake_llm([reply]) as server:
        client = ChatClient(LlmSettings(url=server.url, redact=True))
        draft = draft_reply(shop, message_id=message, home=home, now=NOW,
                            client=client)  # fmt: skip
    sent = " ".join(m["content"] for m in server.requests[0]["messages"])
    assert "Anna" not in sent
    assert ANNA not in sent
    assert "1234567" not in sent
    assert draft["draft"] == "Dear Anna, we will call +49 30 1234567."


def test_an_endpoint_that_times_out_stores_no_draft(shop, home, write_eml) -> None:
    message = _message(shop, home, write_eml, body="Hello there")
    with fake_llm([("sleep", 1.0)]) as server:
        client = ChatClient(LlmSettings(url=server.url, timeout=0.3))
        with pytest.raises(ExternalServiceError, match="did not answer within"):
            draft_reply(shop, message_id=message, home=home, now=NOW, client=client)
    with shop.connect() as conn:
        count = conn.execute(sa.select(sa.func.count()).select_from(support_drafts))
        assert count.scalar_one() == 0
