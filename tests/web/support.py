"""Console clients for tests: a signed-in agent's browser-like HTTP client (session cookie, CSRF
token), without the slow password check for every test (one test signs in through the form)."""

from __future__ import annotations

import datetime as dt
import html as html_module
import re
from typing import Any

import httpx

from tests.conftest import Cast
from wowdesk.accounts import actions as account_actions
from wowdesk.accounts import queries as account_queries
from wowdesk.http.deps import SESSION_COOKIE

FETCH = {"X-WowDesk-Fetch": "1"}


class Console:
    """An agent's browser: cookie-authenticated, follows no redirects unless asked."""

    def __init__(self, base: str, cookie: str, csrf: str) -> None:
        self.csrf = csrf
        self.client = httpx.Client(base_url=base, cookies={SESSION_COOKIE: cookie}, timeout=30)

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.client.get(url, **kw)

    def post(
        self, url: str, data: dict[str, Any] | None = None, *, fetch: bool = True, **kw: Any
    ) -> httpx.Response:
        """A form post with the CSRF token, as the page's script sends it (``fetch``) or as a
        plain browser form."""
        form = {"csrf_token": self.csrf, **(data or {})}
        headers = {**(FETCH if fetch else {}), **kw.pop("headers", {})}
        return self.client.post(url, data=form, headers=headers, **kw)

    def close(self) -> None:
        self.client.close()


async def console_for(cast: Cast, who: str, *, remember: bool = True) -> Console:
    assert cast.base_url, "needs live_cast"
    async with cast.rt.uow() as s:
        agent = await account_queries.find_agent(s, cast.workspace_id, cast.agents[who].id)
        assert agent is not None
        auth, cookie = await account_actions.do_start_session(
            s, agent, lifetime=dt.timedelta(days=1), remember=remember, ip="127.0.0.1", user_agent="tests"
        )
    console = Console(cast.base_url, cookie, auth.csrf_token)
    cast._clients.append(console)  # type: ignore[arg-type]  # closed with the cast's clients
    return console


def csrf_of(html: str) -> str:
    m = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert m, "no CSRF field in the page"
    return m.group(1)


def text_of(html: str) -> str:
    """The visible words of a page (tags dropped, entities decoded, spaces folded)."""
    return html_module.unescape(
        re.sub(
            r"\s+",
            " ",
            re.sub(r"<[^>]+>", " ", re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)),
        )
    )
