"""The agent console in the system Chromium, as an agent meets it: signing in through the form, the
inbox with its live counts, answering a customer who chats in the widget (the customer in a second
browser context on the demo shop page), internal notes, properties, the keyboard, the languages, a
phone's screen, the installable app, and two agents on the same conversation.

Agents other than the one signing in through the form get their session cookie from a real session
(``tests.web.support.console_for``), not the slow password check. Set
``WOWDESK_UPDATE_SCREENSHOTS=1`` to refresh ``docs/screenshots/console-*.png``."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import uuid
from collections.abc import AsyncIterator
from typing import Any, Literal

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, async_playwright, expect

from tests.conftest import PASSWORD, Cast
from tests.conversations.support import make_channel
from tests.e2e.test_widget_browser import ARGS, CHROMIUM, SCREENSHOTS
from tests.web.support import console_for
from wowdesk.accounts import actions as account_actions
from wowdesk.accounts.models import Workspace
from wowdesk.core.i18n import translate
from wowdesk.http.deps import SESSION_COOKIE

DESKTOP = {"width": 1280, "height": 800}
PHONE = {"width": 390, "height": 844}
SHOTS = bool(os.environ.get("WOWDESK_UPDATE_SCREENSHOTS"))

if not shutil.which(CHROMIUM):  # .ci/run installs it: in CI this never skips
    pytestmark = pytest.mark.skip(reason="needs Debian's chromium (apt-get install chromium fonts-noto-cjk)")


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        await b.close()


# -- helpers -------------------------------------------------------------------------------------------------


async def signed_in(
    browser: Browser,
    cast: Cast,
    who: str,
    *,
    phone: bool = False,
    locale: str = "en-US",
    service_workers: Literal["allow", "block"] = "allow",
) -> BrowserContext:
    """A browser context with `who`'s console session cookie (as if they had signed in)."""
    assert cast.base_url
    console = await console_for(cast, who)
    cookie = console.client.cookies.get(SESSION_COOKIE)
    assert cookie
    context = await browser.new_context(
        viewport=PHONE if phone else DESKTOP,
        is_mobile=phone,
        has_touch=phone,
        locale=locale,
        service_workers=service_workers,
    )
    context.set_default_timeout(10_000)
    await context.add_cookies([{"name": SESSION_COOKIE, "value": cookie, "url": cast.base_url}])
    return context


def watch(page: Page) -> list[str]:
    """The page's uncaught script errors, to be empty at the end of a test."""
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    return errors


async def live(page: Page) -> None:
    """The page's agent socket is up (so what happens next arrives live)."""
    await expect(page.locator("[data-live-state]")).to_have_attribute("data-state", "up")


async def mark(page: Page) -> None:
    """A flag in the page's window: gone if the page reloads."""
    await page.evaluate("window.__same_page = true")


async def same_page(page: Page) -> None:
    assert await page.evaluate("window.__same_page === true"), "the page was reloaded"


async def no_sideways_scroll(page: Page) -> None:
    width = await page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways: {width}px wide"


def new_ticket(cast: Cast, who: str = "alice", **data: Any) -> dict[str, Any]:
    data.setdefault("requester", {"id": cast.customers["john"].id})
    r = cast.api(who).post("/api/v1/tickets", json=data)
    assert r.status_code == 201, r.text
    out: dict[str, Any] = r.json()
    return out


def comment(cast: Cast, ticket_id: int, body: str, *, who: str = "alice", public: bool = True) -> None:
    r = cast.api(who).post(f"/api/v1/tickets/{ticket_id}/comments", json={"body": body, "public": public})
    assert r.status_code == 201, r.text


class Visitor:
    """A customer chatting through the widget's REST API (what an app would use)."""

    def __init__(self, cast: Cast, channel: int, name: str, email: str, language: str = "en") -> None:
        self.client = cast.api(None)
        r = self.client.post(
            "/api/v1/widget/session",
            json={
                "workspace": cast.slug,
                "channel": channel,
                "profile": {"name": name, "email": email},
                "language": language,
            },
        )
        assert r.status_code == 200, r.text
        self.token = r.json()["visitor"]

    def say(self, body: str) -> httpx.Response:
        r = self.client.post(
            "/api/v1/widget/messages",
            json={"client_id": uuid.uuid4().hex, "body": body},
            headers={"Authorization": f"Visitor {self.token}"},
        )
        assert r.status_code == 201, r.text
        return r


