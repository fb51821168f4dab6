"""Contact reasons over HTTP: a workspace starts with a shop's taxonomy in three languages;
supervisors shape it (add, regroup, rename, retire), agents only read it; a ticket carries one
active reason and the order it is about, and a reason or order that is not the workspace's is a 422
that writes nothing."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.support import row_counts
from tests.commerce.support import store
from tests.conftest import Cast, assert_problem, build_cast
from tests.conversations.support import cid, make_channel
from wowdesk.policies.reasons import actions as reason_actions
from wowdesk.policies.reasons.defaults import DEFAULT_REASONS


@pytest.fixture
async def shop(live_cast: Cast) -> Cast:
    async with live_cast.rt.uow() as s:
        assert await reason_actions.do_seed_default_reasons(s, live_cast.workspace_id) == len(DEFAULT_REASONS)
    async with live_cast.rt.uow() as s:  # seeding again adds nothing
        assert await reason_actions.do_seed_default_reasons(s, live_cast.workspace_id) == 0
    return live_cast


def _codes(api: Any, **params: Any) -> list[str]:
    r = api.get("/api/v1/contact-reasons", params=params)
    assert r.status_code == 200, r.text
    return [x["code"] for x in r.json()]


def _ticket(cast: Cast, **extra: Any) -> Any:
    return cast.api("alice").post(
        "/api/v1/tickets",
        json={"subject": "Parcel never came", "requester": {"id": cast.customers["lisa"].id}, **extra},
    )


async def _conversation(cast: Cast) -> int:
    """A visitor's web chat; its id."""
    channel = await make_channel(cast)
    anon = cast.api(None)
    welcome = anon.post("/api/v1/widget/session", json={"workspace": cast.slug, "channel": channel}).json()
    auth = {"Authorization": f"Visitor {welcome['visitor']}"}
    sent = anon.post(
        "/api/v1/widget/messages", json={"client_id": cid(), "body": "我的包裹在哪裡？"}, headers=auth
    )
    assert sent.status_code == 201, sent.text
    listed = cast.api("alice").get("/api/v1/conversations", params={"channel": channel}).json()
    return int(listed["items"][0]["id"])


def test_the_default_taxonomy_reads_in_the_agents_language(shop: Cast) -> None:
    api = shop.api("alice")
    listed = api.get("/api/v1/contact-reasons").json()
    assert [x["code"] for x in listed] == [code for code, *_ in DEFAULT_REASONS]
    lost = next(x for x in listed if x["code"] == "lost_parcel")
    assert (lost["parent_code"], lost["name"]) == ("orders_delivery", "Parcel lost in transit")
    assert lost["names"] == {
        "en": "Parcel lost in transit",
        "zh-Hant": "包裹運送途中遺失",
        "zh-Hans": "包裹运送途中丢失",
    }
    hant = api.get("/api/v1/contact-reasons", headers={"Accept-Language": "zh-TW"}).json()
    assert next(x["name"] for x in hant if x["code"] == "lost_parcel") == "包裹運送途中遺失"


def test_supervisors_shape_the_taxonomy_and_agents_cannot(shop: Cast) -> None:
    sam, alice = shop.api("sam"), shop.api("alice")
    body = {"code": "customs_hold", "parent_code": "orders_delivery", "names": {"en": "Held at customs"}}
    assert_problem(alice.post("/api/v1/contact-reasons", json=body), 403)
    created = sam.post("/api/v1/contact-reasons", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["name"] == "Held at customs"
    assert_problem(sam.post("/api/v1/contact-reasons", json=body), 409)  # the code is taken

    renamed = sam.patch(
        "/api/v1/contact-reasons/customs_hold", json={"names": {"en": "Customs", "zh-Hant": "海關"}}
    )
    assert renamed.status_code == 200 and renamed.json()["names"]["zh-Hant"] == "海關"
    assert_problem(alice.patch("/api/v1/contact-reasons/customs_hold", json={"active": False}), 403)
    assert sam.patch("/api/v1/contact-reasons/customs_hold", json={"active": False}).json()["active"] is False
    assert "customs_hold" not in _codes(alice)
    assert "customs_hold" in _codes(alice, include_inactive="true")
    assert_problem(sam.patch("/api/v1/contact-reasons/nope", json={"active": False}), 404)


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"code": "Lost Parcel", "names": {"en": "x"}}, "code"),
        ({"code": "x", "names": {"en": "x"}}, "code"),
        ({"code": "valid_code", "names": {"zh-Hant": "只有中文"}}, "English"),
        ({"code": "valid_code", "names": {"en": "   "}}, "English"),
        ({"code": "valid_code", "names": {"en": "x" * 121}}, "120"),
        ({"code": "valid_code", "names": {"en": "x", "fr": "x"}}, "names"),
        ({"code": "valid_code", "names": {"en": "x"}, "parent_code": "no_such_group"}, "no_such_group"),
        ({"code": "valid_code", "names": {"en": "x"}, "parent_code": "lost_parcel"}, "one level"),
        ({"code": "valid_code", "names": {"en": "x"}, "parent_code": "valid_code"}, "own group"),
        ({"code": "valid_code", "names": {"en": "x"}, "position": -1}, "position"),
        ({"code": "valid_code"}, "names"),
    ],
)
def test_bad_reasons_are_refused_in_words_and_nothing_is_written(
    shop: Cast, body: dict[str, Any], needle: str
) -> None:
    before = _codes(shop.api("sam"), include_inactive="true")
    problem = assert_problem(shop.api("sam").post("/api/v1/contact-reasons", json=body), 422)
    assert needle in str(problem), problem
    assert _codes(shop.api("sam"), include_inactive="true") == before


