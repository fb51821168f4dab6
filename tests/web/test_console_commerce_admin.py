"""The administration side of commerce and resolution in the console: the resolution-policy editor
(YAML or JSON in a textarea, its errors in plain words with their place and the form as typed,
nothing saved; versions; on/off), the ledger with its filters, pages and CSV export, the sellers
page — and who may open what."""

from __future__ import annotations

import csv
import io
import re

from tests.conftest import Cast
from tests.policies.ledger_support import entries
from tests.web.support import console_for, text_of
from tests.web.test_console_commerce import HTML, grant_form, lisa_ticket, order, page, shop
from wowdesk.commerce import actions as commerce_actions

__all__ = ["shop"]  # the fixture

BASE = "/admin/resolution-policies"
GOOD = """trigger:
  kind: shipment_stalled
  days_without_progress: 5
  days_past_promised: 2
then:
  - refund: {scope: order}
  - goodwill_credit: {amount: 10000}
"""
BAD = """trigger:
  kind: shipment_stalled
  days_without_progress: 5
then:
  - refund: {scope: order}
  - goodwill_credit: {amount: 12.50}
"""


def policy_form(**over: str) -> dict[str, str]:
    form = {"name": "包裹遺失 Lost parcel", "mode": "automatic", "enabled": "1", "document": GOOD}
    form.update(over)
    return form


async def test_agents_and_supervisors_get_403_where_they_may_not_go(shop: Cast) -> None:
    alice, sam, ada = [await console_for(shop, who) for who in ("alice", "sam", "ada")]
    for url in ("/approvals", BASE, "/admin/ledger", "/admin/sellers"):
        assert alice.get(url, headers=HTML).status_code == 403, url
    r = alice.post(BASE, policy_form(), fetch=False, headers=HTML)
    assert r.status_code == 403
    assert sam.get("/admin/ledger", headers=HTML).status_code == 200
    assert (
        sam.get(BASE, headers=HTML).status_code == 403
        and sam.get("/admin/sellers", headers=HTML).status_code == 403
    )
    nav = page(ada, "/admin/ledger").text
    assert f'href="{BASE}"' in nav and 'href="/admin/sellers"' in nav and 'href="/approvals"' in nav
    assert f'href="{BASE}"' not in page(sam, "/admin/ledger").text
    r = shop.api("ada").get("/api/v1/resolution-policies")
    assert r.json() == []  # alice's refused post saved nothing


async def test_a_bad_policy_document_shows_its_errors_and_saves_nothing(shop: Cast) -> None:
    ada = await console_for(shop, "ada")
    bad = ada.post(BASE, policy_form(document=BAD), fetch=False, headers=HTML)
    assert bad.status_code == 422, bad.text[:300]
    shown = text_of(bad.text)
    assert "The policy is not valid; nothing was saved." in shown
    assert "then[1].goodwill_credit.amount: must be a whole number of minor units (1250 for 12.50)" in shown
    assert "amount: 12.50" in bad.text and 'value="包裹遺失 Lost parcel"' in bad.text  # as typed
    broken = ada.post(BASE, policy_form(document="trigger: [kind: oops"), fetch=False, headers=HTML)
    assert broken.status_code == 422 and "The YAML could not be read (line" in text_of(broken.text)
    json_bad = ada.post(
        BASE, policy_form(document='{"trigger": {"kind": "teleport"}, "then": []}'), fetch=False
    )
    assert json_bad.status_code == 422 and "trigger.kind" in text_of(json_bad.text)
    nameless = ada.post(BASE, policy_form(name=""), fetch=False)
    assert nameless.status_code == 422 and "Give the policy a name." in text_of(nameless.text)
    assert shop.api("ada").get("/api/v1/resolution-policies").json() == []
    assert "No resolution policies yet." in text_of(page(ada, BASE).text)


async def test_an_admin_creates_edits_and_switches_a_policy_with_its_versions(shop: Cast) -> None:
    ada = await console_for(shop, "ada")
    made = ada.post(BASE, policy_form())
    assert made.status_code == 200, made.text
    m = re.fullmatch(rf"{BASE}/(\d+)", made.json()["redirect"])
    assert m
    url = m.group(0)
    shown = page(ada, url).text
    assert "days_without_progress: 5" in shown and "currency: TWD" in shown  # stored with the workspace's
    assert "Version 1" in text_of(shown)
    edited = ada.post(url, policy_form(mode="suggest", document=GOOD.replace("10000", "20000")))
    assert edited.status_code == 200 and edited.json()["message"] == "Saved as version 2."
    off = ada.post(url + "/enabled", {"enabled": "0"})
    assert off.status_code == 200 and "is off" in off.json()["message"]
    [stored] = shop.api("ada").get("/api/v1/resolution-policies").json()
    assert (stored["version"], stored["mode"], stored["enabled"]) == (3, "suggest", False)
    assert stored["document"]["then"][1] == {"goodwill_credit": {"amount": 20000}}
    history = page(ada, url).text
    assert [int(v) for v in re.findall(r'data-version="(\d+)"', history)] == [3, 2, 1]
    assert "amount: 10000" in history and "Ada" in text_of(history)
    listed = text_of(page(ada, BASE).text)
    assert "包裹遺失 Lost parcel" in listed and "A parcel stops moving" in listed and "Inactive" in listed
    # A bad edit keeps the stored version.
    refused = ada.post(url, policy_form(document=BAD), fetch=False)
    assert refused.status_code == 422
    assert shop.api("ada").get(f"/api/v1/resolution-policies/{stored['id']}").json()["version"] == 3
    gone = ada.post(url + "/delete", {})
    assert gone.status_code == 200 and shop.api("ada").get("/api/v1/resolution-policies").json() == []


