"""A fake OpenAI-compatible chat-completions server: a real HTTP server in a
thread, answering each POST with the next scripted reply and keeping the
requests it received."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Script:
    """Replies in order; each a dict (sent as JSON), a str (sent as it is) or
    ``("sleep", seconds)``."""

    replies: list[Any]
    requests: list[dict[str, Any]] = field(default_factory=list)
    url: str = ""


def completion(content: str | None = None, calls: list[tuple[str, dict[str, Any]]]
               | None = None) -> dict[str, Any]:  # fmt: skip
    """A chat completion with ``content`` and/or tool calls ``(name, arguments)``."""
    message: dict[str, Any] = {"role": "assistant", "content": content}
    if calls:
        message["tool_calls"] = [
            {"id": f"call_{i}", "type": "function",
             "function": {"name": name, "arguments": json.dumps(args)}}
            for i, (name, args) in enumerate(calls)
        ]  # fmt: skip
    return {"id": "x", "object": "chat.completion", "choices": [{"index": 0,
            "message": message, "finish_reason": "stop"}]}  # fmt: skip


@contextmanager
def fake_llm(replies: list[Any]) -> Iterator[Script]:
    """Serve ``replies`` on 127.0.0.1; the script's ``url`` is the API base."""
    script = Script(list(replies))

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's name)
            length = int(self.headers.get("Content-Length") or 0)
            script.requests.append(json.loads(self.rfile.read(length)))
            reply = script.replies.pop(0) if script.replies else "no more replies"
            if isinstance(reply, tuple):
                time.sleep(reply[1])
                reply = completion("late")
            body = (reply if isinstance(reply, str) else json.dumps(reply)).encode()
            try:
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (the timeout test)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    script.url = f"http://127.0.0.1:{server.server_address[1]}/v1"
    try:
        yield script
    finally:
        server.shutdown()
        server.server_close()
