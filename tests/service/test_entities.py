import pytest

from tradepilot.service.entities import OrderFormats, extract_entities


@pytest.mark.parametrize(
    ("stored", "text", "found"),
    [
        pytest.param(["#1605", "#1606"], "order 1605 please", ["#1605"], id="shopify"),
        pytest.param(
            ["305-9298972-1234567"],
            "Bestellung 305-9298972-1234567 fehlt",
            ["305-9298972-1234567"],
            id="amazon",
        ),
        pytest.param(["K-2024-0001"], "Beleg K-2024-0004?", ["K-2024-0004"], id="till"),
        pytest.param(
            ["#1605"], "zip code 16055, 2 x 1605-A", [], id="not-inside-others"
        ),
    ],
)
def test_order_numbers_are_found_in_the_sellers_own_formats(stored, text, found):
    assert OrderFormats.learn(stored).find(text) == found


def test_every_entity_kind_is_extracted():
    text = (
        "Mi pedido K-2024-0001 (pagué 24,90 €) no llega a España."
        " Seguimiento: RR123456785DE. Escribidme a ana@example.es"
    )

    entities = extract_entities(text, OrderFormats.learn(["K-2024-0001"]))

    assert entities == {
        "order_numbers": ["K-2024-0001"],
        "emails": ["ana@example.es"],
        "tracking_numbers": [{"number": "RR123456785DE", "carrier": "postal"}],
        "amounts": [{"amount": "24.90", "currency": "EUR"}],
        "countries": ["ES"],
    }
