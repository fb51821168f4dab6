"""Evaluating a resolution policy is a pure function of (document, facts, now): the same parcel
is presumed lost or not depending only on the moment given, so each case here sets the clock."""

from __future__ import annotations

import datetime as dt

import pytest

from wowdesk.policies.resolutions.document import PolicyDocument
from wowdesk.policies.resolutions.evaluate import Facts, OrderFacts, ShipmentFacts, evaluate

SHIPPED = dt.datetime(2026, 11, 2, 3, 0, tzinfo=dt.UTC)
LAST_SCAN = SHIPPED + dt.timedelta(days=1)
PROMISED = SHIPPED + dt.timedelta(days=4)

LOST_PARCEL = PolicyDocument.model_validate(
    {
        "trigger": {
            "kind": "shipment_stalled",
            "days_without_progress": 7,
            "days_past_promised": 5,
            "order_total_max": 500_000,
        },
        "then": [
            {"refund": {"scope": "order"}},
            {"goodwill_credit": {"amount": 10_000}},
            {"offer_shipping_reimbursement": {"up_to": 20_000}},
            {"no_return_required": True},
            {"open_claim": {"reason": "lost_in_transit"}},
        ],
        "currency": "TWD",
    }
)
ORDER = OrderFacts(
    id=1,
    customer_id=7,
    currency="TWD",
    total_minor=209_000,
    items_total_minor=203_000,
    shipping_minor=6_000,
    fulfilment="platform",
    seller_kind="first_party",
)


def parcel(**over: object) -> ShipmentFacts:
    values: dict[str, object] = {
        "id": 5,
        "status": "in_transit",
        "shipped_at": SHIPPED,
        "last_event_at": LAST_SCAN,
        "promised_at": None,
        "delivered_at": None,
    }
    values.update(over)
    return ShipmentFacts(**values)  # type: ignore[arg-type]


def test_a_parcel_without_progress_for_the_days_given_is_presumed_lost() -> None:
    now = LAST_SCAN + dt.timedelta(days=7)
    proposal = evaluate(LOST_PARCEL, Facts(order=ORDER, shipment=parcel()), now)
    assert proposal is not None
    assert (proposal.why, proposal.days, proposal.reason_code) == ("no_progress", 7, "lost_parcel")
    assert [(g.kind, g.amount_minor, g.offer) for g in proposal.grants] == [
        ("refund", 209_000, False),  # the whole order, shipping included
        ("goodwill_credit", 10_000, False),
        ("shipping_reimbursement", 20_000, True),
    ]
    assert proposal.no_return_required
    assert proposal.claim_reason is None  # fulfilled by the platform: nobody to claim from


def test_one_second_earlier_it_is_still_on_its_way() -> None:
    now = LAST_SCAN + dt.timedelta(days=7) - dt.timedelta(seconds=1)
    assert evaluate(LOST_PARCEL, Facts(order=ORDER, shipment=parcel()), now) is None


def test_a_parcel_scanned_recently_is_on_time() -> None:
    recent = SHIPPED + dt.timedelta(days=9)
    now = SHIPPED + dt.timedelta(days=10)
    assert evaluate(LOST_PARCEL, Facts(order=ORDER, shipment=parcel(last_event_at=recent)), now) is None


@pytest.mark.parametrize("status", ["delivered", "returned", "cancelled"])
def test_a_delivered_or_ended_parcel_is_never_lost(status: str) -> None:
    now = SHIPPED + dt.timedelta(days=60)
    delivered = SHIPPED + dt.timedelta(days=2) if status == "delivered" else None
    shipment = parcel(status=status, delivered_at=delivered, promised_at=PROMISED)
    assert evaluate(LOST_PARCEL, Facts(order=ORDER, shipment=shipment), now) is None


def test_past_the_promised_date_by_the_days_given() -> None:
    recent = PROMISED + dt.timedelta(days=4)  # it moves, but too late
    shipment = parcel(last_event_at=recent, promised_at=PROMISED)
    assert (
        evaluate(LOST_PARCEL, Facts(order=ORDER, shipment=shipment), PROMISED + dt.timedelta(days=4)) is None
    )
    proposal = evaluate(LOST_PARCEL, Facts(order=ORDER, shipment=shipment), PROMISED + dt.timedelta(days=5))
    assert proposal is not None and (proposal.why, proposal.days) == ("past_promised", 5)


def test_a_parcel_that_never_shipped_has_no_progress_to_miss() -> None:
    shipment = parcel(status="label_created", shipped_at=None, last_event_at=None)
    assert (
        evaluate(LOST_PARCEL, Facts(order=ORDER, shipment=shipment), SHIPPED + dt.timedelta(days=30)) is None
    )


def test_the_order_filters_and_the_currency_must_fit() -> None:
    now = LAST_SCAN + dt.timedelta(days=8)
    big = OrderFacts(**{**_fields(ORDER), "total_minor": 500_001})
    usd = OrderFacts(**{**_fields(ORDER), "currency": "USD"})
    assert evaluate(LOST_PARCEL, Facts(order=big, shipment=parcel()), now) is None
    assert evaluate(LOST_PARCEL, Facts(order=usd, shipment=parcel()), now) is None
    only_sellers = PolicyDocument.model_validate(
        {
            **LOST_PARCEL.model_dump(exclude_none=True),
            "trigger": {**LOST_PARCEL.trigger.model_dump(exclude_none=True), "fulfilment": "seller"},
        }
    )
    assert evaluate(only_sellers, Facts(order=ORDER, shipment=parcel()), now) is None


def test_a_seller_fulfilled_order_is_claimed_back_from_the_seller() -> None:
    seller_order = OrderFacts(**{**_fields(ORDER), "fulfilment": "seller", "seller_kind": "marketplace"})
    proposal = evaluate(
        LOST_PARCEL, Facts(order=seller_order, shipment=parcel()), LAST_SCAN + dt.timedelta(days=7)
    )
    assert proposal is not None and proposal.claim_reason == "lost_in_transit"


def test_a_refund_never_exceeds_what_is_left_to_refund() -> None:
    partly = OrderFacts(**{**_fields(ORDER), "refunded_minor": 200_000})
    proposal = evaluate(LOST_PARCEL, Facts(order=partly, shipment=parcel()), LAST_SCAN + dt.timedelta(days=7))
    assert proposal is not None and proposal.grants[0].amount_minor == 9_000


def test_item_not_as_described_on_a_low_value_order_refunds_the_items_without_a_return() -> None:
    doc = PolicyDocument.model_validate(
        {
            "trigger": {
                "kind": "contact_reason",
                "reason": "item_not_as_described",
                "order_total_max": 300_000,
            },
            "then": [{"refund": {"scope": "items"}}, "no_return_required"],
        }
    )
    now = SHIPPED
    proposal = evaluate(doc, Facts(order=ORDER, contact_reason="item_not_as_described"), now)
    assert proposal is not None
    assert [(g.kind, g.amount_minor) for g in proposal.grants] == [("refund", 203_000)]
    assert proposal.no_return_required and proposal.reason_code == "not_as_described"
    assert evaluate(doc, Facts(order=ORDER, contact_reason="damaged_item"), now) is None


def _fields(o: OrderFacts) -> dict[str, object]:
    return {f: getattr(o, f) for f in o.__slots__}  # type: ignore[attr-defined]
