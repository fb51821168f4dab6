"""Bad input over HTTP, on every endpoint that creates or changes something: malformed JSON, JSON
that is not standard (NaN, Infinity), wrong types, unknown and missing fields, ids out of range in
bodies and paths, NUL characters and lone surrogates (which PostgreSQL cannot store), over-long
text. Each attempt must be a 4xx problem document — never a 500 — and leave no record behind.

Each test tries a list of changes of one kind on a valid body of each endpoint, collects every
answer that is not what it should be, and reports them all at once."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import httpx
import pytest

from tests.api.support import PROBLEM_JSON, row_counts
from tests.conftest import Api, Cast, assert_problem

MAX_ID = 2**63 - 1
BAD_JSON = "The request body is not valid JSON."


@dataclass
class Endpoint:
    name: str
    who: str
    method: str
    path: str  # "{ticket}" is replaced by a ticket of the cast
    body: Callable[[Cast], dict[str, Any]]
    required: tuple[str, ...] = ()
    ids: tuple[str, ...] = ()  # dotted paths of the id fields (list items as ".0")


def _ticket_body(c: Cast) -> dict[str, Any]:
    return {
        "subject": "Where is my parcel?",
        "description": "Order 7 has not arrived.",
        "requester": {"email": "lisa@example.com", "name": "Lisa"},
        "priority": "high",
        "tags": ["vip"],
        "team_id": c.team_id,
        "assignee_id": c.agents["alice"].id,
    }


ENDPOINTS = [
    Endpoint(
        "create ticket",
        "alice",
        "POST",
        "/api/v1/tickets",
        _ticket_body,
        required=("subject", "requester"),
        ids=("assignee_id", "team_id", "requester.id", "attachment_ids.0"),
    ),
    Endpoint(
        "create customer",
        "alice",
        "POST",
        "/api/v1/customers",
        lambda c: {
            "name": "Mei",
            "emails": ["mei@example.com"],
            "phones": ["+886912000111"],
            "tags": ["new"],
            "language": "zh-Hant",
            "time_zone": "Asia/Taipei",
            "custom_attributes": {"tier": "gold"},
        },
    ),
    Endpoint(
        "create agent",
        "ada",
        "POST",
        "/api/v1/agents",
        lambda c: {"email": f"newbie@{c.slug}.test", "name": "Newbie", "role": "agent", "time_zone": "UTC"},
        required=("email", "name"),
    ),
    Endpoint(
        "create team",
        "ada",
        "POST",
        "/api/v1/teams",
        lambda c: {"name": "Night shift", "description": "22-06", "member_ids": [c.agents["bob"].id]},
        required=("name",),
        ids=("member_ids.0",),
    ),
    Endpoint(
        "change ticket",
        "alice",
        "PATCH",
        "/api/v1/tickets/{ticket}",
        lambda c: {
            "subject": "New subject",
            "priority": "low",
            "status": "open",
            "requester_id": c.customers["lisa"].id,
            "team_id": c.team_id,
            "assignee_id": c.agents["alice"].id,
            "add_tags": ["x"],
        },
        ids=("requester_id", "assignee_id", "team_id"),
    ),
    Endpoint(
        "add comment",
        "alice",
        "POST",
        "/api/v1/tickets/{ticket}/comments",
        lambda c: {"body": "We are on it.", "public": False, "status": "open"},
        required=("body",),
        ids=("attachment_ids.0",),
    ),
]


# -- body surgery ------------------------------------------------------------------------------------------


def _walk(value: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, f"{path}.{k}" if path else k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _walk(v, f"{path}.{i}")
    else:
        yield path, value


def _set(body: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    out = copy.deepcopy(body)
    parts = path.split(".")
    target: Any = out
    for p in parts[:-1]:
        if isinstance(target, list):
            target = target[int(p)]
        else:
            target = target.setdefault(p, [] if parts[parts.index(p) + 1].isdigit() else {})
    last = parts[-1]
    if isinstance(target, list):
        index = int(last)
        if index < len(target):
            target[index] = value
        else:
            target.append(value)
    else:
        target[last] = value
    return out


def _strings(body: dict[str, Any]) -> list[str]:
    return [p for p, v in _walk(body) if isinstance(v, str)]


# -- running attempts ----------------------------------------------------------------------------------------


@dataclass
class Attempts:
    """Send requests, remember every answer that is not the expected 4xx problem."""

    cast: Cast
    ticket_id: int
    failures: list[str] = field(default_factory=list)
    tried: int = 0
    clients: dict[str, Api] = field(default_factory=dict)

    def api(self, who: str) -> Api:
        if who not in self.clients:
            self.clients[who] = self.cast.api(who)
        return self.clients[who]

    def url(self, ep: Endpoint) -> str:
        return ep.path.format(ticket=self.ticket_id)

    def send(
        self,
        api: Api,
        method: str,
        url: str,
        tried: str,
        *,
        want: tuple[int, ...],
        detail: str | None = None,
        **kwargs: Any,
    ) -> httpx.Response | None:
        self.tried += 1
        try:
            r: httpx.Response = api.request(method, url, **kwargs)
        except httpx.TransportError as exc:  # uvicorn drops the connection after a 500
            self.failures.append(f"{tried}: connection lost ({type(exc).__name__})")
            return None
        problem = r.headers.get("content-type", "").startswith(PROBLEM_JSON)
        if r.status_code not in want or not problem:
            self.failures.append(f"{tried}: want {want}, got {r.status_code} {r.text[:200]}")
        elif r.json().get("status") != r.status_code:
            self.failures.append(f"{tried}: problem status {r.json().get('status')} != {r.status_code}")
        elif detail is not None and r.json().get("detail") != detail:
            self.failures.append(f"{tried}: detail {r.json().get('detail')!r}")
        return r

    def body(self, ep: Endpoint, body: Any, tried: str, want: tuple[int, ...] = (422,)) -> None:
        api = self.api(ep.who)
        self.send(
            api,
            ep.method,
            self.url(ep),
            f"{ep.name}: {tried}",
            want=want,
            content=json.dumps(body).encode(),  # ASCII escapes: lone surrogates travel as \ud800
            headers={"content-type": "application/json"},
        )

    def raw(
        self, ep: Endpoint, content: bytes, tried: str, want: tuple[int, ...], detail: str | None
    ) -> None:
        api = self.api(ep.who)
        self.send(
            api,
            ep.method,
            self.url(ep),
            f"{ep.name}: {tried}",
            want=want,
            detail=detail,
            content=content,
            headers={"content-type": "application/json"},
        )

    def check(self) -> None:
        assert self.tried > 0
        assert not self.failures, f"{len(self.failures)} of {self.tried} attempts went wrong:\n" + "\n".join(
            self.failures
        )


@pytest.fixture
async def attempts(live_cast: Cast) -> Any:
    """An Attempts runner over a workspace with one ticket; afterwards, no row was added and the
    ticket did not change."""
    api = live_cast.api("alice")
    r = api.post("/api/v1/tickets", json={"subject": "Target", "requester": {"email": "john@example.com"}})
    assert r.status_code == 201, r.text
    ticket = r.json()
    before = await row_counts(live_cast.rt, live_cast.workspace_id)
    runner = Attempts(live_cast, ticket["id"])
    yield runner
    assert await row_counts(live_cast.rt, live_cast.workspace_id) == before, "a refused request wrote rows"
    after = api.get(f"/api/v1/tickets/{ticket['id']}").json()
    assert after == ticket, "a refused request changed the ticket"


# -- the tests -------------------------------------------------------------------------------------------


def test_the_valid_bodies_are_accepted(live_cast: Cast) -> None:
    """The control: every body the other tests spoil is accepted as it is."""
    ticket = live_cast.api("alice").post(
        "/api/v1/tickets", json={"subject": "Target", "requester": {"email": "john@example.com"}}
    )
    for ep in ENDPOINTS:
        r = live_cast.api(ep.who).request(
            ep.method, ep.path.format(ticket=ticket.json()["id"]), json=ep.body(live_cast)
        )
        assert r.status_code in (200, 201), (ep.name, r.text)


MALFORMED = [
    (b'{"subject": ', "cut off"),
    (b"{'subject': 'x'}", "single quotes"),
    (b'{subject: "x"}', "bare key"),
    (b'{"subject": "x",}', "trailing comma"),
    (b'{"a": 1} {"b": 2}', "two documents"),
    (b"\xff\xfe{\x00}", "not UTF-8"),
    (b'{"subject": "\xc3\x28"}', "invalid UTF-8 inside a string"),
    (b"[" * 100_000 + b"]" * 100_000, "nested 100 000 deep"),
    (b'{"subject": ' + b"9" * 5000 + b"}", "a 5000-digit number"),
    (b"\x00", "a NUL byte"),
    (b"undefined", "not JSON at all"),
]


def test_malformed_json_is_a_400(attempts: Attempts) -> None:
    """Tried on every endpoint: JSON cut off, single quotes, bare keys, a trailing comma, two documents,
    bytes that are not UTF-8, invalid UTF-8 inside a string, nesting 100 000 deep, a 5000-digit number,
    a NUL byte, a bare word. All answer the same 400 "not valid JSON"."""
    for ep in ENDPOINTS:
        for content, tried in MALFORMED:
            attempts.raw(ep, content, tried, want=(400,), detail=BAD_JSON)
    attempts.check()


def test_json_has_no_nan_or_infinity(attempts: Attempts) -> None:
    """NaN and Infinity are not JSON (RFC 8259), and 1e400 overflows to infinity. Where a body takes
    any number (customer attributes), they used to be stored: a 500 on PostgreSQL (jsonb refuses
    them), and on SQLite a value that reads back as something else."""
    cast = attempts.cast
    spots = [
        ("POST", "/api/v1/customers", '{"name": "n", "custom_attributes": {"score": %s}}'),
        ("PATCH", f"/api/v1/customers/{cast.customers['john'].id}", '{"custom_attributes": {"score": %s}}'),
        (
            "POST",
            "/api/v1/tickets",
            '{"subject": "s", "requester": {"email": "n@example.com"}, "priority": %s}',
        ),
        ("PATCH", f"/api/v1/tickets/{attempts.ticket_id}", '{"custom_fields": {"weight": %s}}'),
    ]
    api = attempts.api("alice")
    for method, url, template in spots:
        for number in ("NaN", "Infinity", "-Infinity", "1e400", "-1e400"):
            attempts.send(
                api,
                method,
                url,
                f"{method} {url} with {number}",
                want=(400,),
                detail=BAD_JSON,
                content=(template % number).encode(),
                headers={"content-type": "application/json"},
            )
    attempts.check()


def test_the_body_must_be_an_object(attempts: Attempts) -> None:
    """Tried: a list, a list holding the valid body, a string, a number, true, null, an empty body, and the
    valid JSON sent as text/plain."""
    for ep in ENDPOINTS:
        for body in ([], [ep.body(attempts.cast)], "text", 1, True, None):
            attempts.body(ep, body, f"body {json.dumps(body)[:40]}")
        attempts.raw(ep, b"", "an empty body", want=(422,), detail=None)
        api = attempts.api(ep.who)
        attempts.send(
            api,
            ep.method,
            attempts.url(ep),
            f"{ep.name}: JSON sent as text/plain",
            want=(415, 422),
            content=json.dumps(ep.body(attempts.cast)).encode(),
            headers={"content-type": "text/plain"},
        )
    attempts.check()


def test_wrong_types_are_a_422_naming_the_field(attempts: Attempts) -> None:
    """Every field in turn: a scalar replaced by an object, a list or object replaced by text."""
    for ep in ENDPOINTS:
        body = ep.body(attempts.cast)
        for key, value in body.items():
            wrongs: list[Any] = [5, "text"] if isinstance(value, list | dict) else [{"$gt": ""}, [value]]
            for wrong in wrongs:
                attempts.body(ep, {**body, key: wrong}, f"{key}={json.dumps(wrong)}")
    attempts.check()


def test_unknown_fields_are_a_422(attempts: Attempts) -> None:
    """Tried: extra top-level fields (is_admin, workspace_id, id, a field spelled with another case, an
    empty name) and an extra field inside each nested object."""
    for ep in ENDPOINTS:
        body = ep.body(attempts.cast)
        for extra in ({"is_admin": True}, {"workspace_id": 1}, {"id": 1}, {"Subject": "x"}, {"": 1}):
            attempts.body(ep, {**body, **extra}, f"extra field {extra}")
        objects = [k for k, v in body.items() if isinstance(v, dict) and k != "custom_attributes"]
        for parent in objects:
            attempts.body(ep, _set(body, f"{parent}.role", "admin"), f"extra field in {parent}")
    attempts.check()


def test_missing_required_fields_are_a_422(attempts: Attempts) -> None:
    """Tried: each required field left out, each set to null, and an empty object."""
    for ep in ENDPOINTS:
        body = ep.body(attempts.cast)
        for name in ep.required:
            attempts.body(ep, {k: v for k, v in body.items() if k != name}, f"without {name}")
            attempts.body(ep, {**body, name: None}, f"{name}=null")
        if ep.required:
            attempts.body(ep, {}, "an empty object")
    attempts.check()


BAD_IDS: list[Any] = [-1, 0, 2**63, -(2**63) - 1, 10**30, 1.5, "1; DROP TABLE agents", [1]]


def test_ids_out_of_range_in_bodies_are_a_422(attempts: Attempts) -> None:
    """Negative, zero, past 64 bits, fractional, text and lists where an id goes — and the largest id
    that fits, which passes validation and must then be found missing, not crash the query."""
    for ep in ENDPOINTS:
        body = ep.body(attempts.cast)
        for path in ep.ids:
            for bad in [*BAD_IDS, MAX_ID]:
                attempts.body(ep, _set(body, path, bad), f"{path}={bad!r}")
    attempts.check()


def test_nul_characters_and_lone_surrogates_are_a_422(attempts: Attempts) -> None:
    """Every text field in turn, and a dictionary key: PostgreSQL cannot store either, so they must be
    refused up front, not fail at the INSERT."""
    for ep in ENDPOINTS:
        body = ep.body(attempts.cast)
        for path in _strings(body):
            for bad in ("a\x00b", "\x00", "x\ud800y", "\udfff", "\ud83d"):
                attempts.body(ep, _set(body, path, bad), f"{path}={bad!r}")
    customers = ENDPOINTS[1]
    for key in ("a\x00", "\ud800"):
        attempts.body(customers, {"custom_attributes": {key: 1}}, f"custom attribute named {key!r}")
    attempts.check()


def test_over_long_text_and_lists_are_a_422(attempts: Attempts) -> None:
    """Tried: every text field 70 000 characters long (within the body limit, past every field's limit),
    every list with 5000 distinct items."""
    for ep in ENDPOINTS:
        body = ep.body(attempts.cast)
        for path in _strings(body):
            attempts.body(ep, _set(body, path, "x" * 70_000), f"{path} of 70 000 characters")
        for key, value in body.items():
            if isinstance(value, list):
                many = [f"t{i}" if isinstance(value[0], str) else value[0] + i for i in range(5000)]
                attempts.body(ep, {**body, key: many}, f"{key} with 5000 items")
    attempts.check()


BAD_PATH_IDS: list[Any] = [-1, 0, 2**63, 10**30, "abc", "1e3", "0x10", "1.5"]

# Path parameters that are names, not numeric ids: a store's external id (a letter or digit, then
# letters, digits and ._:@#+~=-, up to 200), a workspace's slug (a-z, 0-9 and -, up to 40), a contact
# reason's code (up to 64; looked up as given, so a malformed one is simply no reason of the
# workspace's: 404). "0", "abc" or "1e3" are valid names there that name nothing (404), so the bad
# ids above are not tried on them; a name that is too long (a 422 naming the parameter) or not a
# name at all is tried instead. (name → its longest, and what a malformed one answers)
NAME_PARAMS: dict[str, tuple[int, tuple[int, ...]]] = {
    "external_id": (200, (422,)),
    "order_external_id": (200, (422,)),
    "slug": (40, (422,)),
    "code": (64, (404,)),
}
ABSENT_NAME = "nobody-here"  # a valid name of each kind that names nothing
MALFORMED_NAMES = ["a b", "\u00e4", "x" + "\u200b"]


@pytest.fixture
def path_callers(live_cast: Cast) -> dict[str, Api]:
    """Callers of the routes that take other credentials than an agent's: a seller API key (the
    seller API, /api/v1/seller/...) and a visitor's token (the widget). Made before ``attempts``
    counts the rows (it is requested after this)."""
    ada = live_cast.api("ada")
    r = ada.put("/api/v1/commerce/sellers/S-1", json={"name": "Shop", "kind": "marketplace"})
    assert r.status_code == 201, r.text
    r = ada.post("/api/v1/commerce/sellers/S-1/api-keys", json={"name": "portal"})
    assert r.status_code == 201, r.text
    seller = live_cast.as_key(r.json()["key"])
    assert seller.get("/api/v1/seller/me").status_code == 200  # its first use is recorded now
    channel = ada.post("/api/v1/channels", json={"name": "Chat"}).json()["id"]
    visitor = live_cast.api(None)
    r = visitor.post("/api/v1/widget/session", json={"workspace": live_cast.slug, "channel": channel})
    assert r.status_code == 200, r.text
    visitor.headers["Authorization"] = f"Visitor {r.json()['visitor']}"
    return {"/api/v1/seller/": seller, "/api/v1/widget/": visitor}


def _path_body(path: str, method: str, cast: Cast) -> Any:
    """A valid body of the route (so that what answers is the path)."""
    body: Any = {} if method in ("POST", "PATCH", "PUT") else None
    if path.endswith("/skills") and method == "PUT":
        body = {"skills": []}
    if path.endswith("/merge"):
        body = {"source_id": cast.customers["john"].id}
    if path.endswith("/comments") and method == "POST":
        body = {"body": "x"}
    if path.endswith("/routing") and method == "PUT":
        body = {"strategy": "manual"}
    if path.endswith("/out-of-office") and method == "PUT":
        body = {"out_of_office": False}
    if path.startswith("/api/v1/csat/") and method == "POST":
        body = {"rating": "good"}  # a survey's link: well-formed, so the id is what is tried
    if path.endswith("/authority-limits") and method == "PUT":
        body = {"overrides": {}}
    if path.startswith("/api/v1/approvals/"):
        body = {"reason": "checked"}
    if path.endswith("/credits/spend"):
        body = {"amount_minor": 1, "currency": "USD", "idempotency_key": "k"}
    if path == "/api/v1/commerce/sellers/{external_id}" and method == "PUT":
        body = {"name": "Shop", "kind": "marketplace"}
    if path == "/api/v1/commerce/orders/{external_id}" and method == "PUT":
        body = {
            "number": "TW-1",
            "customer": {"email": "john@example.com"},
            "seller_external_id": ABSENT_NAME,
            "fulfilment": "platform",
            "status": "paid",
            "currency": "USD",
            "items": [{"sku": "S", "name": "n", "quantity": 1, "unit_price_minor": 100}],
            "placed_at": "2026-01-02T03:04:05+00:00",
        }
    if path == "/api/v1/commerce/shipments/{external_id}" and method == "PUT":
        body = {"order_external_id": ABSENT_NAME, "carrier": "Black Cat"}
    if path.endswith("/events"):
        body = {"events": [{"occurred_at": "2026-01-02T03:04:05+00:00", "status": "in_transit"}]}
    if path.endswith("/api-keys") and method == "POST":
        body = {"name": "k"}
    if path.startswith("/api/v1/resolution-policies/") and method == "PUT":
        document = {
            "trigger": {"kind": "shipment_stalled", "days_without_progress": 7},
            "then": [{"goodwill_credit": {"amount": 100}}],
        }
        body = {"name": "p", "document": document}
    if path.endswith("resolution-suggestions:evaluate"):
        body = {"order_id": 1, "reason": "wrong_item"}
    if path.endswith("/transitions"):
        body = {"to": "withdrawn"}
    if path.endswith("/reinstate"):
        body = {"reason": "checked"}
    if path.startswith("/api/v1/seller/") and method == "POST":
        body = {"body": "x"}
    if path.startswith("/api/v1/widget/") and method == "POST":
        body = {"body": "x", "client_id": "c1"}
    if path.startswith("/api/v1/contact-reasons/"):
        body = {"active": True}
    return body


def _fill(path: str, number: Any, names: dict[str, str] | None = None) -> str:
    """The path with `number` for every id and ABSENT_NAME (or the given value) for every name."""
    names = names or {}

    def value(m: re.Match[str]) -> str:
        name = m[1]
        return names.get(name, ABSENT_NAME) if name in NAME_PARAMS else str(number)

    return re.sub(r"\{([^}]+)\}", value, path)


def test_ids_out_of_range_in_paths_are_4xx(path_callers: dict[str, Api], attempts: Attempts) -> None:
    """Every route that takes an id, every method: bad ids are a 422, the largest one a 404. Names
    (NAME_PARAMS) are tried apart: one that names nothing is a 404 (but a PUT by a name would make
    that record: not tried), one too long a 422 naming the parameter, a malformed one a 4xx problem.
    The routes come from the application's own OpenAPI document, so a new route is tried too."""
    api = attempts.api("ada")
    paths = api.get("/openapi.json").json()["paths"]
    routes = [(path, sorted(m.upper() for m in ops)) for path, ops in paths.items() if "{" in path]
    assert len(routes) >= 10
    tried_names = set()
    for path, methods in routes:
        params = re.findall(r"\{([^}]+)\}", path)
        names = [p for p in params if p in NAME_PARAMS]
        caller = next((c for prefix, c in path_callers.items() if path.startswith(prefix)), api)
        for method in methods:
            body = _path_body(path, method, attempts.cast)
            tries: list[tuple[str, tuple[int, ...], str | None]] = []  # (url, want, the name tried)
            if len(names) < len(params):  # numeric ids: the bad ones, and the largest that fits
                tries += [(_fill(path, bad), (422,), None) for bad in BAD_PATH_IDS]
                tries.append((_fill(path, MAX_ID), (404,), None))
            elif not (method == "PUT" and path.endswith("{" + names[-1] + "}")):
                tries.append((_fill(path, MAX_ID), (404,), None))  # a name that names nothing
            for name in names:
                longest, malformed = NAME_PARAMS[name]
                tries.append((_fill(path, MAX_ID, {name: "x" * (longest + 1)}), (422,), name))
                tries += [(_fill(path, MAX_ID, {name: bad}), malformed, None) for bad in MALFORMED_NAMES]
                tried_names.add(name)
            for url, want, named in tries:
                r = attempts.send(caller, method, url, f"{method} {url}", want=want, json=body)
                if named and r is not None and r.status_code == 422:
                    fields = [e.get("field") for e in r.json().get("errors", [])]
                    if f"path.{named}" not in fields:
                        attempts.failures.append(f"{method} {url}: the 422 names {fields}, not {named}")
    assert tried_names == set(NAME_PARAMS), tried_names  # every kind of name is still in a path
    attempts.check()


