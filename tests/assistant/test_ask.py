"""``ask`` on a small simulated workspace: the built-in questions without an LLM,
and the tool-calling loop against a local fake OpenAI-compatible server."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.engine import Engine
from tests.llm.fake_llm import completion, fake_llm
from tests.simstore import import_store
from typer.testing import CliRunner

from tradepilot.assistant.ask_service import ask
from tradepilot.cli.main import app
from tradepilot.config import Settings
from tradepilot.domain.errors import ExternalServiceError
from tradepilot.llm.client import ChatClient, LlmSettings
from tradepilot.workspace import init_workspace, newest_order_day


@pytest.fixture(scope="module")
def store(
    tmp_path_factory: pytest.TempPathFactory, sim_files: dict[str, Path]
) -> Iterator[tuple[Engine, Path]]:
    home = tmp_path_factory.mktemp("ask") / "ws"
    engine = init_workspace(Settings(home=home, database_url=None), base_currency="EUR")
    import_store(engine, sim_files)
    yield engine, home
    engine.dispose()


def _client(url: str) -> ChatClient:
    return ChatClient(LlmSettings(url=url, model="fake", timeout=5))


def test_without_an_llm_an_unknown_question_lists_the_built_in_ones(store) -> None:
    engine, home = store
    result = ask(engine, home=home, question="what is the meaning of life?")
    assert result["question_matched"] is None
    assert [q["key"] for q in result["questions"]] == [
        "top_movers", "margin_change", "reorder", "attention"
    ]  # fmt: skip
    assert result["tool_calls"] == []
    assert result["as_of"] == newest_order_day(engine).isoformat()


def test_top_movers_are_answered_from_the_tool_and_grounded(store) -> None:
    engine, home = store
    result = ask(engine, home=home, question="Which products are the top movers?")
    [call] = result["tool_calls"]
    assert call["name"] == "top_movers"
    movers = call["result"]["movers"]
    assert len(movers) == 5
    first = movers[0]
    assert f"- {first['sku']}: {first['units_now']} units" in result["answer"]
    assert result["unsupported_numbers"] == []


def test_why_a_margin_changed_names_the_country_and_the_cost_parts(store) -> None:
    engine, home = store
    result = ask(engine, home=home, question="why did margin in Germany fall?")
    [call] = result["tool_calls"]
    assert (call["name"], call["arguments"]) == ("margin_change", {"country": "DE"})
    assert "Margin per unit for country DE" in result["answer"]
    assert set(call["result"]["biggest_drivers"]) <= {
        "product_cost", "inbound_freight", "shipping", "duty", "vat", "fees", "fx"
    }  # fmt: skip
    assert result["unsupported_numbers"] == []


def test_missing_plan_and_alerts_are_notes_not_errors(store) -> None:
    engine, home = store
    reorder = ask(engine, home=home, question="What should I reorder?")
    attention = ask(engine, home=home, question="What needs my attention?")
    assert reorder["answer"] == "no restock plan yet: run `tradepilot plan restock`"
    assert attention["answer"].startswith("no open alerts")


def test_the_llm_answers_with_tools_and_made_up_numbers_are_flagged(store) -> None:
    engine, home = store
    # given a model that calls two tools, then quotes their figures and one
    # figure of its own
    answer = "Net revenue is {revenue} EUR over {orders} orders; next month 4,217.35."
    script = [
        completion(calls=[("status", {}), ("kpis", {"by": "country", "limit": 3})]),
        _fill(completion(answer), engine),
    ]
    with fake_llm(script) as server:
        result = ask(engine, home=home, question="How are sales?",
                     client=_client(server.url))  # fmt: skip
    assert [c["name"] for c in result["tool_calls"]] == ["status", "kpis"]
    assert result["unsupported_numbers"] == ["4,217.35"]
    assert (result["mode"], result["llm"], result["rounds"]) == ("llm", "fake", 2)
    sent = server.requests[1]["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "tool", "tool"]
    assert json.loads(sent[3]["content"])["orders"] == result["tool_calls"][0][
        "result"]["orders"]  # fmt: skip
    assert {t["function"]["name"] for t in server.requests[0]["tools"]} >= {
        "status", "kpis", "margins", "restock_plan", "alerts", "propose_action"
    }  # fmt: skip


def _fill(reply: dict[str, Any], engine: Engine) -> dict[str, Any]:
    from tradepilot.workspace import workspace_status

    status = workspace_status(engine)
    message = reply["choices"][0]["message"]
    message["content"] = message["content"].format(
        revenue=f"{status['revenue_base']:,.2f}", orders=status["orders"]
    )
    return reply


def test_a_bad_tool_call_is_answered_with_an_error_the_model_can_read(store) -> None:
    engine, home = store
    script = [
        completion(calls=[("drop_tables", {}), ("kpis", {"by": "planet"})]),
        completion("I cannot tell."),
    ]
    with fake_llm(script) as server:
        result = ask(engine, home=home, question="?", client=_client(server.url))
    errors = [c["result"]["error"] for c in result["tool_calls"]]
    assert errors[0].startswith("no tool 'drop_tables'")
    assert errors[1] == "by must be month, country or channel; got 'planet'"


@pytest.mark.parametrize(
    ("script", "message"),
    [
        pytest.param(["not json"], "did not reply with JSON", id="nonsense"),
        pytest.param([completion("")], "neither an answer nor a tool call", id="empty"),
        pytest.param(
            [completion(calls=[("status", {})])] * 3,
            "no answer within 2 rounds",
            id="endless-tools",
        ),  # fmt: skip
    ],
)
def test_llm_failures_are_clear_errors(store, script: list[Any], message: str) -> None:
    engine, home = store
    with fake_llm(script) as server, pytest.raises(ExternalServiceError, match=message):
        ask(engine, home=home, question="?", client=_client(server.url), max_rounds=2)


def test_cli_ask_json_queues_a_price_change(
    store, monkeypatch: pytest.MonkeyPatch
) -> None:
    # given an LLM proposing a price change through propose_action
    engine, home = store
    payload = {"sku": "TP-0001", "price": 24.99, "currency": "EUR"}
    script = [
        completion(calls=[("propose_action", {"kind": "price_change",
                   "title": "TP-0001 to 24.99 EUR", "payload": payload})]),
        completion("I proposed TP-0001 at 24.99 EUR for your approval."),
    ]  # fmt: skip
    with fake_llm(script) as server:
        monkeypatch.setenv("TRADEPILOT_LLM_URL", server.url)
        # when
        run = CliRunner().invoke(app, ["ask", "raise TP-0001?", "--json",
                                       "-w", str(home)])  # fmt: skip
    # then one JSON document with the contract's keys, and the proposal queued
    assert run.exit_code == 0, run.output
    result = json.loads(run.stdout)
    assert {"answer", "tool_calls", "unsupported_numbers"} <= set(result)
    assert result["unsupported_numbers"] == []
    [proposal] = result["proposals"]
    assert proposal["payload"] == payload
    from tradepilot.automation.service import list_approvals

    queued = list_approvals(engine)
    assert json.dumps(queued, default=str).count("TP-0001 to 24.99 EUR") == 1


def test_cli_ask_says_when_the_endpoint_times_out(
    store, monkeypatch: pytest.MonkeyPatch
) -> None:
    engine, home = store
    with fake_llm([("sleep", 1.0)]) as server:
        monkeypatch.setenv("TRADEPILOT_LLM_URL", server.url)
        monkeypatch.setenv("TRADEPILOT_LLM_TIMEOUT", "0.3")
        run = CliRunner().invoke(app, ["ask", "how are sales?", "-w", str(home)])
    assert run.exit_code == 1
    assert "did not answer within 0.3 s" in run.stderr
    assert "Traceback" not in run.output


def test_a_remote_endpoint_sees_placeholders_not_customers(store) -> None:
    # given an endpoint treated as off this machine that asks for the customers
    engine, home = store
    script = [
        completion(calls=[("customers", {"limit": 1})]),
        completion("Your best customer is [EMAIL_1]."),
    ]
    with fake_llm(script) as server:
        client = ChatClient(LlmSettings(url=server.url, redact=True))
        result = ask(engine, home=home, question="Who is my best customer?",
                     client=client)  # fmt: skip
    # then the tool result went out with placeholders, and the answer is restored
    best = result["tool_calls"][0]["result"]["top_customers"][0]["customer"]
    sent = server.requests[1]["messages"][3]["content"]
    assert "@" in best
    assert best not in sent
    assert "[EMAIL_1]" in sent
    assert result["answer"] == f"Your best customer is {best}."
