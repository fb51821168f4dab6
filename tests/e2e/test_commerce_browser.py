"""Resolving a lost parcel in the console, in the system Chromium: the agent opens the customer's
ticket, sees the order and the parcel's tracking timeline with its "Stalled" badge, refunds the
order within her limit from the side panel, and sees the ledger entry appear — the page's script
sending the form, the server's answer shown, no script errors. Set ``WOWDESK_UPDATE_SCREENSHOTS=1``
to refresh ``docs/screenshots/ticket-resolution.png``."""

from __future__ import annotations

import os
import shutil

import pytest
from playwright.async_api import Browser, expect

from tests.conftest import Cast
from tests.e2e.test_console_browser import browser, signed_in, watch
from tests.e2e.test_widget_browser import CHROMIUM, SCREENSHOTS
from tests.policies.ledger_support import entries
from tests.web.test_console_commerce import lisa_ticket, order, shop
from wowdesk.commerce import actions as commerce_actions
from wowdesk.core.actor import Actor

__all__ = ["browser", "shop"]  # fixtures

if not shutil.which(CHROMIUM):  # .ci/run installs it: in CI this never skips
    pytestmark = pytest.mark.skip(reason="needs Debian's chromium (apt-get install chromium fonts-noto-cjk)")


async def test_an_agent_refunds_a_lost_parcel_from_the_ticket(shop: Cast, browser: Browser) -> None:
    ticket = lisa_ticket(shop)
    stuck = await order(shop, "TW-10231")
    async with shop.rt.uow() as s:
        await commerce_actions.do_mark_shipment_stalled(
            s, Actor.system(shop.workspace_id), stuck.shipments[0].id, reason="no_progress"
        )
    context = await signed_in(browser, shop, "alice")
    page = await context.new_page()
    errors = watch(page)
    await page.goto(f"{shop.base_url}/tickets/{ticket['id']}")

    panel = page.locator("[data-ticket-resolution]")
    parcel = panel.locator(f'[data-order="{stuck.id}"]')
    await expect(parcel.locator("summary").first).to_contain_text("TW-10231")
    await expect(parcel.locator("[data-stalled]")).to_have_text("Stalled")
    await expect(parcel).to_contain_text("黑貓宅急便")
    timeline = parcel.locator(".tracking-events li")
    await expect(timeline).to_have_count(3)
    await expect(timeline.first).to_contain_text("已到達轉運中心 Arrived at the sorting hub")  # newest first
    # The timeline folds away and back.
    await parcel.locator(".tracking summary").click()
    await expect(timeline.first).to_be_hidden()
    await parcel.locator(".tracking summary").click()
    await expect(timeline.first).to_be_visible()

    form = panel.locator("form.grant-form")
    await expect(form.locator("#grant-order")).to_have_value(str(stuck.id))  # the stalled order first
    await expect(form.locator("#grant-reason")).to_have_value("lost_parcel")
    await form.locator("#grant-amount").fill("1990")
    await form.locator("#grant-note").fill("包裹遺失，全額退款")
    await form.get_by_role("button", name="Grant").dblclick()  # a double click pays once
    await expect(page.locator("[data-toast]")).to_have_text("Refund of NT$1,990.00 granted.")
    entry = panel.locator("[data-ledger-entry]")
    await expect(entry).to_have_count(1)
    await expect(entry).to_contain_text("Refund NT$1,990.00 · TW-10231 · Parcel lost")
    await expect(entry.locator(".badge")).to_have_text("Recorded")
    await expect(page.locator(".timeline")).to_contain_text("granted a refund of NT$1,990.00")
    [stored] = entries(shop.api("ada"), order=stuck.id)
    assert stored["amount_minor"] == 199_000 and stored["note"] == "包裹遺失，全額退款"

    # Over what is left: refused in words next to the form, what was typed kept.
    await form.locator("#grant-amount").fill("5")
    await form.get_by_role("button", name="Grant").click()
    await expect(form.locator("[data-form-error]")).to_contain_text("NT$0.00 is left")
    await expect(form.locator("#grant-amount")).to_have_value("5")
    assert len(entries(shop.api("ada"), order=stuck.id)) == 1

    if os.environ.get("WOWDESK_UPDATE_SCREENSHOTS"):
        await page.goto(f"{shop.base_url}/tickets/{ticket['id']}")
        await page.evaluate("window.scrollTo(0, 0)")
        SCREENSHOTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(SCREENSHOTS / "ticket-resolution.png"), full_page=True)
    assert errors == []
    await context.close()