def conversations(cast: Cast, channel: int, who: str = "sam") -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (
        cast.api(who).get("/api/v1/conversations", params={"channel": channel}).json()["items"]
    )
    return items


def agent_id(cast: Cast, who: str) -> int:
    return cast.agents[who].id


# -- signing in ----------------------------------------------------------------------------------------------


async def test_an_agent_signs_in_through_the_form(live_cast: Cast, browser: Browser) -> None:
    """A deep link leads to the form and back after signing in; a wrong password is refused with what
    was typed kept; "remember me" makes the cookie outlive the browser; signing out ends it."""
    t = new_ticket(live_cast, subject="Where is my parcel?")
    context = await browser.new_context(viewport=DESKTOP, locale="en-US")
    page = await context.new_page()
    errors = watch(page)
    await page.goto(f"{live_cast.base_url}/tickets/{t['id']}")
    await expect(page).to_have_url(re.compile(r"/login\?next=%2Ftickets%2F\d+$"))
    await expect(page.locator("#workspace")).to_be_focused()
    await expect(page.locator("#remember")).to_be_checked()

    await page.locator("#workspace").fill(live_cast.slug)
    await page.locator("#email").fill(f"ada@{live_cast.slug}.test")
    await page.locator("#password").fill("not-the-password")
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator(".flash.error")).to_contain_text(
        "The workspace, e-mail or password is not right."
    )
    await expect(page.locator("#workspace")).to_have_value(live_cast.slug)
    await expect(page.locator("#email")).to_have_value(f"ada@{live_cast.slug}.test")
    await expect(page.locator("#password")).to_be_focused()

    await page.locator("#password").fill(PASSWORD)
    await page.locator("#password").press("Enter")
    await expect(page).to_have_url(f"{live_cast.base_url}/tickets/{t['id']}")
    await expect(page.locator("[data-ticket-head] h1")).to_contain_text("Where is my parcel?")
    await expect(page.locator(".presence label")).to_have_text("Ada")
    cookie = next(c for c in await context.cookies() if c["name"] == SESSION_COOKIE)
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert cookie["expires"] > (dt.datetime.now() + dt.timedelta(days=13)).timestamp(), cookie  # remembered

    await page.get_by_role("button", name="Sign out").click()
    await expect(page).to_have_url(re.compile(r"/login\?signed_out=1$"))
    await expect(page.locator(".flash[role=status]")).to_have_text("You are signed out.")
    await page.goto(f"{live_cast.base_url}/inbox")
    await expect(page).to_have_url(re.compile(r"/login\?next=%2Finbox$"))
    assert errors == []
    await context.close()


# -- the inbox -----------------------------------------------------------------------------------------------


async def test_the_inbox_views_and_their_live_counts(live_cast: Cast, browser: Browser) -> None:
    """The views show what they should with the counts the API gives; a new ticket for the agent
    appears in their list and its count without a reload."""
    alice = agent_id(live_cast, "alice")
    new_ticket(live_cast, subject="Mine, urgent", priority="urgent", assignee_id=alice)
    new_ticket(live_cast, subject="Mine, waiting", status="pending", assignee_id=alice)
    new_ticket(live_cast, subject="Nobody's yet")
    new_ticket(live_cast, subject="Bob's", assignee_id=agent_id(live_cast, "bob"))
    context = await signed_in(browser, live_cast, "alice")
    page = await context.new_page()
    errors = watch(page)
    await page.goto(f"{live_cast.base_url}/inbox")
    await expect(page.locator("main h1")).to_have_text("All open")
    await expect(page.locator(".views a[aria-current=page]")).to_contain_text("All open")
    rows = page.locator("[data-inbox-list] .row")
    await expect(rows).to_have_count(3)  # the pending one is not open
    await expect(rows.filter(has_text="Mine, urgent").locator(".badge.priority-urgent")).to_have_text(
        "Urgent"
    )

    counts = {c["key"]: c["count"] for c in live_cast.api("alice").get("/api/v1/views/counts").json()}
    assert counts["mine"] == 2 and counts["unassigned"] == 1 and counts["open"] == 3, counts
    for key in ("mine", "unassigned", "team", "open", "pending", "solved"):
        await expect(page.locator(f'[data-count-for="{key}"]')).to_have_text(str(counts[key]))

    await page.locator(".views a", has_text="Mine").click()
    await expect(page).to_have_url(re.compile(r"/inbox\?view=mine$"))
    await expect(page.locator("main h1")).to_have_text("Mine")
    await expect(rows).to_have_count(2)
    await expect(rows.first).to_contain_text("Mine, waiting")  # the most recent activity first
    await live(page)
    await mark(page)

    new_ticket(live_cast, who="sam", subject="Given to Alice while she looks", assignee_id=alice)
    await expect(rows).to_have_count(3)
    await expect(rows.first).to_contain_text("Given to Alice while she looks")
    await expect(page.locator('[data-count-for="mine"]')).to_have_text("3")
    await expect(page.locator('[data-count-for="open"]')).to_have_text("4")
    await same_page(page)
    assert errors == []
    await context.close()


