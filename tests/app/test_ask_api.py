"""POST /api/v1/ask: the co-pilot over REST (no LLM configured here)."""

from __future__ import annotations

from fastapi.testclient import TestClient


def test_ask_answers_a_built_in_question_with_the_contract_keys(
    client: TestClient,
) -> None:
    response = client.post("/api/v1/ask", json={"question": "What should I reorder?"})
    assert response.status_code == 200
    body = response.json()
    assert body["answer"] == "no restock plan yet: run `tradepilot plan restock`"
    assert [c["name"] for c in body["tool_calls"]] == ["restock_plan"]
    assert body["unsupported_numbers"] == []
    assert body["proposals"] == []


def test_the_unversioned_path_and_an_unknown_question(client: TestClient) -> None:
    body = client.post("/api/ask", json={"question": "hello?"}).json()
    assert body["question_matched"] is None
    assert len(body["questions"]) == 4


def test_ask_needs_a_token_and_a_short_question(client: TestClient) -> None:
    anonymous = TestClient(client.app)
    assert anonymous.post("/api/v1/ask", json={"question": "x"}).status_code == 401
    too_long = client.post("/api/v1/ask", json={"question": "x" * 2001})
    assert too_long.status_code == 422


def test_an_llm_that_times_out_is_a_502_problem(store_settings, token) -> None:
    from tests.llm.fake_llm import fake_llm

    from tradepilot.app import create_app

    with fake_llm([("sleep", 1.0)]) as server:
        settings = store_settings.model_copy(
            update={"llm_url": server.url, "llm_timeout": 0.3}
        )
        app = create_app(settings)
        try:
            answer = TestClient(app, headers={"Authorization": f"Bearer {token}"}).post(
                "/api/v1/ask", json={"question": "how are sales?"}
            )
        finally:
            app.state.tradepilot.engine.dispose()
    assert answer.status_code == 502
    assert "did not answer within 0.3 s" in answer.json()["detail"]
