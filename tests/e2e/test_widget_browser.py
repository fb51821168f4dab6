"""The chat widget in the system Chromium, as a customer meets it: the demo shop page embeds
``/widget.js`` exactly as a site would; an agent answers through the API.

Chromium is Debian's (``/usr/bin/chromium``, installed by ``.ci/run``), driven by Playwright without
``playwright install``. Set ``WOWDESK_UPDATE_SCREENSHOTS=1`` to refresh the README's screenshots."""

from __future__ import annotations

import asyncio
import os
import shutil
import socket
import threading
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from playwright.async_api import Browser, Page, async_playwright, expect

from tests.conftest import Cast
from tests.conversations.support import make_channel
from wowdesk.main import create_app

CHROMIUM = "/usr/bin/chromium"
SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]

if not shutil.which(CHROMIUM):  # .ci/run installs it: in CI this never skips
    pytestmark = pytest.mark.skip(reason="needs Debian's chromium (apt-get install chromium fonts-noto-cjk)")


@pytest.fixture(scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with async_playwright() as p:
        b = await p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        await b.close()


def _shop(cast: Cast) -> str:
    return f"{cast.base_url}/demo/shop?workspace={cast.slug}"


async def _open_widget(page: Page) -> None:
    await page.locator(".wd-launcher").click()
    await expect(page.locator(".wd-panel")).to_be_visible()
    await expect(page.locator(".wd-input")).to_be_focused()


async def _agent_conversation(cast: Cast, channel: int) -> dict[str, Any]:
    for _ in range(100):
        items = cast.api("alice").get("/api/v1/conversations", params={"channel": channel}).json()["items"]
        if items:
            return dict(items[0])
        await asyncio.sleep(0.1)
    raise AssertionError("the customer's conversation never reached the agents")


def _agent_messages(cast: Cast, conversation_id: int) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = (
        cast.api("alice").get(f"/api/v1/conversations/{conversation_id}/messages").json()["items"]
    )
    return items


async def test_a_customer_chats_and_an_agent_answers(live_cast: Cast, browser: Browser) -> None:
    """Open the widget, send a message (Chinese, and one that tries to be HTML), receive the agent's
    reply live with its link made safe; an internal note never appears, not even after a reload."""
    channel = await make_channel(live_cast, greeting={"en": "Welcome to Acme!"})
    context = await browser.new_context(viewport={"width": 1280, "height": 800}, locale="en-US")
    page = await context.new_page()
    await page.goto(_shop(live_cast))
    launcher = page.locator(".wd-launcher")
    await expect(launcher).to_have_attribute("aria-expanded", "false")
    await _open_widget(page)
    await expect(launcher).to_have_attribute("aria-expanded", "true")
    await expect(page.locator(".wd-greet")).to_contain_text("Welcome to Acme!")

    await page.locator(".wd-input").fill("你好，我的訂單 #TW-10023 在哪裡？")
    await page.keyboard.press("Enter")
    await expect(page.locator(".wd-msg.wd-me").last).to_contain_text("#TW-10023")
    await expect(page.locator(".wd-msg.wd-me .wd-delivered")).to_be_visible()
    await page.locator(".wd-input").fill('<img src=x onerror="window.__pwned=1">')
    await page.keyboard.press("Enter")
    await expect(page.locator(".wd-msg.wd-me").last).to_contain_text("<img src=x")

    conversation = await _agent_conversation(live_cast, channel)
    assert _agent_messages(live_cast, conversation["id"])[0]["body"].endswith("在哪裡？")
    api = live_cast.api("alice")
    note = api.post(
        f"/api/v1/conversations/{conversation['id']}/messages",
        json={"body": "INTERNAL: refund approved by Sam", "private": True},
    )
    assert note.status_code == 201
    answer = api.post(
        f"/api/v1/conversations/{conversation['id']}/messages",
        json={"body": "It is on its way: https://track.example.com/TW-10023"},
    )
    assert answer.status_code == 201
    reply = page.locator(".wd-msg:not(.wd-me)").last
    await expect(reply).to_contain_text("It is on its way")
    link = reply.locator("a")
    await expect(link).to_have_attribute("href", "https://track.example.com/TW-10023")
    await expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
    assert await page.evaluate("window.__pwned") is None
    assert await page.locator("#wowdesk-widget img").count() == 0
    assert "INTERNAL" not in await page.locator("#wowdesk-widget .wd-log").inner_text()

    if os.environ.get("WOWDESK_UPDATE_SCREENSHOTS"):
        SCREENSHOTS.mkdir(exist_ok=True)
        await page.screenshot(path=str(SCREENSHOTS / "demo-shop-chat.png"))

    await page.reload()  # history from the browser at once, then resumed from the server
    await _open_widget(page)
    await expect(page.locator(".wd-msg:not(.wd-me)").last).to_contain_text("It is on its way")
    assert "INTERNAL" not in await page.locator("#wowdesk-widget .wd-log").inner_text()
    await page.keyboard.press("Escape")
    await expect(page.locator(".wd-panel")).to_be_hidden()
    await expect(launcher).to_be_focused()
    await context.close()


class RestartableServer:
    """uvicorn on one fixed loopback port, stopped and started again like a restarted process."""

    def __init__(self, cast: Cast) -> None:
        self.settings = cast.rt.settings
        probe = socket.socket()
        probe.bind(("127.0.0.1", 0))
        self.port = probe.getsockname()[1]
        probe.close()
        self.url = f"http://127.0.0.1:{self.port}"
        self.server: uvicorn.Server | None = None
        self.thread: threading.Thread | None = None

    def start(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", self.port))
        server = uvicorn.Server(uvicorn.Config(create_app(self.settings), log_level="warning", lifespan="on"))
        self.server = server
        self.thread = threading.Thread(target=lambda: asyncio.run(server.serve(sockets=[sock])), daemon=True)
        self.thread.start()
        for _ in range(400):
            if server.started:
                return
            threading.Event().wait(0.025)
        raise RuntimeError("server did not start")

    def stop(self) -> None:
        assert self.server is not None and self.thread is not None
        self.server.should_exit = True
        self.thread.join(timeout=20)


async def test_the_widget_reconnects_after_the_server_restarts(cast: Cast, browser: Browser) -> None:
    """A message typed while the server is down waits in the browser, goes out once the server is
    back, and is stored exactly once."""
    server = RestartableServer(cast)
    server.start()
    cast.base_url = server.url
    channel = await make_channel(cast)
    context = await browser.new_context(locale="en-US")
    page = await context.new_page()
    try:
        await page.goto(_shop(cast))
        await _open_widget(page)
        await page.locator(".wd-input").fill("before the restart")
        await page.keyboard.press("Enter")
        await expect(page.locator(".wd-msg.wd-me .wd-delivered")).to_be_visible()
        server.stop()
        await expect(page.locator(".wd-status").first).to_contain_text("Reconnecting", timeout=15_000)
        await page.locator(".wd-input").fill("while you were away")
        await page.keyboard.press("Enter")
        await expect(page.locator(".wd-msg.wd-me .wd-sending")).to_be_visible()
        server.start()
        await expect(page.locator(".wd-msg.wd-me").last.locator(".wd-delivered")).to_be_visible(
            timeout=30_000
        )
        conversation = await _agent_conversation(cast, channel)
        bodies = [m["body"] for m in _agent_messages(cast, conversation["id"])]
        assert bodies == ["before the restart", "while you were away"]
        assert await page.locator(".wd-msg.wd-me").count() == 2  # nothing shown twice
    finally:
        await context.close()
        server.stop()


async def test_on_a_phone_in_traditional_chinese(live_cast: Cast, browser: Browser) -> None:
    """390×844, zh-TW: the panel fills the screen, texts are Traditional Chinese, nothing scrolls
    sideways, every button is at least 44×44."""
    await make_channel(live_cast)
    context = await browser.new_context(
        viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, locale="zh-TW"
    )
    page = await context.new_page()
    await page.goto(_shop(live_cast))
    await expect(page.locator(".wd-launcher")).to_have_attribute("aria-label", "和我們聊聊")
    await page.locator(".wd-launcher").tap()
    panel = page.locator(".wd-panel")
    await expect(panel).to_be_visible()
    box = await panel.bounding_box()
    assert box is not None and box["width"] >= 389 and box["height"] >= 800, box
    await expect(page.locator(".wd-input")).to_have_attribute("aria-label", "輸入訊息…")
    assert await page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    for selector in (".wd-send", ".wd-close", ".wd-attach", ".wd-sound"):
        b = await page.locator(selector).bounding_box()
        assert b is not None and min(b["width"], b["height"]) >= 43.99, (selector, b)  # 44 px, to subpixels
    if os.environ.get("WOWDESK_UPDATE_SCREENSHOTS"):
        await page.locator(".wd-input").fill("請問我的包裹什麼時候會到？")
        await page.screenshot(path=str(SCREENSHOTS / "demo-shop-chat-phone.png"))
    await context.close()


async def test_a_customer_sends_a_file(live_cast: Cast, browser: Browser, tmp_path: Path) -> None:
    """The paperclip: the picture goes up, its message shows a link to it, the agent gets it."""
    channel = await make_channel(live_cast)
    picture = tmp_path / "receipt.png"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 64)
    context = await browser.new_context(locale="en-US")
    page = await context.new_page()
    await page.goto(_shop(live_cast))
    await _open_widget(page)
    await page.locator(".wd-input").fill("hello")
    await page.keyboard.press("Enter")
    await expect(page.locator(".wd-msg.wd-me .wd-delivered")).to_be_visible()
    await page.locator(".wd-file-input").set_input_files(str(picture))
    link = page.locator(".wd-msg.wd-me a.wd-file")
    await expect(link).to_have_count(1, timeout=15_000)
    await expect(link).to_contain_text("receipt.png")
    conversation = await _agent_conversation(live_cast, channel)
    messages = _agent_messages(live_cast, conversation["id"])
    assert messages[-1]["attachments"][0]["filename"] == "receipt.png"
    href = await link.get_attribute("href")
    assert href is not None and live_cast.api(None).get(href).status_code == 200
    await context.close()
