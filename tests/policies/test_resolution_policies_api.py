"""Resolution policies over HTTP: admins write them as JSON or YAML; every save is a new version;
a bad document is a 422 that says in plain words what is wrong and where, and saves nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Cast, assert_problem

BASE = "/api/v1/resolution-policies"

LOST_PARCEL_YAML = """\
name: Lost parcel
enabled: true
mode: automatic
document:
  trigger:
    kind: shipment_stalled
    days_without_progress: 7
    days_past_promised: 3
    fulfilment: [platform, seller]
  then:
    - refund: {scope: order}
    - goodwill_credit: {amount: 10000}
    - offer_shipping_reimbursement: {up_to: 20000}
    - no_return_required: true
    - open_claim: {reason: lost_in_transit}
"""


def good_document(**over: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "trigger": {"kind": "shipment_stalled", "days_without_progress": 7},
        "then": [{"refund": {"scope": "order"}}, {"goodwill_credit": {"amount": 10000}}],
    }
    doc.update(over)
    return doc


def test_a_policy_in_yaml_is_saved_with_the_workspace_currency_and_listed(live_cast: Cast) -> None:
    admin = live_cast.api("ada")
    r = admin.post(BASE, content=LOST_PARCEL_YAML, headers={"Content-Type": "application/yaml"})
    assert r.status_code == 201, r.text
    policy = r.json()
    assert (policy["name"], policy["mode"], policy["version"], policy["trigger_kind"]) == (
        "Lost parcel",
        "automatic",
        1,
        "shipment_stalled",
    )
    assert policy["document"]["currency"] == "USD"  # the cast's workspace currency, made explicit
    assert policy["document"]["then"][1] == {"goodwill_credit": {"amount": 10000}}
    listed = live_cast.api("alice").get(BASE)  # agents see what the policies do
    assert listed.status_code == 200 and [p["id"] for p in listed.json()] == [policy["id"]]


def test_every_save_is_a_new_version_and_old_ones_are_kept(live_cast: Cast) -> None:
    admin = live_cast.api("ada")
    created = admin.post(BASE, json={"name": "Lost", "document": good_document()}).json()
    pid = created["id"]
    r = admin.patch(f"{BASE}/{pid}", json={"mode": "automatic"})
    assert r.status_code == 200 and r.json()["version"] == 2
    r = admin.put(
        f"{BASE}/{pid}",
        json={"name": "Lost parcel", "mode": "suggest", "document": good_document(currency="TWD")},
    )
    assert r.status_code == 200 and r.json()["version"] == 3
    versions = admin.get(f"{BASE}/{pid}/versions").json()
    assert [(v["version"], v["mode"], v["document"]["currency"]) for v in versions] == [
        (3, "suggest", "TWD"),
        (2, "automatic", "USD"),
        (1, "suggest", "USD"),
    ]
    assert {v["saved_by"] for v in versions} == {f"agent:{live_cast.agents['ada'].id}"}
    assert admin.delete(f"{BASE}/{pid}").status_code == 204
    assert_problem(admin.get(f"{BASE}/{pid}"), 404)
    assert admin.get(f"{BASE}/{pid}/versions").status_code == 200  # still on record


BAD_DOCUMENTS = [
    (
        "amount as a decimal string",
        {"then": [{"refund": {}}, {"goodwill_credit": {"amount": "12.50"}}]},
        "then[1].goodwill_credit.amount",
        "whole number of minor units",
    ),
    (
        "amount as a float",
        {"then": [{"goodwill_credit": {"amount": 12.5}}]},
        "then[0].goodwill_credit.amount",
        "minor units",
    ),
    (
        "negative amount",
        {"then": [{"goodwill_credit": {"amount": -5}}]},
        "then[0].goodwill_credit.amount",
        "between 0",
    ),
    (
        "zero credit",
        {"then": [{"goodwill_credit": {"amount": 0}}]},
        "then[0].goodwill_credit.amount",
        "more than zero",
    ),
    ("unknown action", {"then": [{"refnd": {}}]}, "then[0]", "refnd is not an action"),
    (
        "two actions in one step",
        {"then": [{"refund": {}, "goodwill_credit": {"amount": 5}}]},
        "then[0]",
        "one action",
    ),
    ("no actions", {"then": []}, "then", "at least 1"),
    ("refund twice", {"then": [{"refund": {}}, {"refund": {"scope": "items"}}]}, "then", "appears twice"),
    (
        "fixed refund without an amount",
        {"then": [{"refund": {"scope": "fixed"}}]},
        "then[0].refund",
        "needs an amount",
    ),
    ("unknown trigger", {"trigger": {"kind": "parcel_lost"}}, "trigger.kind", "not a kind of trigger"),
    (
        "trigger without kind",
        {"trigger": {"days_without_progress": 3}},
        "trigger.kind",
        "which kind of trigger",
    ),
    ("no delay", {"trigger": {"kind": "shipment_stalled"}}, "trigger", "days_without_progress"),
    (
        "days as text",
        {"trigger": {"kind": "shipment_stalled", "days_without_progress": "seven"}},
        "trigger.days_without_progress",
        "whole number of days",
    ),
    (
        "too many days",
        {"trigger": {"kind": "shipment_stalled", "days_past_promised": 400}},
        "trigger.days_past_promised",
        "between 0 and 365",
    ),
    (
        "bad fulfilment",
        {"trigger": {"kind": "shipment_stalled", "days_without_progress": 3, "fulfilment": "drone"}},
        "trigger.fulfilment[0]",
        "platform",
    ),
    ("unknown currency", {"currency": "XYZ"}, "currency", "currency"),
    (
        "claim without refund",
        {"then": [{"goodwill_credit": {"amount": 5}}, {"open_claim": {}}]},
        "then",
        "add a refund",
    ),
    ("only flags", {"then": [{"no_return_required": True}]}, "then", "grants nothing"),
    (
        "unknown field",
        {"trigger": {"kind": "shipment_stalled", "days_without_progress": 3, "after": 2}},
        "trigger.after",
        "not allowed",
    ),
    (
        "contact reason without ledger reason",
        {"trigger": {"kind": "contact_reason", "reason": "smells_odd"}},
        "reason_code",
        "ledger reason",
    ),
]


@pytest.mark.parametrize(
    ("case", "change", "field", "words"), BAD_DOCUMENTS, ids=[c[0] for c in BAD_DOCUMENTS]
)
def test_a_bad_document_is_a_422_in_plain_words_and_nothing_is_saved(
    module_cast: Cast, case: str, change: dict[str, Any], field: str, words: str
) -> None:
    admin = module_cast.api("ada")
    before = admin.get(BASE).json()
    doc = good_document(**change)
    for path in (BASE, BASE + ":validate"):
        body = {"name": case, "document": doc} if path == BASE else doc
        problem = assert_problem(admin.post(path, json=body), 422)
        prefix = "document." if path == BASE else ""
        places = {e["field"]: e["message"] for e in problem["errors"]}
        assert prefix + field in places, (case, problem["errors"])
        assert words in places[prefix + field], (case, places)
    assert admin.get(BASE).json() == before


def test_validate_gives_the_document_as_it_would_be_saved(live_cast: Cast) -> None:
    r = live_cast.api("ada").post(BASE + ":validate", json=good_document())
    assert r.status_code == 200 and r.json()["valid"] is True
    assert r.json()["document"]["currency"] == "USD"
    assert live_cast.api("ada").get(BASE).json() == []


def test_unreadable_bodies_and_wrong_media_types(live_cast: Cast) -> None:
    admin = live_cast.api("ada")
    assert_problem(
        admin.post(BASE, content="name: [unclosed", headers={"Content-Type": "application/yaml"}), 400
    )
    assert_problem(admin.post(BASE, content="{not json", headers={"Content-Type": "application/json"}), 400)
    assert_problem(admin.post(BASE, content="<policy/>", headers={"Content-Type": "application/xml"}), 415)
    yaml_object = "!!python/object/apply:os.system ['true']"
    assert_problem(admin.post(BASE, content=yaml_object, headers={"Content-Type": "application/yaml"}), 400)
    assert admin.get(BASE).json() == []


def test_only_admins_write_policies(live_cast: Cast) -> None:
    body = {"name": "Mine", "document": good_document()}
    assert_problem(live_cast.api("alice").post(BASE, json=body), 403)
    assert_problem(live_cast.api("sam").post(BASE, json=body), 403)
    assert_problem(live_cast.api("sam").post(BASE + ":validate", json=good_document()), 403)
    assert live_cast.api("ada").get(BASE).json() == []