# -- answering a chat ----------------------------------------------------------------------------------------


async def test_an_agent_answers_a_live_chat(live_cast: Cast, browser: Browser) -> None:
    """The customer writes in the widget; the chat appears in the agent's inbox without a reload;
    the agent answers from the console and the customer receives it; an internal note never reaches
    the customer; the customer's next message (and typing) appears in the open conversation live."""
    channel = await make_channel(live_cast)
    agent_context = await signed_in(browser, live_cast, "alice")
    agent = await agent_context.new_page()
    errors = watch(agent)
    await agent.goto(f"{live_cast.base_url}/inbox?view=unassigned")
    await expect(agent.locator("[data-inbox-list] .empty")).to_be_visible()
    await live(agent)
    await mark(agent)

    customer_context = await browser.new_context(viewport=DESKTOP, locale="en-US")
    customer = await customer_context.new_page()
    await customer.goto(f"{live_cast.base_url}/demo/shop?workspace={live_cast.slug}")
    await customer.locator(".wd-launcher").click()
    await customer.locator(".wd-input").fill("Hello, my order #A-1001 has not arrived yet")
    await customer.keyboard.press("Enter")
    await expect(customer.locator(".wd-msg.wd-me .wd-delivered")).to_be_visible()

    row = agent.locator('[data-inbox-list] .row[data-kind="conversation"]')
    await expect(row).to_have_count(1)
    await expect(row).to_contain_text("Hello, my order #A-1001 has not arrived yet")
    await expect(agent.locator('[data-count-for="unassigned"]')).to_have_text("1")
    await same_page(agent)

    await row.locator("a").click()
    await expect(agent).to_have_url(re.compile(r"/conversations/\d+$"))
    messages = agent.locator("[data-timeline]")
    await expect(messages.locator(".message.incoming")).to_contain_text("#A-1001")
    await live(agent)

    await agent.keyboard.press("r")
    composer = agent.locator("#composer-body")
    await expect(composer).to_be_focused()
    await composer.fill("Sorry for the wait! It leaves our warehouse today.")
    await composer.press("Control+Enter")
    await expect(agent.locator("[data-toast]")).to_have_text("Reply sent.")
    await expect(composer).to_have_value("")
    await expect(messages.locator(".message.outgoing").last).to_contain_text("It leaves our warehouse today.")
    reply = customer.locator(".wd-msg:not(.wd-me)").last
    await expect(reply).to_contain_text("It leaves our warehouse today.")

    await agent.locator("main h1").click()  # out of the text box: the shortcut keys work again
    await agent.keyboard.press("n")
    await expect(agent.locator("[data-composer]")).to_have_class(re.compile(r"\bnote-mode\b"))
    await expect(composer).to_have_attribute("placeholder", "Write a note only colleagues see…")
    await composer.fill("INTERNAL: the courier lost it, resend at our cost")
    await agent.get_by_role("button", name="Send").click()
    await expect(agent.locator("[data-toast]")).to_have_text("Note added.")
    await expect(messages.locator(".message.private")).to_contain_text("INTERNAL: the courier lost it")
    await expect(messages.locator(".message.private")).to_contain_text("Internal note")

    await agent.locator('input[name="mode"][value="reply"]').check(force=True)
    await composer.fill("We are sending a new one by express.")
    await composer.press("Control+Enter")
    await expect(customer.locator(".wd-msg:not(.wd-me)").last).to_contain_text("by express")
    assert "INTERNAL" not in await customer.locator("#wowdesk-widget .wd-log").inner_text()

    await mark(agent)
    await customer.locator(".wd-input").press_sequentially("Thank", delay=20)
    await expect(agent.locator("[data-customer-typing]")).to_be_visible()
    await customer.locator(".wd-input").fill("Thank you! Can you send it to my office instead?")
    await customer.keyboard.press("Enter")
    await expect(messages.locator(".message.incoming").last).to_contain_text("send it to my office")
    await same_page(agent)

    await agent.locator("#c-assignee").select_option(str(agent_id(live_cast, "alice")))
    await expect(agent.locator("[data-toast]")).to_have_text("Saved.")
    cv = conversations(live_cast, channel)[0]
    assert cv["assignee_id"] == agent_id(live_cast, "alice"), cv

    await customer.reload()  # what the customer's history holds, from the server
    await customer.locator(".wd-launcher").click()
    await expect(customer.locator(".wd-msg:not(.wd-me)").last).to_contain_text("by express")
    assert "INTERNAL" not in await customer.locator("#wowdesk-widget .wd-log").inner_text()
    assert errors == []
    await customer_context.close()
    await agent_context.close()


