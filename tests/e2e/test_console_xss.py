"""Customer text in the agent's browser never runs: classic XSS payloads, each calling ``__x(n)``
(or ``alert(n)``), go in wherever a customer or an outsider can put text — customer names, ticket
subjects and descriptions, replies and notes, chat messages through the widget's API, visitor
names, a channel's, a saved view's and an agent's name, canned responses — and the console's pages
are opened in Chromium: the inbox, every ticket, conversation and customer page, the customer
list, and the pages while the same text arrives live.

On every page: no payload ran (no ``__x`` call, no dialog, no script error, no CSP report), no
element carries an event handler or a ``javascript:``/``data:`` address, no active element
(script, iframe, object, svg, math, template, style, base …) came from the text, and the text is
still there to read, as text. No console route accepts HTML (``rendering.render_html`` has no
caller), so every payload is plain text that must be shown literally."""

from __future__ import annotations

import asyncio
import re
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
from playwright.async_api import Browser, BrowserContext, Dialog, Page, expect

from tests.conftest import Cast
from tests.conversations.support import make_channel
from tests.e2e.test_console_browser import CHROMIUM, Visitor, comment, new_ticket, signed_in
from tests.e2e.test_console_browser import browser as browser  # the module's browser fixture
from wowdesk.conversations import actions as chat
from wowdesk.conversations.schemas import ChannelCreate

pytestmark = pytest.mark.skipif(not __import__("shutil").which(CHROMIUM), reason="needs Debian's chromium")

LANES = 4

PAYLOADS = [
    "<script>__x(1)</script>",
    "<img src=x onerror=__x(2)>",
    "<svg onload=__x(3)>",
    "<svg><script>__x(4)</script></svg>",
    '<a href="javascript:__x(5)">click me</a>',
    '<a href="&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;__x(6)">entities</a>',
    '<a href=" JaVaScRiPt:__x(7)">mixed case</a>',
    '<iframe srcdoc="<script>parent.__x(8)</script>"></iframe>',
    '<iframe src="javascript:parent.__x(9)"></iframe>',
    '<object data="data:text/html,<script>parent.__x(10)</script>"></object>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxMSk8L3NjcmlwdD4=">data url</a>',
    '<div style="width:expression(__x(12))">style</div>',
    "<style>@import 'javascript:__x(13)';</style>",
    "<math><mtext><table><mglyph><style><img src=x onerror=__x(14)>",
    "<template><img src=x onerror=__x(15)></template>",
    '<noscript><p title="</noscript><img src=x onerror=__x(16)>">',
    "<img src=x onerror=__x(17)",
    "<IMG SRC=x ONERROR=__x(18)>",
    "<img\tsrc=x\nonerror=__x(19)>",
    "<body onload=__x(20)>",
    "<details open ontoggle=__x(21)>",
    "<input autofocus onfocus=__x(22)>",
    '"><script>__x(23)</script>',
    "'><img src=x onerror=__x(24)>",
    "</textarea><script>__x(25)</script>",
    "</script><script>__x(26)</script>",
    "{{constructor.constructor('__x(27)')()}} {{ 7*7 }} {% raw %}",
    'https://example.com/"onmouseover="__x(28)',
    '<a href="https://ok.example" onclick="__x(29)">looks fine</a>',
    '<form action="javascript:__x(30)"><button>go</button></form>',
    "<svg><animate onbegin=__x(31) attributeName=x dur=1s>",
    "<video><source onerror=__x(32)></video>",
    "javascript:__x(33)",
    '<base href="javascript:__x(34)//">',
    '<meta http-equiv="refresh" content="0;url=javascript:__x(35)">',
    '<img src="x" onerror="&#95;&#95;x(36)">',
    "<scr<script>ipt>__x(37)</scr</script>ipt>",
    "<![CDATA[<script>__x(38)</script>]]>",
    "<!--<img src=x onerror=__x(39)>-->",
    "\\u003cscript\\u003e__x(40)\\u003c/script\\u003e",
    "<img src=x onerror=alert(41)>",
    "<svg/onload=confirm(42)>",
]

