"""Accessibility of the console's pages in Chromium, as a screen-reader or keyboard user meets
them: every control has a name, text has enough contrast (WCAG AA), the keyboard reaches the
controls in reading order with a visible focus mark, and the page says what it is (language,
title, one main landmark, headings).

The checks run in the page (a few lines of script over the live DOM: computed names, computed
colours); one test feeds them a page with known faults to prove they can fail."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from playwright.async_api import Browser, Page

from tests.conftest import Cast
from tests.conversations.support import make_channel
from tests.e2e.test_console_browser import CHROMIUM, comment, new_ticket, signed_in, watch
from tests.e2e.test_console_browser import browser as browser  # the module's browser fixture

assert CHROMIUM

# What the page holds that fails: controls without a name, text below the contrast it needs, and
# whether the page says its language, has a title, a main landmark and a first heading.
AUDIT = (Path(__file__).parent / "a11y_audit.js").read_text(encoding="utf-8")


FOCUSED = """() => {
  const el = document.activeElement; const s = getComputedStyle(el); const r = el.getBoundingClientRect();
  return {
    tag: el.tagName.toLowerCase(),
    text: (el.textContent || el.name || "").trim().slice(0, 30),
    shown: (s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0) || s.boxShadow !== "none",
    inside: r.width > 0 && r.height > 0,
  };
}"""


async def _audit(page: Page) -> dict[str, Any]:
    result: dict[str, Any] = await page.evaluate(AUDIT)
    return result


async def _tab_through(page: Page, steps: int = 25) -> list[dict[str, Any]]:
    """Press Tab up to `steps` times; what got the focus each time, where it is, whether it shows."""
    await page.evaluate("document.activeElement && document.activeElement.blur()")
    stops: list[dict[str, Any]] = []
    for _ in range(steps):
        await page.keyboard.press("Tab")
        stop = await page.evaluate(FOCUSED)
        if stop["tag"] == "body":  # past the last control: the browser's own bar is next
            break
        stops.append(stop)
    return stops


async def test_every_page_names_its_controls_and_has_enough_contrast(
    live_cast: Cast, browser: Browser
) -> None:
    c = live_cast
    channel = await make_channel(c)
    t = new_ticket(c, subject="Where is my parcel? 我的包裹在哪裡？", priority="urgent")
    comment(c, t["id"], "Internal: courier called", public=False)
    visitor = c.api(None)
    welcome = visitor.post(
        "/api/v1/widget/session", json={"workspace": c.slug, "channel": channel, "profile": {"name": "Mei"}}
    ).json()
    visitor.post(
        "/api/v1/widget/messages",
        json={"client_id": "a11y-1", "body": "Hello?"},
        headers={"Authorization": f"Visitor {welcome['visitor']}"},
    )
    conversation = c.api("ada").get("/api/v1/conversations", params={"channel": channel}).json()["items"][0]
    pages = [
        "/inbox",
        f"/tickets/{t['id']}",
        f"/conversations/{conversation['id']}",
        "/customers",
        f"/customers/{c.customers['lisa'].id}",
        "/team",
        "/settings",
        "/admin/agents",
        "/admin/teams",
        "/admin/channels",
        f"/admin/channels/{channel}",
        "/admin/fields",
        "/admin/canned",
    ]
    failures: list[str] = []
    for phone in (False, True):
        context = await signed_in(browser, c, "ada", phone=phone)
        page = await context.new_page()
        errors = watch(page)
        for url in pages:
            await page.goto(c.base_url + url)
            found = await _audit(page)
            where = f"{url} ({'phone' if phone else 'desktop'})"
            failures += [f"{where}: no accessible name: {x}" for x in found["unnamed"]]
            failures += [f"{where}: low contrast {x}" for x in found["low"]]
            if found["lang"] not in ("en", "zh-Hant", "zh-Hans") or not found["title"]:
                failures.append(f"{where}: lang={found['lang']!r} title={found['title']!r}")
            if found["mains"] != 1 or found["h1"] < 1:
                failures.append(f"{where}: {found['mains']} main landmarks, {found['h1']} h1")
        assert not errors, errors
        await context.close()
    # The sign-in page, before anyone is signed in.
    context = await browser.new_context()
    page = await context.new_page()
    await page.goto(c.base_url + "/login")
    found = await _audit(page)
    failures += [f"/login: no accessible name: {x}" for x in found["unnamed"]]
    failures += [f"/login: low contrast {x}" for x in found["low"]]
    await context.close()
    assert not failures, "\n".join(failures)


async def test_the_keyboard_reaches_the_controls_in_order_with_a_visible_focus(
    live_cast: Cast, browser: Browser
) -> None:
    """Tab from the top of the inbox and of a ticket: the first stop is the skip link, every stop is
    a visible control with a visible focus mark, and the skip link leads into the main content."""
    c = live_cast
    t = new_ticket(c, subject="Keyboard only")
    context = await signed_in(browser, c, "alice")
    page = await context.new_page()
    for url in ("/inbox", f"/tickets/{t['id']}"):
        await page.goto(c.base_url + url)
        stops = await _tab_through(page)
        assert stops[0]["tag"] == "a" and stops[0]["text"], stops[0]  # "Skip to content"
        hidden = [(i, s) for i, s in enumerate(stops) if not s["inside"] or not s["shown"]]
        assert len(stops) >= 8 and not hidden, (url, hidden, [s["tag"] + ":" + s["text"][:12] for s in stops])
        await page.evaluate("document.activeElement.blur()")
        await page.keyboard.press("Tab")
        await page.keyboard.press("Enter")  # the skip link
        await page.keyboard.press("Tab")
        in_main = await page.evaluate("Boolean(document.activeElement.closest('main'))")
        assert in_main, f"{url}: the skip link does not lead into the main content"
    await context.close()


async def test_the_audit_finds_faults_when_there_are_some(browser: Browser) -> None:
    """The checks above can fail: a page with an unnamed button, an unlabelled input and grey text on
    white is reported on each count."""
    context = await browser.new_context()
    page = await context.new_page()
    await page.set_content(
        "<html><head><title>x</title></head><body><main><h1>Faults</h1>"
        '<button><svg width="10" height="10"></svg></button><input name="q">'
        '<p style="color:#bbb">faint words</p><label>Named <input name="ok"></label></main></body></html>'
    )
    found = await _audit(page)
    assert len(found["unnamed"]) == 2 and any("button" in x for x in found["unnamed"])
    assert any("faint words" in x for x in found["low"]) and found["lang"] == ""
    await context.close()