# -- a ticket's properties -----------------------------------------------------------------------------------


async def test_an_agent_assigns_a_ticket_and_changes_its_status(live_cast: Cast, browser: Browser) -> None:
    """The properties save themselves on change (assignee, status), tags with the button; the
    header and the timeline follow without a reload, and the API sees the same."""
    t = new_ticket(
        live_cast, subject="我的訂單還沒到", requester={"id": live_cast.customers["lisa"].id}, channel="email"
    )
    context = await signed_in(browser, live_cast, "alice")
    page = await context.new_page()
    errors = watch(page)
    await page.goto(f"{live_cast.base_url}/tickets/{t['id']}")
    await expect(page.locator("[data-ticket-head] .badge").first).to_have_text("New")
    await live(page)
    await mark(page)

    await page.keyboard.press("a")
    assignee = page.locator("#p-assignee")
    await expect(assignee).to_be_focused()
    await assignee.select_option(str(agent_id(live_cast, "bob")))
    await expect(page.locator("[data-toast]")).to_have_text("Saved.")
    await expect(page.locator("[data-timeline]")).to_contain_text("Alice changed assignee from nobody to Bob")
    await expect(page.locator("#p-assignee")).to_have_value(str(agent_id(live_cast, "bob")))

    await page.locator("#p-status").select_option("pending")
    await expect(page.locator("[data-ticket-head] .badge").first).to_have_text("Pending")
    await expect(page.locator("[data-timeline]")).to_contain_text("Alice changed status from New to Pending")

    await page.locator("#p-tags").fill("vip, 退款")
    await page.locator("[data-ticket-props]").get_by_role("button", name="Save").click()
    await expect(page.locator("[data-timeline]")).to_contain_text("changed tags from — to vip, 退款")
    await same_page(page)

    now = live_cast.api("alice").get(f"/api/v1/tickets/{t['id']}").json()
    assert now["assignee_id"] == agent_id(live_cast, "bob") and now["status"] == "pending", now
    assert now["tags"] == ["vip", "退款"], now

    # a change made elsewhere shows up here too
    r = live_cast.api("sam").patch(f"/api/v1/tickets/{t['id']}", json={"priority": "high"})
    assert r.status_code == 200, r.text
    await expect(page.locator("[data-ticket-head] .badge.priority-high")).to_have_text("High")
    await expect(page.locator("#p-priority")).to_have_value("high")
    await page.reload()
    await expect(page.locator("#p-status")).to_have_value("pending")
    await expect(page.locator("#p-tags")).to_have_value("vip, 退款")
    assert errors == []
    await context.close()


# -- the keyboard --------------------------------------------------------------------------------------------