def test_a_group_with_reasons_cannot_move_inside_another(shop: Cast) -> None:
    problem = assert_problem(
        shop.api("sam").patch("/api/v1/contact-reasons/product", json={"parent_code": "orders_delivery"}), 422
    )
    assert "group" in problem["detail"]


def test_a_ticket_carries_an_active_reason_and_changes_it_on_its_timeline(shop: Cast) -> None:
    created = _ticket(shop, contact_reason="lost_parcel")
    assert created.status_code == 201, created.text
    ticket = created.json()
    assert (ticket["contact_reason"], ticket["order_id"]) == ("lost_parcel", None)
    api = shop.api("alice")
    changed = api.patch(f"/api/v1/tickets/{ticket['id']}", json={"contact_reason": "late_delivery"})
    assert changed.status_code == 200, changed.text
    assert changed.json()["contact_reason"] == "late_delivery"
    timeline = api.get(f"/api/v1/tickets/{ticket['id']}/events").json()
    lines = timeline["items"] if isinstance(timeline, dict) else timeline
    assert any(x.get("field") == "contact_reason" and x.get("new") == "late_delivery" for x in lines), lines
    cleared = api.patch(f"/api/v1/tickets/{ticket['id']}", json={"contact_reason": None})
    assert cleared.json()["contact_reason"] is None


async def test_a_retired_reason_stays_on_its_tickets_but_no_new_one_gets_it(shop: Cast) -> None:
    ticket = _ticket(shop, contact_reason="wrong_item").json()
    assert (
        shop.api("sam").patch("/api/v1/contact-reasons/wrong_item", json={"active": False}).status_code == 200
    )
    # The ticket keeps it through other changes ...
    kept = shop.api("alice").patch(f"/api/v1/tickets/{ticket['id']}", json={"priority": "high"})
    assert kept.status_code == 200 and kept.json()["contact_reason"] == "wrong_item"
    # ... but it cannot be given again.
    before = await row_counts(shop.rt, shop.workspace_id)
    assert "wrong_item" in assert_problem(_ticket(shop, contact_reason="wrong_item"), 422)["detail"]
    assert await row_counts(shop.rt, shop.workspace_id) == before


@pytest.mark.parametrize(
    ("extra", "needle"),
    [
        ({"contact_reason": "no_such_reason"}, "no_such_reason"),
        ({"contact_reason": "orders_delivery"}, "group"),  # a group with reasons in it
        ({"contact_reason": "Lost Parcel"}, "code"),
        ({"contact_reason": 7}, "contact_reason"),
        ({"order_id": 987654321}, "987654321"),
        ({"order_id": 0}, "order_id"),
        ({"order_id": "twelve"}, "order_id"),
    ],
)
async def test_a_reason_or_order_that_is_not_the_workspaces_is_a_422_and_writes_nothing(
    shop: Cast, extra: dict[str, Any], needle: str
) -> None:
    before = await row_counts(shop.rt, shop.workspace_id)
    problem = assert_problem(_ticket(shop, **extra), 422)
    assert needle in str(problem), problem
    assert await row_counts(shop.rt, shop.workspace_id) == before
    ticket = _ticket(shop).json()
    assert_problem(shop.api("alice").patch(f"/api/v1/tickets/{ticket['id']}", json=extra), 422)
    assert shop.api("alice").get(f"/api/v1/tickets/{ticket['id']}").json()["version"] == ticket["version"]


async def test_a_ticket_and_a_chat_are_about_an_order_of_the_workspace_only(shop: Cast) -> None:
    other = await build_cast(shop.rt)
    other.base_url = shop.base_url
    theirs = store(other.api("ada"), order="TW-1001")
    ours = store(shop.api("ada"), order="TW-1001")
    alice = shop.api("alice")
    ticket = _ticket(shop, contact_reason="lost_parcel", order_id=ours["id"]).json()
    assert ticket["order_id"] == ours["id"]
    problem = assert_problem(
        alice.patch(f"/api/v1/tickets/{ticket['id']}", json={"order_id": theirs["id"]}), 422
    )
    assert str(theirs["id"]) in problem["detail"]
    cleared = alice.patch(f"/api/v1/tickets/{ticket['id']}", json={"order_id": None})
    assert cleared.status_code == 200 and cleared.json()["order_id"] is None

    chat = await _conversation(shop)
    about = alice.patch(
        f"/api/v1/conversations/{chat}", json={"contact_reason": "where_is_my_order", "order_id": ours["id"]}
    )
    assert about.status_code == 200, about.text
    assert (about.json()["contact_reason"], about.json()["order_id"]) == ("where_is_my_order", ours["id"])
    assert_problem(alice.patch(f"/api/v1/conversations/{chat}", json={"order_id": theirs["id"]}), 422)
    assert_problem(alice.patch(f"/api/v1/conversations/{chat}", json={"contact_reason": "product"}), 422)
    assert alice.get(f"/api/v1/conversations/{chat}").json()["order_id"] == ours["id"]
    for client in other._clients:
        client.close()
