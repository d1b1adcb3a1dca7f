"""A client for an OpenAI-compatible chat-completions endpoint (llama.cpp,
Ollama, vLLM, a hosted API), with tool calling.

Every failure — timeout, connection refused, an HTTP error, a body that is not
JSON or not a chat completion — is an :class:`ExternalServiceError` whose message
names the endpoint and what came back; nothing else escapes.

Before anything is sent to an endpoint that is not on this machine (a host other
than ``localhost``, ``127.x`` or ``::1``) the texts go through a
:class:`~tradepilot.llm.pii.Redactor`; the reply is restored with it.
"""

from __future__ import annotations

import ipaddress
import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from tradepilot.domain.errors import ExternalServiceError
from tradepilot.llm.pii import Redactor

if TYPE_CHECKING:
    import httpx

    from tradepilot.config import Settings

DEFAULT_MODEL = "default"
DEFAULT_TIMEOUT = 60.0


@dataclass(frozen=True)
class LlmSettings:
    """Where the LLM is and how to talk to it.

    Attributes
    ----------
    url : str
        Base URL of the OpenAI-compatible API (``http://127.0.0.1:8080/v1``);
        ``/chat/completions`` is appended unless the URL already ends with it.
    model : str
        Model name sent with each request.
    api_key : str or None
        Sent as ``Authorization: Bearer``.
    timeout : float
        Seconds to wait for a reply.
    redact : bool or None
        Replace personal data by placeholders before sending; None: only when the
        endpoint is not on this machine.
    """

    url: str
    model: str = DEFAULT_MODEL
    api_key: str | None = None
    timeout: float = DEFAULT_TIMEOUT
    redact: bool | None = None

    @property
    def endpoint(self) -> str:
        """The chat-completions URL."""
        base = self.url.rstrip("/")
        return (
            base if base.endswith("/chat/completions") else f"{base}/chat/completions"
        )

    @property
    def is_local(self) -> bool:
        """True when the endpoint's host is this machine (loopback)."""
        return is_local_url(self.url)

    @property
    def redacts(self) -> bool:
        """True when personal data is replaced before sending."""
        return (not self.is_local) if self.redact is None else self.redact


def is_local_url(url: str) -> bool:
    """True when ``url``'s host is ``localhost``, a ``127.x`` address or ``::1``.

    Examples
    --------
    >>> is_local_url("http://127.0.0.1:8080/v1"), is_local_url("http://[::1]:1/")
    (True, True)
    >>> is_local_url("https://api.example.com/v1")
    False
    """
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def llm_settings(settings: Settings) -> LlmSettings | None:
    """The LLM of ``settings`` (``TRADEPILOT_LLM_*``), None when no URL is set."""
    if not settings.llm_url:
        return None
    return LlmSettings(
        url=settings.llm_url,
        model=settings.llm_model or DEFAULT_MODEL,
        api_key=settings.llm_api_key,
        timeout=settings.llm_timeout,
        redact=settings.llm_redact,
    )


@dataclass(frozen=True)
class ToolCall:
    """One function call the model asked for (``arguments`` parsed from JSON)."""

    id: str
    name: str
    arguments: dict[str, Any]


@dataclass(frozen=True)
class ChatReply:
    """The assistant message of a completion: text, tool calls, or both."""

    content: str
    tool_calls: list[ToolCall] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)