async def test_the_keyboard_moves_through_the_inbox_and_opens_a_ticket(
    live_cast: Cast, browser: Browser
) -> None:
    """j/k move the selection, Enter opens it; on the ticket ? shows the help, / goes to the search,
    r and n to the composer (reply or note), a to the assignee; "/" in the composer offers the
    canned responses with the customer's name filled in."""
    for subject in ("Oldest question", "Middle question", "Newest question"):
        new_ticket(live_cast, subject=subject, requester={"id": live_cast.customers["lisa"].id})
    r = live_cast.api("sam").post(
        "/api/v1/canned-responses",
        json={"shortcut": "thanks", "title": "Thank the customer", "body": "Thank you, {{ customer.name }}!"},
    )
    assert r.status_code == 201, r.text
    context = await signed_in(browser, live_cast, "alice")
    page = await context.new_page()
    errors = watch(page)
    await page.goto(f"{live_cast.base_url}/inbox")
    rows = page.locator("[data-inbox-list] .row")
    await expect(rows).to_have_count(3)
    selected = page.locator("[data-inbox-list] .row.selected")

    await page.keyboard.press("j")
    await expect(selected).to_contain_text("Newest question")
    await expect(rows.nth(0).locator("a")).to_be_focused()
    await page.keyboard.press("j")
    await expect(selected).to_contain_text("Middle question")
    await page.keyboard.press("j")
    await page.keyboard.press("j")  # stays on the last one
    await expect(selected).to_contain_text("Oldest question")
    await page.keyboard.press("k")
    await expect(selected).to_contain_text("Middle question")
    await expect(selected).to_have_count(1)
    href = await selected.locator("a").get_attribute("href")
    await page.keyboard.press("Enter")
    await expect(page).to_have_url(f"{live_cast.base_url}{href}")
    await expect(page.locator("[data-ticket-head] h1")).to_contain_text("Middle question")

    await page.keyboard.press("?")
    await expect(page.locator("[data-help]")).to_be_visible()
    await page.keyboard.press("Escape")
    await expect(page.locator("[data-help]")).to_be_hidden()
    await page.keyboard.press("/")
    await expect(page.locator("#q")).to_be_focused()
    await page.keyboard.press("Escape")
    await page.keyboard.press("a")
    await expect(page.locator("#p-assignee")).to_be_focused()
    await page.keyboard.press("Escape")
    await page.keyboard.press("n")
    composer = page.locator("#composer-body")
    await expect(composer).to_be_focused()
    await expect(page.locator('input[name="mode"][value="note"]')).to_be_checked()
    await page.keyboard.press("Escape")
    await page.keyboard.press("r")
    await expect(composer).to_be_focused()
    await expect(page.locator('input[name="mode"][value="reply"]')).to_be_checked()

    await composer.press_sequentially("/tha")
    popup = page.locator("[data-composer] .canned")
    await expect(popup).to_be_visible()
    await expect(popup.get_by_role("option")).to_have_text(["/thanksThank the customer"])
    await composer.press("Enter")
    await expect(popup).to_be_hidden()
    await expect(composer).to_have_value("Thank you, 張雅婷 Lisa!")
    assert errors == []
    await context.close()


# -- languages -----------------------------------------------------------------------------------------------

SIMPLIFIED_ONLY = set("设这们单认态处户务为开关时间发题请过计员动无应队联话说")
TRADITIONAL_ONLY = set("設這們單認態處戶務為開關時間發題請過計員動無應隊聯話說")


def _in(language: str, msgid: str) -> str:
    """The catalogue's words for `msgid` (which must be translated)."""
    words = translate(msgid, language)
    assert words != msgid and re.search(r"[\u4e00-\u9fff]", words), f"{msgid!r} has no {language} translation"
    return words


async def _chinese_words(page: Page) -> str:
    """The words of the frame and the page's heading, which must all be translated."""
    words = " ".join(
        [
            await page.locator(".nav-title").inner_text(),
            await page.locator(".links").inner_text(),
            await page.locator(".signout").inner_text(),
            await page.locator("main h1").inner_text(),
        ]
    )
    assert not re.search(r"[A-Za-z]{3,}", words), f"not translated: {words!r}"
    assert re.search(r"[\u4e00-\u9fff]", words), words
    return words


