"""The chat client against a real local HTTP server speaking the OpenAI API."""

from __future__ import annotations

import socket

import pytest
from tests.llm.fake_llm import completion, fake_llm

from tradepilot.config import Settings
from tradepilot.domain.errors import ExternalServiceError
from tradepilot.llm.client import ChatClient, LlmSettings, is_local_url, llm_settings
from tradepilot.llm.pii import Redactor

HELLO = [{"role": "user", "content": "hello"}]


def test_a_text_reply_and_a_tool_call_are_parsed() -> None:
    # given a server answering with a tool call, then text
    replies = [completion(calls=[("status", {})]), completion("All fine.")]
    with fake_llm(replies) as server:
        client = ChatClient(LlmSettings(url=server.url, model="m1", api_key="k"))
        # when
        first = client.chat(HELLO, tools=[{"type": "function"}])
        second = client.chat(HELLO)
    # then
    assert [(c.name, c.arguments) for c in first.tool_calls] == [("status", {})]
    assert second.content == "All fine."
    assert server.requests[0]["model"] == "m1"
    assert server.requests[0]["tools"] == [{"type": "function"}]
    assert "tools" not in server.requests[1]


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        pytest.param("<html>busy</html>", "did not reply with JSON", id="not-json"),
        pytest.param({"error": "x"}, "not a chat completion", id="no-choices"),
        pytest.param({"choices": []}, "not a chat completion", id="empty-choices"),
        pytest.param(
            {
                "choices": [
                    {
                        "message": {
                            "tool_calls": [
                                {"function": {"name": "s", "arguments": "{oops"}}
                            ]
                        }
                    }
                ]
            },  # fmt: skip
            "tool call that is not a function",
            id="bad-arguments",
        ),
        pytest.param(
            {"choices": [{"message": {"content": {"a": 1}}}]},
            "content is not text",
            id="content-not-text",
        ),
    ],
)
def test_nonsense_is_a_clear_error(reply: object, message: str) -> None:
    with fake_llm([reply]) as server:
        client = ChatClient(LlmSettings(url=server.url))
        with pytest.raises(ExternalServiceError, match=message):
            client.chat(HELLO)


def test_a_timeout_names_the_setting() -> None:
    with fake_llm([("sleep", 1.0)]) as server:
        client = ChatClient(LlmSettings(url=server.url, timeout=0.3))
        with pytest.raises(ExternalServiceError, match="TRADEPILOT_LLM_TIMEOUT"):
            client.chat(HELLO)


def test_an_unreachable_endpoint_is_a_clear_error() -> None:
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = ChatClient(LlmSettings(url=f"http://127.0.0.1:{port}/v1", timeout=2))
    with pytest.raises(ExternalServiceError, match="cannot be reached"):
        client.chat(HELLO)


def test_personal_data_is_replaced_before_sending_and_restored() -> None:
    # given an endpoint treated as off this machine
    text = "Anna Schmidt (anna@example.com, +49 30 1234567) asks about #1001"
    reply = completion("Dear [NAME_2], we wrote to [EMAIL_1] about #1001.")
    with fake_llm([reply]) as server:
        client = ChatClient(LlmSettings(url=server.url, redact=True))
        # when
        answer = client.chat([{"role": "user", "content": text}],
                             redactor=Redactor(names=["Anna Schmidt"]))  # fmt: skip
    # then nothing personal left the machine, and the reply reads naturally
    sent = server.requests[0]["messages"][0]["content"]
    assert sent == "[NAME_1] ([EMAIL_1], [PHONE_1]) asks about #1001"
    assert answer.content == "Dear Anna, we wrote to anna@example.com about #1001."


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:8080/v1", True),
        ("http://localhost:11434/v1", True),
        ("http://[::1]:8000/v1", True),
        ("https://api.openai.com/v1", False),
        ("http://192.168.1.20:8080/v1", False),
    ],
)
def test_only_loopback_endpoints_are_local(url: str, local: bool) -> None:
    assert is_local_url(url) is local
    assert LlmSettings(url=url).redacts is not local


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    assert llm_settings(Settings()) is None
    monkeypatch.setenv("TRADEPILOT_LLM_URL", "http://127.0.0.1:9/v1")
    monkeypatch.setenv("TRADEPILOT_LLM_MODEL", "qwen")
    monkeypatch.setenv("TRADEPILOT_LLM_TIMEOUT", "5")
    found = llm_settings(Settings())
    assert found == LlmSettings(url="http://127.0.0.1:9/v1", model="qwen", timeout=5)
    assert found.endpoint == "http://127.0.0.1:9/v1/chat/completions"