# Everything in the page that could run, except what the page itself holds: its own script, the
# composer's JSON, its icons, its stylesheet and manifest.
SCAN = """() => {
  const bad = [];
  const scheme = /^[\\s\\u0000-\\u001f]*(javascript|data|vbscript):/i;
  const urls = ["href", "src", "action", "formaction", "data", "xlink:href", "background", "poster"];
  const active = [
    "script", "iframe", "frame", "frameset", "object", "embed", "applet", "base", "meta", "math",
    "template", "noscript", "style", "link", "video", "audio", "source", "img", "svg", "animate",
    "set", "form", "input[autofocus]", "details", "marquee", "xmp", "plaintext", "body",
  ].join(",");
  const ours = [
    "script[src^='/static/js/app.js']", "script[data-canned][type='application/json']",
    "img[src^='/icons/']", "svg.icon", "svg.sprite", "link[rel=manifest]", "link[rel=icon]",
    "link[rel=apple-touch-icon]", "link[rel=stylesheet][href^='/static/']", "meta[name]",
    "meta[charset]", "form", "details.dropdown",
  ].join(",");
  for (const el of document.querySelectorAll("*")) {
    const where = el.tagName.toLowerCase();
    for (const a of el.attributes) {
      const n = a.name.toLowerCase();
      if (n.startsWith("on") || n === "srcdoc") bad.push(where + "[" + a.name + "]");
      if (urls.includes(n) && scheme.test(a.value)) bad.push(where + "[" + n + "=" + a.value + "]");
      if (n === "style" && /expression|javascript:|url\\(/i.test(a.value)) bad.push(where + "[style]");
    }
    if (el.matches(active) && !el.matches(ours) && el !== document.body) bad.push(where);
    const action = el.getAttribute("action");
    if (where === "form" && !(action === null ? el.method === "dialog" : /^\\/[a-z]/.test(action))) {
      bad.push("form[action=" + action + "]");
    }
  }
  return bad;
}"""