async def test_an_agent_switches_the_language(live_cast: Cast, browser: Browser) -> None:
    """Your settings → Language: the console changes to Traditional, then Simplified Chinese (the
    words of each, not the other's), and back to the browser's English."""
    context = await signed_in(browser, live_cast, "alice")
    page = await context.new_page()
    errors = watch(page)
    await page.goto(f"{live_cast.base_url}/settings")
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.locator("main h1")).to_have_text("Your settings")

    await page.locator("#s-language").select_option("zh-Hant")
    await page.locator("#s-language").locator("xpath=ancestor::form").get_by_role("button").click()
    await expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
    await expect(page.locator("#s-language")).to_have_value("zh-Hant")
    words = await _chinese_words(page)
    assert not SIMPLIFIED_ONLY & set(words), f"simplified characters in zh-Hant: {words!r}"
    await expect(page.locator("main h1")).to_have_text(_in("zh-Hant", "Your settings"))  # 個人設定
    await expect(page.locator(".nav-title")).to_have_text(_in("zh-Hant", "Inbox"))  # 收件匣
    await expect(page.locator("[data-toast]")).to_be_visible()  # the message outlives the reload
    await page.goto(f"{live_cast.base_url}/inbox")
    await expect(page.locator("html")).to_have_attribute("lang", "zh-Hant")
    hant = await _chinese_words(page)

    await page.goto(f"{live_cast.base_url}/settings")
    await page.locator("#s-language").select_option("zh-Hans")
    await page.locator("#s-language").locator("xpath=ancestor::form").get_by_role("button").click()
    await expect(page.locator("html")).to_have_attribute("lang", "zh-Hans")
    words = await _chinese_words(page)
    assert not TRADITIONAL_ONLY & set(words), f"traditional characters in zh-Hans: {words!r}"
    await expect(page.locator("main h1")).to_have_text(_in("zh-Hans", "Your settings"))  # 个人设置
    await expect(page.locator(".nav-title")).to_have_text(_in("zh-Hans", "Inbox"))  # 收件箱
    await page.goto(f"{live_cast.base_url}/inbox")
    hans = await _chinese_words(page)
    assert hans != hant, "the same words in both scripts"

    await page.goto(f"{live_cast.base_url}/settings")
    await page.locator("#s-language").select_option("auto")
    await page.locator("#s-language").locator("xpath=ancestor::form").get_by_role("button").click()
    await expect(page.locator("html")).to_have_attribute("lang", "en")
    await expect(page.locator("main h1")).to_have_text("Your settings")
    assert errors == []
    await context.close()


# -- realistic data, screenshots, the phone ------------------------------------------------------------------


async def _a_busy_desk(cast: Cast) -> tuple[int, int]:
    """A morning's tickets and chats in English and Chinese; returns (a ticket's id, a chat's id)."""
    async with cast.rt.uow() as s:  # what the pictures show: a shop's name, an agent at work
        workspace = await s.get(Workspace, cast.workspace_id)
        assert workspace is not None
        workspace.name = "Acme 台灣"
        await account_actions.do_set_availability(s, cast.actor("alice"), "online")
    alice, sam = agent_id(cast, "alice"), agent_id(cast, "sam")
    lisa, wang, john = (cast.customers[k].id for k in ("lisa", "wang", "john"))
    new_ticket(cast, subject="Refund for a double charge on invoice INV-2291", requester={"id": john},
               priority="urgent", channel="email", assignee_id=sam, tags=["billing"])  # fmt: skip
    new_ticket(cast, subject="退货申请：尺码不合适，想换大一号", requester={"id": wang}, channel="web",
               status="open", tags=["退换货"])  # fmt: skip
    new_ticket(cast, subject="Can I change the delivery address?", channel="phone",
               requester={"email": "emily.clark@example.com", "name": "Emily Clark"})  # fmt: skip
    new_ticket(cast, subject="發票抬頭需要修改成公司名稱", requester={"id": lisa}, channel="line",
               assignee_id=alice, status="pending")  # fmt: skip
    channel = await make_channel(cast, greeting={"en": "Hi! How can we help?"})
    Visitor(cast, channel, "李娜", "lina@example.cn", "zh-Hans").say("请问可以开增值税发票吗？")
    kevin = Visitor(cast, channel, "Kevin Lin", "kevin@example.com")
    kevin.say("Hi! Is the Taipei 101 store open on Sunday?")
    t = new_ticket(
        cast,
        subject="我的訂單 #TW-10023 還沒到貨",
        description="您好，我上週五下的訂單到現在還沒收到，物流也查不到。可以幫我確認一下嗎？",
        requester={"id": lisa},
        channel="email",
        priority="high",
        assignee_id=alice,
        tags=["物流", "vip"],
    )
    comment(cast, t["id"], "張小姐您好，很抱歉讓您久等了！我們已經聯絡物流公司，今天下午會回覆您。")
    comment(cast, t["id"], "Courier says the parcel is stuck in Taoyuan — resend if not found by 5 pm.",
            who="sam", public=False)  # fmt: skip
    chats = conversations(cast, channel)
    return t["id"], chats[0]["id"]