async def test_the_ledger_filters_pages_and_exports_csv(shop: Cast) -> None:
    ticket = lisa_ticket(shop)
    stuck, tea = await order(shop, "TW-10231"), await order(shop, "TW-10240")
    alice = await console_for(shop, "alice")
    html = page(alice, f"/tickets/{ticket['id']}").text
    url = f"/tickets/{ticket['id']}/resolution/grant"
    assert alice.post(url, grant_form(html, stuck.id, "500", key="l-1")).status_code == 200
    assert (
        alice.post(url, grant_form(html, tea.id, "60", kind="shipping_reimbursement", key="l-2")).status_code
        == 200
    )
    assert (
        alice.post(
            url, grant_form(html, "", "100", kind="goodwill_credit", reason_code="goodwill", key="l-3")
        ).status_code
        == 200
    )
    sam = await console_for(shop, "sam")
    listed = page(sam, "/admin/ledger").text
    assert len(re.findall(r"data-ledger-entry=", listed)) == 3
    shown = text_of(listed)
    assert "NT$500.00" in shown and "TW-10231" in shown and "張雅婷 Lisa" in shown and "Alice" in shown
    refunds = page(sam, "/admin/ledger?kind=refund").text
    assert len(re.findall(r"data-ledger-entry=", refunds)) == 1
    lisa = shop.customers["lisa"].id
    mine = page(sam, f"/admin/ledger?customer={lisa}&agent={shop.agents['alice'].id}&status=recorded").text
    assert len(re.findall(r"data-ledger-entry=", mine)) == 3
    assert page(sam, f"/admin/ledger?agent={shop.agents['bob'].id}").text.count("data-ledger-entry=") == 0
    assert "No compensations match." in text_of(page(sam, "/admin/ledger?from=2020-01-01&to=2020-01-31").text)
    bad = sam.get("/admin/ledger?from=2026-02-30", headers=HTML)
    assert bad.status_code == 422 and "2026-02-30 is not a date (2026-03-01)." in text_of(bad.text)
    # A page at a time (25): the 26th entry is on the next page.
    for n in range(24):
        r = alice.post(
            url, grant_form(html, "", "1", kind="goodwill_credit", reason_code="goodwill", key=f"p-{n}")
        )
        assert r.status_code == 200, r.text
    first = page(sam, "/admin/ledger").text
    assert first.count("data-ledger-entry=") == 25
    older = re.search(r'href="(/admin/ledger\?before=\d+)" rel="next"', first)
    assert older, "no Older link"
    assert page(sam, older.group(1).replace("&amp;", "&")).text.count("data-ledger-entry=") == 2
    # The CSV link is the same selection, through the ledger's export.
    filtered = page(sam, "/admin/ledger?kind=refund").text
    link = re.search(r'href="([^"]+)" download data-export', filtered)
    assert link and link.group(1) == "/api/v1/compensations/export.csv?kind=refund"
    exported = sam.get(link.group(1))
    assert exported.status_code == 200 and exported.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert [(r["kind"], r["amount_minor"], r["order_id"]) for r in rows] == [
        ("refund", "50000", str(stuck.id))
    ]
    assert len(entries(shop.api("ada"))) == 27


async def test_the_sellers_page_lists_sellers_with_kind_and_standing(shop: Cast) -> None:
    ada = await console_for(shop, "ada")
    shown = page(ada, "/admin/sellers").text
    words = text_of(shown)
    assert shown.count("data-seller=") == 4
    assert "WowDesk 自營 WowDesk Direct" in words and "Our own shop" in words
    assert "山嵐茶行 Mountain Mist Tea" in words and "Marketplace seller" in words and "Active" in words
    assert "data-scorecard=" not in shown  # not scored yet: no made-up numbers
    assert "No scorecards yet" in words


async def test_admins_score_the_sellers_and_reinstate_a_suspended_one(shop: Cast) -> None:
    """Scoring from the page fills the scorecards; a suspended seller is reinstated with a reason
    (an empty reason is refused in words, and changes nothing)."""
    ada = await console_for(shop, "ada")
    scored = ada.post("/admin/sellers/evaluate", {}, fetch=False, headers=HTML, follow_redirects=True)
    assert scored.status_code == 200, scored.text
    shown = page(ada, "/admin/sellers").text
    assert shown.count("data-scorecard=") == 4
    assert "Too few orders to judge" in text_of(shown)  # the demo-sized shop has a handful of orders
    seller = next(iter(re.findall(r'data-scorecard="(\d+)"', shown)))
    async with shop.rt.uow() as s:  # as if its figures had crossed the line
        await commerce_actions.do_set_seller_status(
            s, shop.actor("ada"), int(seller), "suspended", reason="order_defect_rate", metrics={}
        )
    shown = page(ada, "/admin/sellers").text
    assert f'action="/admin/sellers/{seller}/reinstate"' in shown
    refused = ada.post(f"/admin/sellers/{seller}/reinstate", {"reason": ""}, fetch=False, headers=HTML)
    assert refused.status_code == 422 and "reason" in text_of(refused.text).lower()
    back = ada.post(
        f"/admin/sellers/{seller}/reinstate",
        {"reason": "Plan of action accepted"},
        fetch=False,
        headers=HTML,
        follow_redirects=True,
    )
    assert back.status_code == 200, back.text
    assert f'action="/admin/sellers/{seller}/reinstate"' not in page(ada, "/admin/sellers").text
