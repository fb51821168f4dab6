"""The ticket list: filters, cursor pagination, sorting; and search in English and Chinese."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest

from tests.conftest import Api, Cast, assert_problem
from tests.tickets.conftest import api_of, create_ticket, ids, list_all

# -- filters -------------------------------------------------------------------------------------------


@pytest.fixture
def board(live_cast: Cast) -> dict[str, int]:
    """Five tickets that differ in every filterable property."""
    api = live_cast.api("alice")
    a, b = live_cast.agents["alice"].id, live_cast.agents["bob"].id
    team = live_cast.team_id
    lisa, wang, john = "lisa@example.com", "wang@example.cn", "john@example.com"
    specs: dict[str, dict[str, Any]] = {
        "t1": dict(status="new", priority="low", type="question", assignee_id=a, team_id=team, tags=["vip"]),
        "t2": dict(
            status="open",
            priority="high",
            type="incident",
            assignee_id=b,
            tags=["refund"],
            requester={"email": wang},
        ),
        "t3": dict(
            status="pending",
            priority="urgent",
            type="problem",
            team_id=team,
            tags=["vip", "refund"],
            requester={"email": john},
        ),
        "t4": dict(status="solved", priority="normal", type="task", assignee_id=a, requester={"email": lisa}),
        "t5": dict(status="on_hold", priority="high", type="question", requester={"email": wang}),
    }
    return {name: create_ticket(api, subject=name, **spec)["id"] for name, spec in specs.items()}


def names(api: Api, board: dict[str, int], **params: Any) -> set[str]:
    by_id = {v: k for k, v in board.items()}
    return {by_id[i] for i in ids(api, **params)}


def test_each_filter(live_cast: Cast, board: dict[str, int]) -> None:
    alice, bob = live_cast.api("alice"), live_cast.api("bob")
    c = live_cast.customers
    assert names(alice, board) == {"t1", "t2", "t3", "t4", "t5"}
    assert names(alice, board, status="open") == {"t2"}
    assert names(alice, board, status="new,pending") == {"t1", "t3"}
    assert names(alice, board, status=["new", "solved"]) == {"t1", "t4"}
    assert names(alice, board, assignee="me") == {"t1", "t4"}
    assert names(bob, board, assignee="me") == {"t2"}
    assert names(alice, board, assignee="none") == {"t3", "t5"}
    assert names(alice, board, assignee=str(live_cast.agents["bob"].id)) == {"t2"}
    assert names(alice, board, assignee=str(live_cast.agents["sam"].id)) == set()
    assert names(alice, board, team=live_cast.team_id) == {"t1", "t3"}
    assert names(alice, board, requester=c["lisa"].id) == {"t1", "t4"}
    assert names(alice, board, requester=c["wang"].id) == {"t2", "t5"}
    assert names(alice, board, tag="vip") == {"t1", "t3"}
    assert names(alice, board, tag="refund") == {"t2", "t3"}
    assert names(alice, board, priority="high") == {"t2", "t5"}
    assert names(alice, board, priority="low,urgent") == {"t1", "t3"}
    assert names(alice, board, type="question") == {"t1", "t5"}
    assert names(alice, board, type=["incident", "task"]) == {"t2", "t4"}
    # Filters combine with AND.
    assert names(alice, board, tag="vip", status="pending", team=live_cast.team_id) == {"t3"}
    assert names(alice, board, priority="high", assignee="none") == {"t5"}
    assert names(alice, board, requester=c["john"].id, status="open") == set()


@pytest.mark.parametrize(
    "params",
    [
        {"status": "closed,finished"},
        {"priority": "p1"},
        {"type": "bug"},
        {"assignee": "alice"},
        {"team": "taipei"},
        {"requester": 0},
        {"tag": " , "},
        {"sort": "priority"},
        {"limit": 0},
        {"limit": 201},
        {"cursor": "not-a-cursor"},
    ],
    ids=lambda p: "-".join(f"{k}={v}" for k, v in p.items()),
)
def test_bad_filter_values_are_422(module_cast: Cast, params: dict[str, Any]) -> None:
    """An unknown status/priority/type, an assignee that is not an id/me/none, a non-numeric team,
    requester 0, a blank tag, an unknown sort, a limit out of range, a garbled cursor: 422."""
    assert_problem(module_cast.api("alice").get("/api/v1/tickets", params=params), 422)


# -- pagination and sorting ----------------------------------------------------------------------------


def walk(api: Api, limit: int, **params: Any) -> list[list[int]]:
    pages: list[list[int]] = []
    cursor = None
    while True:
        r = api.get(
            "/api/v1/tickets", params={**params, "limit": limit, **({"cursor": cursor} if cursor else {})}
        )
        assert r.status_code == 200, r.text
        pages.append([t["id"] for t in r.json()["items"]])
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return pages
        assert len(pages) < 50


def test_cursor_pages_have_no_duplicates_or_gaps(live_cast: Cast) -> None:
    api = live_cast.api("alice")
    made = [create_ticket(api, subject=f"page {i}")["id"] for i in range(23)]
    pages = walk(api, 5)
    assert [len(p) for p in pages] == [5, 5, 5, 5, 3]
    flat = [i for p in pages for i in p]
    assert flat == sorted(made, reverse=True)  # newest first by default
    asc = [i for p in walk(api, 7, sort="created_at") for i in p]
    assert asc == sorted(made)
    # Filters hold across pages.
    for i in made[:9]:
        assert api.patch(f"/api/v1/tickets/{i}", json={"status": "open"}).status_code == 200
    open_pages = walk(api, 4, status="open")
    assert [len(p) for p in open_pages] == [4, 4, 1]
    assert sorted(i for p in open_pages for i in p) == sorted(made[:9])


def test_search_results_page_newest_first_with_filters(live_cast: Cast) -> None:
    """A search walks its pages newest first with no duplicates or gaps, in both sort orders, and
    together with a status filter (SQLite reads these straight from the full-text index)."""
    api = live_cast.api("alice")
    made = [create_ticket(api, subject=f"包裹 parcel {i}")["id"] for i in range(17)]
    create_ticket(api, subject="unrelated refund question")
    pages = walk(api, 5, q="parcel")
    assert [len(p) for p in pages] == [5, 5, 5, 2]
    assert [i for p in pages for i in p] == sorted(made, reverse=True)
    assert [i for p in walk(api, 6, q="包裹", sort="created_at") for i in p] == sorted(made)
    for i in made[::2]:
        assert api.patch(f"/api/v1/tickets/{i}", json={"status": "pending"}).status_code == 200
    pending = [i for p in walk(api, 4, q="parcel", status="pending") for i in p]
    assert pending == sorted(made[::2], reverse=True)


def test_an_exact_page_boundary_has_no_empty_last_page(live_cast: Cast) -> None:
    api = live_cast.api("alice")
    for i in range(6):
        create_ticket(api, subject=f"p{i}")
    assert [len(p) for p in walk(api, 3)] == [3, 3]


def test_tickets_created_while_paging_do_not_shift_the_pages(live_cast: Cast) -> None:
    """Keyset pagination: a ticket created between page 1 and page 2 neither repeats nor hides one."""
    api = live_cast.api("alice")
    made = [create_ticket(api, subject=f"k{i}")["id"] for i in range(6)]
    r = api.get("/api/v1/tickets", params={"limit": 3})
    first = [t["id"] for t in r.json()["items"]]
    create_ticket(api, subject="newcomer")
    r2 = api.get("/api/v1/tickets", params={"limit": 3, "cursor": r.json()["next_cursor"]})
    second = [t["id"] for t in r2.json()["items"]]
    assert first + second == sorted(made, reverse=True)


def test_sort_by_updated_at_across_pages(live_cast: Cast) -> None:
    """Tickets touched in a known order come back in that order (sort=-updated_at newest first,
    updated_at oldest first), identical whether read in pages of 2 or in one page."""
    api = live_cast.api("alice")
    made = [create_ticket(api, subject=f"u{i}")["id"] for i in range(7)]
    touch_order = [made[i] for i in (3, 0, 6, 1, 5, 2, 4)]
    for i in touch_order:
        assert api.patch(f"/api/v1/tickets/{i}", json={"add_tags": ["touched"]}).status_code == 200
    newest_first = [i for p in walk(api, 2, sort="-updated_at") for i in p]
    assert newest_first == list(reversed(touch_order))
    assert ids(api, sort="-updated_at") == newest_first
    oldest_first = [i for p in walk(api, 2, sort="updated_at") for i in p]
    assert oldest_first == touch_order
    stamps = [t["updated_at"] for t in list_all(api, sort="updated_at")]
    assert stamps == sorted(stamps)


def test_a_cursor_of_another_sort_is_refused(live_cast: Cast) -> None:
    api = live_cast.api("alice")
    for i in range(3):
        create_ticket(api, subject=f"c{i}")
    cursor = api.get("/api/v1/tickets", params={"limit": 1}).json()["next_cursor"]
    assert cursor
    assert_problem(
        api.get("/api/v1/tickets", params={"limit": 1, "cursor": cursor, "sort": "-updated_at"}), 422
    )


# -- search --------------------------------------------------------------------------------------------


def test_english_search_matches_word_prefixes_in_any_case(live_cast: Cast) -> None:
    api = live_cast.api("alice")
    parcel = create_ticket(api, subject="Parcel never arrived", description="Tracking says delivered")["id"]
    other = create_ticket(api, subject="Invoice address wrong")["id"]
    assert ids(api, q="parc") == [parcel]
    assert ids(api, q="PARCEL") == [parcel]
    assert ids(api, q="arriv deliv") == [parcel]  # every word must match
    assert ids(api, q="parcel invoice") == []
    assert ids(api, q="address") == [other]
    assert ids(api, q="cel") == []  # prefixes, not infixes
    assert ids(api, q="!!! ???") == []  # nothing searchable matches nothing, not everything
    assert ids(api, q="parcel", status="solved") == []


def test_accents_are_folded(live_cast: Cast) -> None:
    api = live_cast.api("alice")
    t = create_ticket(api, subject="Café order, naïve question")["id"]
    assert ids(api, q="cafe naive") == [t]
    assert ids(api, q="CAFÉ") == [t]


def test_traditional_and_simplified_chinese_find_each_other(live_cast: Cast) -> None:
    """A Simplified query finds Traditional text and vice versa, in subjects and descriptions."""
    api = live_cast.api("alice")
    hant = create_ticket(api, subject="我的包裹還沒有到", description="請幫我查詢物流進度")["id"]
    hans = create_ticket(
        api, subject="申请退款", description="订单号码 8899，质量问题", requester={"email": "wang@example.cn"}
    )["id"]
    create_ticket(api, subject="English only")
    assert ids(api, q="包裹还没") == [hant]  # zh-Hans query, zh-Hant text
    assert ids(api, q="包裹還沒") == [hant]
    assert ids(api, q="查询物流") == [hant]
    assert ids(api, q="申請退款") == [hans]  # zh-Hant query, zh-Hans text
    assert ids(api, q="質量問題") == [hans]
    assert ids(api, q="退") == [hans]  # a single character
    assert ids(api, q="退款 包裹") == []
    assert ids(api, q="款申") == []  # bigrams in the order written


def test_search_finds_words_in_replies_and_notes(live_cast: Cast) -> None:
    api = live_cast.api("alice")
    t = create_ticket(api, subject="Delivery question")["id"]
    create_ticket(api, subject="Something else")
    assert (
        api.post(f"/api/v1/tickets/{t}/comments", json={"body": "追蹤號碼 TW998877 已寄出"}).status_code
        == 201
    )
    assert (
        api.post(f"/api/v1/tickets/{t}/comments", json={"body": "carrier Kerry", "public": False}).status_code
        == 201
    )
    assert ids(api, q="追踪号码") == [t]
    assert ids(api, q="tw9988") == [t]
    assert ids(api, q="kerry delivery") == [t]  # words from the subject and a note together


def test_renaming_a_ticket_updates_the_index_and_keeps_comments(live_cast: Cast) -> None:
    api = live_cast.api("alice")
    t = create_ticket(api, subject="Broken kettle", description="the lid cracked")["id"]
    assert api.post(f"/api/v1/tickets/{t}/comments", json={"body": "photo attached"}).status_code == 201
    assert api.patch(f"/api/v1/tickets/{t}", json={"subject": "Damaged teapot"}).status_code == 200
    assert ids(api, q="kettle") == []
    assert ids(api, q="teapot") == [t]
    assert ids(api, q="lid") == [t]
    assert ids(api, q="photo") == [t]
    assert api.post(f"/api/v1/tickets/{t}/comments", json={"body": "replacement shipped"}).status_code == 201
    assert ids(api, q="teapot replacement") == [t]


async def test_search_and_lists_never_leak_another_workspace(
    live_cast: Cast, other_cast_factory: Any
) -> None:
    """Another workspace has tickets with the same words: neither side's search, list or filters
    show the other's tickets, and the other's ticket ids are 404 here."""
    other = await other_cast_factory()
    mine_api, their_api = live_cast.api("alice"), api_of(other, "alice", closed_with=live_cast)
    mine = create_ticket(mine_api, subject="zebrafish 斑馬魚 refund", tags=["vip"])["id"]
    theirs = create_ticket(their_api, subject="zebrafish 斑馬魚 refund", tags=["vip"])["id"]
    assert their_api.post(f"/api/v1/tickets/{theirs}/comments", json={"body": "axolotl"}).status_code == 201
    for q in ("zebrafish", "斑马鱼", "refund", "axolotl"):
        assert theirs not in ids(mine_api, q=q)
        assert mine not in ids(their_api, q=q)
    assert ids(mine_api, q="zebrafish") == [mine]
    assert ids(their_api, q="zebrafish") == [theirs]
    assert ids(mine_api, q="axolotl") == []
    assert theirs not in ids(mine_api, tag="vip")
    assert theirs not in ids(mine_api)
    assert_problem(mine_api.get(f"/api/v1/tickets/{theirs}"), 404)
    assert_problem(mine_api.get(f"/api/v1/tickets/{theirs}/events"), 404)
    assert_problem(mine_api.patch(f"/api/v1/tickets/{theirs}", json={"priority": "low"}), 404)
    assert_problem(mine_api.post(f"/api/v1/tickets/{theirs}/comments", json={"body": "hi"}), 404)
    assert ids(mine_api, requester=other.customers["lisa"].id) == []


def _cursor(values: Any) -> str:
    raw = json.dumps(values).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


@pytest.mark.parametrize(
    ("sort", "values"),
    [
        ("-updated_at", {"s": "-updated_at", "id": 5, "v": "last tuesday"}),
        ("-updated_at", {"s": "-updated_at", "id": 5}),
        ("updated_at", {"s": "updated_at", "id": 5, "v": 12345}),
        ("-updated_at", {"s": "-updated_at", "id": 5, "v": "2026-01-01T00:00:00"}),
        ("-created_at", {"s": "-created_at", "id": 2**70}),
        ("-created_at", {"s": "-created_at", "id": True}),
        ("-created_at", {"s": "-created_at", "id": "5"}),
        ("-created_at", [1, 2]),
    ],
    ids=["bad-date", "no-date", "number-date", "naive-date", "huge-id", "bool-id", "text-id", "list"],
)
def test_a_tampered_cursor_is_422(module_cast: Cast, sort: str, values: Any) -> None:
    """A cursor that decodes but holds nonsense (a date that is no date, a missing or naive date,
    an id out of range or of the wrong type): 422, never a 500."""
    api = module_cast.api("alice")
    assert_problem(api.get("/api/v1/tickets", params={"sort": sort, "cursor": _cursor(values)}), 422)