async def test_screenshots_of_the_inbox_and_a_ticket(live_cast: Cast, browser: Browser) -> None:
    """The README's pictures, desktop (1280×800) and phone (390×844): the inbox with tickets and
    chats in English and Chinese, and a ticket with a reply and an internal note."""
    ticket_id, _chat = await _a_busy_desk(live_cast)
    for phone in (False, True):
        context = await signed_in(browser, live_cast, "alice", phone=phone)
        page = await context.new_page()
        errors = watch(page)
        suffix = "-phone" if phone else ""
        await page.goto(f"{live_cast.base_url}/inbox")
        rows = page.locator("[data-inbox-list] .row")
        await expect(rows).to_have_count(6)
        await expect(rows.filter(has_text="李娜")).to_contain_text("请问可以开增值税发票吗？")
        await expect(page.locator('[data-count-for="open"]')).to_have_text("6")
        await page.evaluate("document.fonts.ready")
        if SHOTS:
            SCREENSHOTS.mkdir(exist_ok=True)
            await page.screenshot(path=str(SCREENSHOTS / f"console-inbox{suffix}.png"))
        await page.goto(f"{live_cast.base_url}/tickets/{ticket_id}")
        await expect(page.locator(".entry.internal")).to_contain_text("stuck in Taoyuan")
        await expect(page.locator(".customer h2")).to_contain_text("張雅婷 Lisa")
        await live(page)
        if SHOTS:
            await page.locator("#composer-body").fill("張小姐您好，新的包裹已經寄出，")
            await page.evaluate("document.fonts.ready")
            await page.screenshot(path=str(SCREENSHOTS / f"console-ticket{suffix}.png"))
        assert errors == []
        await context.close()


async def test_on_a_phone_nothing_scrolls_sideways(live_cast: Cast, browser: Browser) -> None:
    """390×844: the inbox, a ticket, a conversation, the settings and the customers fit the width;
    the menu opens as a drawer and closes with Escape; buttons are big enough to tap."""
    ticket_id, chat_id = await _a_busy_desk(live_cast)
    context = await signed_in(browser, live_cast, "alice", phone=True)
    page = await context.new_page()
    errors = watch(page)
    base = live_cast.base_url
    await page.goto(f"{base}/inbox")
    await expect(page.locator("[data-inbox-list] .row")).to_have_count(6)
    await no_sideways_scroll(page)
    await page.locator(".filters > summary").tap()
    await expect(page.locator(".filter-form")).to_be_visible()
    await no_sideways_scroll(page)
    await page.locator(".filters > summary").tap()

    nav = page.locator("#nav")
    assert (await nav.bounding_box() or {"x": 0})["x"] < -100  # off screen
    await page.locator("[data-nav-toggle]").tap()
    await expect(page.locator("[data-nav-toggle]")).to_have_attribute("aria-expanded", "true")
    await expect(nav).to_have_class(re.compile(r"\bopen\b"))
    await expect(nav.locator("a", has_text="Mine")).to_be_in_viewport()
    await page.keyboard.press("Escape")
    await expect(page.locator("[data-nav-toggle]")).to_have_attribute("aria-expanded", "false")

    for path, ready in (
        (f"/tickets/{ticket_id}", ".entry.internal"),
        (f"/conversations/{chat_id}", ".message.incoming"),
        ("/settings", "#s-language"),
        ("/customers", "table"),
        (f"/customers/{live_cast.customers['lisa'].id}", "#cu-name"),
    ):
        await page.goto(f"{base}{path}")
        await expect(page.locator(ready).first).to_be_visible()
        await no_sideways_scroll(page)
        for button in await page.locator("main .button:visible, main button:visible").all():
            box = await button.bounding_box()
            assert box is not None and box["height"] >= 43.99, (path, await button.inner_text(), box)
    assert errors == []
    await context.close()