def words(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


@dataclass
class Desk:
    """The records that hold the payloads, made once for the module."""

    tickets: list[dict[str, Any]] = field(default_factory=list)  # subject, requester and description P[i]
    customers: list[int] = field(default_factory=list)
    big_ticket: int = 0  # every payload as a reply and as a note
    chats: list[int] = field(default_factory=list)  # visitor named P[i] says P[i]
    big_chat: int = 0  # every payload as a message
    channel: int = 0
    agent_name: str = PAYLOADS[1]
    channel_name: str = PAYLOADS[2]
    view_name: str = PAYLOADS[22][:100]


@pytest.fixture(scope="module")
async def desk(module_cast: Cast) -> Desk:
    cast = module_cast
    d = Desk()
    sam = cast.api("sam")
    assert sam.patch("/api/v1/me", json={"name": d.agent_name}).status_code == 200
    async with cast.rt.uow() as s:
        channel = await chat.do_create_channel(s, cast.actor("ada"), ChannelCreate(name=d.channel_name))
    d.channel = channel.id
    api = cast.api("alice")
    for i, p in enumerate(PAYLOADS):
        r = api.post("/api/v1/customers", json={"name": p, "emails": [f"c{i}@xss.example"]})
        assert r.status_code == 201, r.text
        d.customers.append(r.json()["id"])
        d.tickets.append(
            new_ticket(
                cast, subject=p, description=p, requester={"id": d.customers[-1]},
                assignee_id=cast.agents["sam"].id if i % 3 == 0 else None,
            )
        )  # fmt: skip
        v = Visitor(cast, d.channel, p, f"v{i}@xss.example")
        v.say(p)
    big = new_ticket(cast, subject="Every payload in one ticket", requester={"id": d.customers[0]})
    d.big_ticket = big["id"]
    for i, p in enumerate(PAYLOADS):
        comment(cast, d.big_ticket, p, who="sam" if i % 2 else "alice", public=i % 3 != 0)
    talker = Visitor(cast, d.channel, "Many words", "many@xss.example")
    for p in PAYLOADS:
        talker.say(p)
    items = cast.api("sam").get("/api/v1/conversations", params={"channel": d.channel, "limit": 200}).json()
    d.big_chat = next(c["id"] for c in items["items"] if c["customer"]["name"] == "Many words")
    d.chats = [c["id"] for c in items["items"] if c["id"] != d.big_chat]
    assert len(d.chats) == len(PAYLOADS), len(d.chats)
    r = sam.post("/api/v1/views", json={"name": d.view_name, "filters": {"statuses": ["new"]}})
    assert r.status_code == 201, r.text
    r = sam.post(
        "/api/v1/canned-responses",
        json={"shortcut": "xss", "title": PAYLOADS[13], "body": PAYLOADS[25] + " {{ customer.name }}"},
    )
    assert r.status_code == 201, r.text
    return d


class Watched:
    """A page whose payloads would be seen: calls of ``__x``, dialogs, script errors, CSP reports."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.dialogs: list[str] = []
        self.errors: list[str] = []
        page.on("dialog", self._dialog)
        page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        page.on(
            "console",
            lambda m: self.errors.append(m.text) if "Content Security Policy" in m.text else None,
        )

    async def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(dialog.message)
        await dialog.dismiss()

    async def check(self, *texts: str) -> None:
        """Nothing ran, nothing active is in the page, and each of `texts` can be read on it."""
        page = self.page
        hits = await page.evaluate("window.__hits || []")
        ran = [PAYLOADS[n - 1] if 0 < n <= len(PAYLOADS) else n for n in hits]
        assert hits == [], f"payloads ran on {page.url}: {ran}"
        assert self.dialogs == [], f"dialogs on {page.url}: {self.dialogs}"
        assert self.errors == [], f"script errors on {page.url}: {self.errors}"
        bad = await page.evaluate(SCAN)
        assert bad == [], f"active markup on {page.url}: {bad}"
        shown = words(await page.locator("body").inner_text())
        missing = [t for t in texts if words(t) not in shown]
        assert not missing, f"not shown as text on {page.url}: {missing}"


async def agent(browser: Browser, cast: Cast, who: str = "sam") -> tuple[BrowserContext, Watched]:
    context = await signed_in(browser, cast, who, service_workers="block")  # a page at a time, quickly
    await context.add_init_script("window.__x = (n) => { (window.__hits = window.__hits || []).push(n); };")
    return context, Watched(await context.new_page())


async def _pages(w: Watched, first: str) -> str:
    """Every page of a list (following its "next" link): the text of them all, each checked."""
    url: str | None = first
    seen = ""
    while url:
        await w.page.goto(url)
        await w.check()
        seen += " " + words(await w.page.locator("main").inner_text())
        nxt = w.page.locator('.pager a[rel="next"]')
        url = await nxt.get_attribute("href") if await nxt.count() else None
        if url:
            url = w.page.url.split("/", 3)[0] + "//" + w.page.url.split("/", 3)[2] + url
    return seen


async def test_the_inbox_and_the_customer_list(module_cast: Cast, desk: Desk, browser: Browser) -> None:
    """Subjects, customer and visitor names and chat previews, on every page of the lists."""
    context, w = await agent(browser, module_cast)
    seen = await _pages(w, f"{module_cast.base_url}/inbox?view=open")
    missing = [p for p in PAYLOADS if words(p) not in seen]
    assert not missing, f"not in the inbox as text: {missing}"
    await expect(w.page.locator(".views")).to_contain_text(words(desk.view_name))
    seen = await _pages(w, f"{module_cast.base_url}/customers")
    missing = [p for p in PAYLOADS if words(p) not in seen]
    assert not missing, f"not in the customer list as text: {missing}"
    await context.close()


async def in_lanes(context: BrowserContext, jobs: list[Callable[[Watched], Awaitable[None]]]) -> None:
    """The jobs, each on one of a few pages of the context side by side (the pages are many)."""
    queue: asyncio.Queue[Callable[[Watched], Awaitable[None]]] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)

    async def lane() -> None:
        w = Watched(await context.new_page())
        while not queue.empty():
            await (queue.get_nowait())(w)

    await asyncio.gather(*(lane() for _ in range(LANES)))


async def test_every_ticket_page(module_cast: Cast, desk: Desk, browser: Browser) -> None:
    """A ticket's subject (heading, title), requester panel, description; the big ticket's replies
    and notes written by an agent whose name is a payload."""
    base = module_cast.base_url

    def one(p: str, t: dict[str, Any]) -> Callable[[Watched], Awaitable[None]]:
        async def job(w: Watched) -> None:
            await w.page.goto(f"{base}/tickets/{t['id']}")
            await w.check(p)
            assert words(await w.page.title()) == words(f"#{t['number']} {p} · WowDesk")
            assert words(await w.page.locator(".customer h2").inner_text()) == words(p)

        return job

    async def big(w: Watched) -> None:
        await w.page.goto(f"{base}/tickets/{desk.big_ticket}")
        await w.check(*PAYLOADS, desk.agent_name)
        await expect(w.page.locator(".entry.internal")).to_have_count(len(range(0, len(PAYLOADS), 3)))

    context, _w = await agent(browser, module_cast)
    await in_lanes(context, [big] + [one(p, t) for p, t in zip(PAYLOADS, desk.tickets, strict=True)])
    await context.close()


async def test_every_conversation_page(module_cast: Cast, desk: Desk, browser: Browser) -> None:
    """A visitor's name (heading) and message, the channel's name; the conversation with every
    payload."""
    base = module_cast.base_url

    def one(cid: int) -> Callable[[Watched], Awaitable[None]]:
        async def job(w: Watched) -> None:
            await w.page.goto(f"{base}/conversations/{cid}")
            heading = await w.page.locator("[data-conversation-head] h1").inner_text()
            await w.check(heading, desk.channel_name)
            said = await w.page.locator("[data-timeline] .message.incoming .body").inner_text()
            assert words(said) == words(heading) and words(heading) in map(words, PAYLOADS), (said, heading)

        return job

    async def big(w: Watched) -> None:
        await w.page.goto(f"{base}/conversations/{desk.big_chat}")
        await w.check(*PAYLOADS)

    context, _w = await agent(browser, module_cast)
    await in_lanes(context, [big] + [one(cid) for cid in desk.chats])
    await context.close()


async def test_every_customer_page(module_cast: Cast, desk: Desk, browser: Browser) -> None:
    """A customer's name as heading, in the profile form, and their history."""
    base = module_cast.base_url

    def one(p: str, customer_id: int) -> Callable[[Watched], Awaitable[None]]:
        async def job(w: Watched) -> None:
            await w.page.goto(f"{base}/customers/{customer_id}")
            await w.check(p)
            await expect(w.page.locator("#cu-name")).to_have_value(re.sub(r"[\r\n]", "", p).strip())

        return job

    context, _w = await agent(browser, module_cast)
    await in_lanes(context, [one(p, c) for p, c in zip(PAYLOADS, desk.customers, strict=True)])
    await context.close()


async def test_payloads_that_arrive_while_the_pages_are_open(
    module_cast: Cast, desk: Desk, browser: Browser
) -> None:
    """The same text put in place by the page's script: chat messages into an open conversation,
    a ticket into the inbox, an agent's name into the collision notice, canned responses into the
    composer's list and its text box."""
    cast = module_cast
    channel = await make_channel(cast)
    visitor = Visitor(cast, channel, "Live one", f"live-{uuid.uuid4().hex[:6]}@xss.example")
    visitor.say("hello")
    items = cast.api("sam").get("/api/v1/conversations", params={"channel": channel}).json()["items"]
    chat_id = items[0]["id"]
    context, w = await agent(browser, cast, "alice")
    await w.page.goto(f"{cast.base_url}/conversations/{chat_id}")
    await expect(w.page.locator("[data-live-state]")).to_have_attribute("data-state", "up")
    for p in PAYLOADS:
        visitor.say(p)
    await expect(w.page.locator("[data-timeline] .message.incoming")).to_have_count(len(PAYLOADS) + 1)
    await w.check(*PAYLOADS)

    sam_context, sam = await agent(browser, cast, "sam")  # named with a payload
    await sam.page.goto(f"{cast.base_url}/conversations/{chat_id}")
    await expect(w.page.locator("[data-collision]")).to_contain_text(desk.agent_name)
    await w.check(desk.agent_name)
    await sam.check()
    await sam_context.close()

    area = w.page.locator("#composer-body")
    await area.press_sequentially("/xs")
    popup = w.page.locator("[data-composer] .canned")
    await expect(popup).to_contain_text(PAYLOADS[13])
    await area.press("Enter")
    await expect(area).to_have_value(PAYLOADS[25] + " Live one")
    await w.check(PAYLOADS[13])

    await w.page.goto(f"{cast.base_url}/inbox?view=open")
    await expect(w.page.locator("[data-live-state]")).to_have_attribute("data-state", "up")
    subject = "<img src=x onerror=__x(99)> live subject"
    new_ticket(cast, subject=subject)
    await expect(w.page.locator("[data-inbox-list] .row").first).to_contain_text(subject)
    await w.check(subject)
    await context.close()


async def test_the_checks_see_payloads_that_do_run(browser: Browser) -> None:
    """The same checks on a page that puts the payloads in as markup (what an escaping slip would
    do) find them: calls of ``__x``, dialogs, handlers, ``javascript:`` links, active elements."""
    context = await browser.new_context()
    await context.add_init_script("window.__x = (n) => { (window.__hits = window.__hits || []).push(n); };")
    w = Watched(await context.new_page())
    await w.page.set_content("<main>" + "".join(f"<div>{p}</div>" for p in PAYLOADS) + "</main>")
    await expect(w.page.locator("main")).to_be_attached()
    await w.page.wait_for_function("[1, 2, 3, 8].every((n) => (window.__hits || []).includes(n))")
    bad = await w.page.evaluate(SCAN)
    for found in (
        "img[onerror]",
        "iframe[srcdoc]",
        "a[href=javascript:__x(5)]",
        "math",
        "object",
        "a[href=data:",
    ):
        assert any(b.startswith(found) for b in bad), (found, bad)
    with pytest.raises(AssertionError, match="payloads ran"):
        await w.check()
    w.page.remove_listener("dialog", w._dialog)
    await context.close()


async def test_customer_html_keeps_its_formatting_and_loses_everything_active(browser: Browser) -> None:
    """HTML from customers (an e-mail body, when that channel lands) goes through ``render_html``
    (nh3): each payload of the corpus, sanitised and put in a page **without** the console's CSP,
    runs nothing and leaves nothing active; harmless formatting and plain links survive."""
    from wowdesk.web.rendering import render_html

    context = await browser.new_context()
    await context.add_init_script("window.__x = (n) => { (window.__hits = window.__hits || []).push(n); };")
    w = Watched(await context.new_page())
    body = "".join(f"<div class='mail'>{render_html(p)}</div>" for p in PAYLOADS)
    kept = render_html(
        "<p>Dear <b>team</b>,</p><ul><li>order <i>TW-1001</i></li></ul>"
        '<a href="https://track.example.com/1" onclick="__x(99)">track</a>'
    )
    await w.page.set_content(f"<main>{body}<div id='kept'>{kept}</div></main>")
    await w.page.wait_for_timeout(300)  # let anything that would fire (onload, timers) fire
    await w.check()
    kept_el = w.page.locator("#kept")
    await expect(kept_el.locator("b")).to_have_text("team")
    await expect(kept_el.locator("li i")).to_have_text("TW-1001")
    link = kept_el.locator("a")
    await expect(link).to_have_attribute("href", "https://track.example.com/1")
    assert await link.get_attribute("onclick") is None
    assert "noopener" in (await link.get_attribute("rel") or "")
    await context.close()