def test_nul_in_the_address_is_a_400(attempts: Attempts) -> None:
    """Tried: %00 in the path and in query values."""
    api = attempts.api("alice")
    for url in ("/api/v1/tickets/%00", "/api/v1/tickets?q=%00", "/api/v1/customers?q=a%00b", "/api/v1/%00"):
        attempts.send(api, "GET", url, url, want=(400,))
    attempts.check()


def test_every_json_endpoint_refuses_nan(live_cast: Cast) -> None:
    """Every route of /openapi.json that takes a JSON body, sent ``{"x": NaN}`` without credentials:
    the body is parsed before anything else, so each answers 400 "not valid JSON". A new router
    created without the API's route class (``wowdesk.http.routing.StandardJSONRoute``) fails here."""
    anon = live_cast.api(None)
    paths = anon.get("/openapi.json").json()["paths"]
    tried, failures = [], []
    for path, operations in paths.items():
        for method, op in operations.items():
            if "application/json" not in op.get("requestBody", {}).get("content", {}):
                continue
            url = re.sub(r"\{[^}]+\}", "1", path)
            r = anon.request(
                method.upper(), url, content=b'{"x": NaN}', headers={"content-type": "application/json"}
            )
            if r.status_code != 400:
                failures.append(f"{method.upper()} {path}: {r.status_code} {r.text[:200]}")
            else:
                assert assert_problem(r, 400)["detail"] == BAD_JSON, (method, path)
            tried.append((method, path))
    assert len(tried) >= 15, tried
    assert not failures, "\n".join(failures)
