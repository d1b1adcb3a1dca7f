def test_approvals_over_rest_queue_approve_and_refuse_a_second_decision(client):
    body = {"kind": "price_change", "title": "Mug to 9.90",
            "payload": {"sku": "MUG", "price": 9.9, "currency": "EUR"}}  # fmt: skip

    created = client.post("/api/v1/approvals", json=body)
    listed = client.get("/api/v1/approvals").json()
    approved = client.post(f"/api/v1/approvals/{created.json()['id']}/approve")
    again = client.post(
        f"/api/v1/approvals/{created.json()['id']}/reject", json={"reason": "late"}
    )
    bad = client.post("/api/v1/approvals", json={**body, "payload": {"sku": "MUG"}})

    assert created.status_code == 201
    assert listed["count"] == 1
    assert approved.json()["status"] == "approved"
    assert approved.json()["result"]["file"].endswith("price-change-1-MUG.csv")
    assert again.status_code == 422
    assert "already approved" in again.json()["detail"]
    assert bad.status_code == 422
    assert "positive number" in bad.json()["detail"]