# -- the installable app -------------------------------------------------------------------------------------


async def test_the_console_is_an_installable_app(live_cast: Cast, browser: Browser) -> None:
    """The page links its manifest (name, start URL, icons that load); the service worker registers
    for the whole site, takes control, and shows its offline page when the network is gone."""
    context = await signed_in(browser, live_cast, "alice")
    page = await context.new_page()
    errors = watch(page)
    await page.goto(f"{live_cast.base_url}/inbox")
    href = await page.locator('link[rel="manifest"]').get_attribute("href")
    assert href == "/manifest.webmanifest"
    manifest = await page.evaluate("(u) => fetch(u).then((r) => r.json())", href)
    assert manifest["start_url"].startswith("/inbox") and manifest["display"] == "standalone", manifest
    assert manifest["name"] and manifest["short_name"] == "WowDesk", manifest
    sizes = {i["sizes"] for i in manifest["icons"]}
    assert {"192x192", "512x512"} <= sizes, sizes
    for icon in manifest["icons"]:
        status = await page.evaluate("(u) => fetch(u).then((r) => r.status)", icon["src"])
        assert status == 200, icon

    scope = await page.evaluate("navigator.serviceWorker.ready.then((r) => r.scope)")
    assert scope == f"{live_cast.base_url}/"
    registrations = await page.evaluate(
        "navigator.serviceWorker.getRegistrations()"
        ".then((rs) => rs.map((r) => r.active && r.active.scriptURL))"
    )
    assert registrations == [f"{live_cast.base_url}/sw.js"], registrations
    await page.reload()
    assert await page.evaluate("navigator.serviceWorker.controller !== null")

    await context.set_offline(True)
    await page.goto(f"{live_cast.base_url}/inbox?view=mine")
    await expect(page.locator("h1")).to_have_text("You are offline")
    await context.set_offline(False)
    await expect(page.locator("main h1")).to_have_text("Mine", timeout=10_000)  # reloads once back online
    assert errors == []
    await context.close()


# -- two agents, one conversation ----------------------------------------------------------------------------


async def test_a_second_agent_on_the_same_conversation_is_shown(live_cast: Cast, browser: Browser) -> None:
    """Alice has a chat open; Bob opens it too: each sees the other; when Bob writes, Alice sees
    that he is writing; when he leaves, the notice goes."""
    channel = await make_channel(live_cast)
    Visitor(live_cast, channel, "Kevin Lin", "kevin@example.com").say("Is anyone there?")
    chat_id = conversations(live_cast, channel)[0]["id"]
    url = f"{live_cast.base_url}/conversations/{chat_id}"
    alice_context = await signed_in(browser, live_cast, "alice")
    bob_context = await signed_in(browser, live_cast, "bob")
    alice, bob = await alice_context.new_page(), await bob_context.new_page()
    alice_errors, bob_errors = watch(alice), watch(bob)
    await alice.goto(url)
    await live(alice)
    await expect(alice.locator("[data-collision]")).to_have_text("")

    await bob.goto(url)
    await expect(alice.locator("[data-collision]")).to_have_text("Bob also has this open")
    await expect(bob.locator("[data-collision]")).to_have_text("Alice also has this open")

    await bob.locator("#composer-body").press_sequentially("Hi Kevin", delay=20)
    await expect(alice.locator("[data-collision]")).to_have_text("Bob is writing")

    await bob.goto(f"{live_cast.base_url}/inbox")
    await expect(alice.locator("[data-collision]")).to_have_text("")
    assert alice_errors == [] and bob_errors == []
    await alice_context.close()
    await bob_context.close()
