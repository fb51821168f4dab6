"""The chat widget outside business hours, in the system Chromium: the offline notice says when the
agents are back and asks for an e-mail address; a message without one is not sent, with one it
becomes a ticket and the visitor sees which request it is and where the answer will go."""

from __future__ import annotations

import os
import shutil

import pytest
from playwright.async_api import Browser, expect

from tests.conftest import Cast
from tests.e2e.test_widget_browser import CHROMIUM, SCREENSHOTS, _shop, browser
from tests.tickets.email.support import closed_channel

__all__ = ["browser"]  # the module's fixture, shared

if not shutil.which(CHROMIUM):  # .ci/run installs it: in CI this never skips
    pytestmark = pytest.mark.skip(reason="needs Debian's chromium (apt-get install chromium fonts-noto-cjk)")


async def test_a_visitor_leaves_a_message_with_their_email_and_sees_the_confirmation(
    live_cast: Cast, browser: Browser
) -> None:
    channel = await closed_channel(live_cast)
    context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    page = await context.new_page()
    await page.goto(_shop(live_cast))
    await page.locator(".wd-launcher").click()
    notice = page.locator(".wd-off")
    await expect(notice).to_be_visible()
    await expect(notice).to_contain_text("We are away right now")
    await expect(notice.locator(".wd-back")).to_contain_text("We are back")
    email = page.locator(".wd-off-email")
    await expect(email).to_be_visible()

    # Tried first: a message without an address. It is not sent; the visitor is asked for one.
    await page.locator(".wd-input").fill("我的包裹還沒到")
    await page.keyboard.press("Enter")
    await expect(page.locator(".wd-err")).to_contain_text("e-mail address")
    await expect(email).to_be_focused()
    await expect(email).to_have_attribute("aria-invalid", "true")
    assert await page.locator(".wd-msg.wd-me").count() == 0

    await email.fill("lin@example.com")
    await page.locator(".wd-off-name").fill("林小姐")
    await page.locator(".wd-input").click()
    if os.environ.get("WOWDESK_UPDATE_SCREENSHOTS"):
        SCREENSHOTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(SCREENSHOTS / "widget-offline-message.png"))
    await page.keyboard.press("Enter")
    await expect(page.locator(".wd-msg.wd-me").last).to_contain_text("我的包裹還沒到")
    confirmation = page.locator(".wd-msg:not(.wd-me):not(.wd-greet)").last
    await expect(confirmation).to_contain_text("lin@example.com")
    await expect(confirmation).to_contain_text("request #")
    await expect(email).to_be_hidden()  # the address is known now

    [conversation] = (
        live_cast.api("ada").get("/api/v1/conversations", params={"channel": channel}).json()["items"]
    )
    ticket = live_cast.api("ada").get(f"/api/v1/tickets/{conversation['ticket_id']}").json()
    assert ticket["tags"] == ["offline-message"] and ticket["replies_by"] == "email"
    assert ticket["requester"]["name"] == "林小姐"
    await expect(confirmation).to_contain_text(f"#{ticket['number']}")
    await context.close()