class ChatClient:
    """Chat completions over HTTP.

    Parameters
    ----------
    settings : LlmSettings
        Endpoint, model, key, timeout, redaction.
    transport : httpx.BaseTransport, optional
        For tests that do not start a server (``httpx.MockTransport``).
    """

    def __init__(
        self, settings: LlmSettings, *, transport: httpx.BaseTransport | None = None
    ) -> None:
        self.settings = settings
        self.transport = transport

    @property
    def model(self) -> str:
        """The model name, as drafts and answers record it."""
        return self.settings.model

    def chat(
        self,
        messages: list[dict[str, Any]],
        *,
        tools: list[dict[str, Any]] | None = None,
        redactor: Redactor | None = None,
    ) -> ChatReply:
        """Send ``messages`` (and ``tools``), return the model's reply.

        With ``redactor`` (used when :attr:`LlmSettings.redacts`), message texts
        are redacted before sending and the reply's text and tool arguments
        restored.

        Raises
        ------
        ExternalServiceError
            On a timeout, an unreachable endpoint, an HTTP error status, or a
            reply that is not a chat completion.
        """
        import httpx

        sent = [_redacted(m, redactor) for m in messages] if redactor else messages
        body: dict[str, Any] = {"model": self.settings.model, "messages": sent}
        if tools:
            body["tools"] = tools
            body["tool_choice"] = "auto"
        headers = {"Content-Type": "application/json"}
        if self.settings.api_key:
            headers["Authorization"] = f"Bearer {self.settings.api_key}"
        where = self.settings.endpoint
        try:
            with httpx.Client(
                timeout=self.settings.timeout, transport=self.transport
            ) as client:
                response = client.post(where, json=body, headers=headers)
        except httpx.TimeoutException:
            raise ExternalServiceError(
                f"the LLM endpoint {where} did not answer within"
                f" {self.settings.timeout:g} s (TRADEPILOT_LLM_TIMEOUT)"
            ) from None
        except httpx.HTTPError as exc:
            raise ExternalServiceError(
                f"the LLM endpoint {where} cannot be reached: {exc}"
                " (check TRADEPILOT_LLM_URL)"
            ) from None
        if response.status_code >= 400:
            raise ExternalServiceError(
                f"the LLM endpoint {where} answered HTTP {response.status_code}:"
                f" {response.text[:200]!r}"
            )
        reply = parse_reply(response.text, where=where)
        return _restored(reply, redactor) if redactor else reply


def parse_reply(text: str, *, where: str = "the LLM endpoint") -> ChatReply:
    """The assistant message of a chat-completion body.

    Raises
    ------
    ExternalServiceError
        If ``text`` is not JSON, has no ``choices[0].message``, or a tool call's
        arguments are not a JSON object.

    Examples
    --------
    >>> parse_reply('{"choices": [{"message": {"content": "Hi"}}]}').content
    'Hi'
    """
    try:
        data = json.loads(text)
    except ValueError:
        raise ExternalServiceError(
            f"{where} did not reply with JSON; received {text[:120]!r}"
        ) from None
    try:
        message = data["choices"][0]["message"]
        if not isinstance(message, dict):
            raise TypeError
    except (KeyError, IndexError, TypeError):
        raise ExternalServiceError(
            f"{where} replied with JSON that is not a chat completion (expected"
            f" choices[0].message); received {text[:120]!r}"
        ) from None
    calls = [_tool_call(c, where) for c in message.get("tool_calls") or []]
    content = message.get("content") or ""
    if not isinstance(content, str):
        raise ExternalServiceError(
            f"{where}: the message content is not text; received {content!r:.120}"
        )
    return ChatReply(content=content, tool_calls=calls, raw=message)


def _tool_call(call: Any, where: str) -> ToolCall:
    try:
        function = call["function"]
        raw = function.get("arguments") or "{}"
        arguments = json.loads(raw) if isinstance(raw, str) else raw
        if not isinstance(arguments, dict):
            raise TypeError
        return ToolCall(
            id=str(call.get("id") or function["name"]),
            name=str(function["name"]),
            arguments=arguments,
        )
    except (KeyError, TypeError, ValueError, AttributeError):
        raise ExternalServiceError(
            f"{where} sent a tool call that is not a function with JSON-object"
            f" arguments; received {json.dumps(call, default=str)[:160]}"
        ) from None


def _redacted(message: dict[str, Any], redactor: Redactor) -> dict[str, Any]:
    out = dict(message)
    if isinstance(out.get("content"), str):
        out["content"] = redactor.redact(out["content"])
    return out


def _restored(reply: ChatReply, redactor: Redactor) -> ChatReply:
    calls = [
        ToolCall(c.id, c.name, json.loads(redactor.restore(json.dumps(c.arguments))))
        for c in reply.tool_calls
    ]
    return ChatReply(redactor.restore(reply.content), calls, reply.raw)
