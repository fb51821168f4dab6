"""Customer profiles over the HTTP API: identities (e-mail, E.164 phone), conflicts, editing the
lists, search, tag filter and cursor pagination."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api, Cast, assert_problem


def create(api: Api, **fields: Any) -> dict[str, Any]:
    r = api.post("/api/v1/customers", json=fields)
    assert r.status_code == 201, r.text
    customer: dict[str, Any] = r.json()
    return customer


def get(api: Api, customer_id: int) -> dict[str, Any]:
    r = api.get(f"/api/v1/customers/{customer_id}")
    assert r.status_code == 200, r.text
    customer: dict[str, Any] = r.json()
    return customer


def listed(api: Api, **params: Any) -> list[int]:
    out: list[int] = []
    cursor = None
    for _ in range(50):
        r = api.get("/api/v1/customers", params={**params, **({"cursor": cursor} if cursor else {})})
        assert r.status_code == 200, r.text
        out += [c["id"] for c in r.json()["items"]]
        cursor = r.json()["next_cursor"]
        if cursor is None:
            return out
    raise AssertionError("the cursor never ended")


def everyone(api: Api) -> list[int]:
    return listed(api, limit=200)


# -- create --------------------------------------------------------------------------------------------


def test_create_with_emails_and_phones_normalised(live_cast: Cast) -> None:
    api = live_cast.api("alice")
    c = create(
        api,
        name="陳小明 Ming",
        emails=[" Ming.Chen@Example.COM ", "ming@work.example.org"],
        phones=["+886 912-345-679", "+86 138 0013 8000", "+1 (415) 555-2671"],
        language="zh-TW",
        time_zone="Asia/Taipei",
        tags=["VIP"],
    )
    assert c["emails"] == ["ming.chen@example.com", "ming@work.example.org"]
    assert c["phones"] == ["+886912345679", "+8613800138000", "+14155552671"]
    assert (c["language"], c["time_zone"], c["tags"], c["merged_into_id"]) == (
        "zh-Hant",
        "Asia/Taipei",
        ["vip"],
        None,
    )
    assert {(i["channel"], i["value"]) for i in c["identities"]} == {
        ("email", "ming.chen@example.com"),
        ("email", "ming@work.example.org"),
        ("phone", "+886912345679"),
        ("phone", "+8613800138000"),
        ("phone", "+14155552671"),
    }
    assert get(api, c["id"]) == c
    # The same address written differently is the same identity: found by either spelling.
    r = api.get("/api/v1/customers", params={"phone": "+886 912 345 679"})
    assert [x["id"] for x in r.json()["items"]] == [c["id"]]
    r = api.get("/api/v1/customers", params={"email": "MING.CHEN@example.com"})
    assert [x["id"] for x in r.json()["items"]] == [c["id"]]


def test_the_same_address_twice_in_one_request_is_one_identity(live_cast: Cast) -> None:
    api = live_cast.api("alice")
    c = create(
        api, emails=["twice@example.com", "TWICE@example.com"], phones=["+886912000111", "+886 912 000 111"]
    )
    assert (c["emails"], c["phones"]) == (["twice@example.com"], ["+886912000111"])


@pytest.mark.parametrize(
    ("fields", "where"),
    [
        ({"phones": ["0912345678"]}, "phones.0"),
        ({"phones": ["+886 12"]}, "phones.0"),
        ({"phones": ["call me"]}, "phones.0"),
        ({"emails": ["not-an-email"]}, "emails.0"),
        ({"emails": ["ok@example.com", "two@@example.com"]}, "emails.1"),
        ({"time_zone": "Taipei"}, "time_zone"),
        ({"language": "fr"}, "language"),
        ({"identities": [{"channel": "phone", "value": "0912345678"}]}, "identities.0"),
        ({"identities": [{"channel": "fax", "value": "1"}]}, "identities.0.channel"),
        ({"nickname": "x"}, "nickname"),
    ],
    ids=[
        "local-phone",
        "short-phone",
        "words-phone",
        "email",
        "second-email",
        "tz",
        "lang",
        "ident-phone",
        "ident-channel",
        "extra",
    ],
)
def test_bad_input_on_create_is_422_and_creates_nobody(
    module_cast: Cast, fields: dict[str, Any], where: str
) -> None:
    """A local phone number without +country, a too short or wordy phone, a malformed e-mail, an
    unknown time zone/language/channel or property: 422 naming the field; no customer is created
    (not even with the valid parts)."""
    api = module_cast.api("alice")
    before = everyone(api)
    body = assert_problem(
        api.post(
            "/api/v1/customers",
            json={"name": "Nobody", "emails": ["nobody@example.com"], **fields},
        ),
        422,
    )
    assert any(e["field"].startswith(where) for e in body["errors"]), body["errors"]
    assert everyone(api) == before


def test_a_local_phone_number_gets_a_readable_message(module_cast: Cast) -> None:
    """A Taiwanese mobile number written locally (0912 345 678): 422 whose message says to use the
    international form and shows an example; nobody is created."""
    api = module_cast.api("alice")
    before = everyone(api)
    body = assert_problem(api.post("/api/v1/customers", json={"phones": ["0912 345 678"]}), 422)
    (error,) = body["errors"]
    assert error["field"] == "phones.0"
    assert "international" in error["message"] and "+886" in error["message"]
    assert everyone(api) == before


def test_an_identity_of_another_customer_is_409_naming_them(live_cast: Cast) -> None:
    """A new customer with Lisa's e-mail (in capitals) or Lisa's phone (spaced): 409 whose
    `customer_id` and message name Lisa; nobody is created."""
    api = live_cast.api("alice")
    lisa = live_cast.customers["lisa"].id
    before = everyone(api)
    for fields in (
        {"emails": ["fresh@example.com", "LISA@example.com"]},
        {"phones": ["+886 912 345 678"]},
        {"identities": [{"channel": "email", "value": "Lisa@Example.com"}]},
    ):
        body = assert_problem(api.post("/api/v1/customers", json={"name": "Impostor", **fields}), 409)
        assert body["customer_id"] == lisa
        assert str(lisa) in body["detail"]
    assert everyone(api) == before
    assert api.get("/api/v1/customers", params={"email": "fresh@example.com"}).json()["items"] == []


def test_other_channel_identities(module_cast: Cast) -> None:
    api = module_cast.api("alice")
    c = create(api, name="Line user", identities=[{"channel": "line", "value": "U4af4980629"}])
    assert [(i["channel"], i["value"]) for i in c["identities"]] == [("line", "U4af4980629")]
    before = everyone(api)
    body = assert_problem(
        api.post("/api/v1/customers", json={"identities": [{"channel": "line", "value": "U4af4980629"}]}), 409
    )
    assert body["customer_id"] == c["id"]
    assert everyone(api) == before


# -- update --------------------------------------------------------------------------------------------


def test_patch_replaces_the_email_and_phone_lists(live_cast: Cast) -> None:
    api = live_cast.api("alice")
    lisa = live_cast.customers["lisa"].id
    r = api.patch(
        f"/api/v1/customers/{lisa}", json={"emails": ["lisa@example.com", "Lisa.Chang@Work.example"]}
    )
    assert r.status_code == 200, r.text
    assert sorted(r.json()["emails"]) == ["lisa.chang@work.example", "lisa@example.com"]
    assert r.json()["phones"] == ["+886912345678"]  # not named: unchanged

    r = api.patch(
        f"/api/v1/customers/{lisa}", json={"emails": ["new-lisa@example.com"], "phones": ["+886 922 111 222"]}
    )
    assert r.status_code == 200, r.text
    assert (r.json()["emails"], r.json()["phones"]) == (["new-lisa@example.com"], ["+886922111222"])
    assert get(api, lisa)["emails"] == ["new-lisa@example.com"]
    # The old address is free again: someone else may have it now.
    other = create(api, name="Someone", emails=["lisa@example.com"])
    assert other["emails"] == ["lisa@example.com"]

    r = api.patch(f"/api/v1/customers/{lisa}", json={"phones": []})
    assert (
        r.status_code == 200 and r.json()["phones"] == [] and r.json()["emails"] == ["new-lisa@example.com"]
    )


def test_patch_with_the_same_address_twice_keeps_one(live_cast: Cast) -> None:
    """PATCH emails ["x@…", "X@…"] (one address spelled twice): 200 with one identity, not an error."""
    api = live_cast.api("alice")
    john = live_cast.customers["john"].id
    r = api.patch(
        f"/api/v1/customers/{john}", json={"emails": ["JM@example.com", "jm@example.com", "john@example.com"]}
    )
    assert r.status_code == 200, r.text
    assert sorted(r.json()["emails"]) == ["jm@example.com", "john@example.com"]
    r = api.patch(f"/api/v1/customers/{john}", json={"phones": ["+1 415 555 2671", "+14155552671"]})
    assert r.status_code == 200, r.text
    assert r.json()["phones"] == ["+14155552671"]


def test_patch_taking_someone_elses_address_is_409_and_changes_nothing(live_cast: Cast) -> None:
    """PATCH John's e-mails to [a new one, Wang's]: 409 naming Wang; John keeps his old e-mail
    (the removal half of the change is not applied either) and his name change is not applied."""
    api = live_cast.api("alice")
    john, wang = live_cast.customers["john"].id, live_cast.customers["wang"].id
    before = get(api, john)
    body = assert_problem(
        api.patch(
            f"/api/v1/customers/{john}", json={"name": "J.", "emails": ["jm2@example.com", "wang@example.cn"]}
        ),
        409,
    )
    assert body["customer_id"] == wang
    assert get(api, john) == before
    assert api.get("/api/v1/customers", params={"email": "jm2@example.com"}).json()["items"] == []


@pytest.mark.parametrize(
    "patch",
    [
        {"phones": ["0912345678"]},
        {"emails": ["bad"]},
        {"time_zone": "Mars/Base"},
        {"tags": ["  "]},
        {"merged_into_id": 1},
    ],
    ids=["local-phone", "email", "tz", "blank-tag", "merged-into"],
)
def test_bad_patch_is_422_and_changes_nothing(module_cast: Cast, patch: dict[str, Any]) -> None:
    api = module_cast.api("alice")
    lisa = module_cast.customers["lisa"].id
    before = get(api, lisa)
    assert_problem(api.patch(f"/api/v1/customers/{lisa}", json={**patch, "name": "changed"}), 422)
    assert get(api, lisa) == before


def test_patch_other_fields(live_cast: Cast) -> None:
    api = live_cast.api("alice")
    wang = live_cast.customers["wang"].id
    r = api.patch(
        f"/api/v1/customers/{wang}",
        json={
            "name": "王伟 Wei",
            "tags": ["VIP", "wholesale"],
            "custom_attributes": {"tier": "gold", "orders": 12},
        },
    )
    assert r.status_code == 200, r.text
    c = r.json()
    assert (c["name"], c["tags"], c["custom_attributes"]) == (
        "王伟 Wei",
        ["vip", "wholesale"],
        {"tier": "gold", "orders": 12},
    )
    assert c["emails"] == ["wang@example.cn"]
    r = api.patch(f"/api/v1/customers/{wang}", json={"tags": None, "time_zone": None})
    assert r.status_code == 200 and r.json()["tags"] == [] and r.json()["time_zone"] is None


# -- list, search, tags, pages -------------------------------------------------------------------------


def test_search_by_name_email_and_phone(live_cast: Cast) -> None:
    api = live_cast.api("alice")
    c = live_cast.customers
    lisa, wang, john = c["lisa"].id, c["wang"].id, c["john"].id
    odd = create(api, name="100% a_b")["id"]
    assert listed(api, q="miller") == [john]
    assert listed(api, q="John M") == [john]
    assert listed(api, q="雅婷") == [lisa]
    assert listed(api, q="王") == [wang]
    assert listed(api, q="example.cn") == [wang]
    assert listed(api, q="LISA@EXAMPLE") == [lisa]
    assert listed(api, q="912345") == [lisa]  # part of +886912345678
    assert sorted(listed(api, q="example.com")) == sorted([lisa, john])
    assert listed(api, q="nobody-has-this") == []
    # LIKE wildcards are plain characters.
    assert listed(api, q="%") == [odd]
    assert listed(api, q="a_b") == [odd]
    assert listed(api, q="_") == [odd]


def test_tag_filter(live_cast: Cast) -> None:
    api = live_cast.api("alice")
    a = create(api, name="A", tags=["vip", "wholesale"])["id"]
    b = create(api, name="B", tags=["VIP"])["id"]
    create(api, name="C", tags=["vipx", "retail"])
    assert sorted(listed(api, tag="vip")) == sorted([a, b])
    assert sorted(listed(api, tag=" VIP ")) == sorted([a, b])
    assert listed(api, tag="wholesale") == [a]
    assert listed(api, tag="vi") == []
    assert listed(api, tag="vip", q="B") == [b]


def test_cursor_pagination_without_duplicates_or_gaps(live_cast: Cast) -> None:
    api = live_cast.api("alice")
    made = [create(api, name=f"Paged {i}", tags=["paged"])["id"] for i in range(12)]
    pages = []
    cursor = None
    while True:
        r = api.get(
            "/api/v1/customers", params={"tag": "paged", "limit": 5, **({"cursor": cursor} if cursor else {})}
        )
        assert r.status_code == 200
        pages.append([x["id"] for x in r.json()["items"]])
        cursor = r.json()["next_cursor"]
        if not cursor:
            break
    assert [len(p) for p in pages] == [5, 5, 2]
    assert [i for p in pages for i in p] == sorted(made, reverse=True)  # newest first
    everybody = everyone(api)
    assert len(everybody) == len(set(everybody)) == 12 + 3


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "garbage!"},
        {"limit": 0},
        {"limit": 500},
        {"email": "not-mail"},
        {"phone": "0912"},
        {"tag": ","},
    ],
    ids=["cursor", "limit0", "limit500", "email", "phone", "tag"],
)
def test_bad_list_parameters_are_422(module_cast: Cast, params: dict[str, Any]) -> None:
    """A garbled cursor, limit 0 or 500, a malformed e-mail or local phone filter, a blank tag: 422."""
    assert_problem(module_cast.api("alice").get("/api/v1/customers", params=params), 422)


async def test_customers_of_another_workspace_are_invisible(live_cast: Cast, other_cast_factory: Any) -> None:
    """The other workspace has customers with the same e-mails and names: not listed, not found by
    search, 404 by id, and their e-mail is free to use here."""
    other = await other_cast_factory()
    api = live_cast.api("alice")
    theirs = other.customers["lisa"].id
    assert theirs not in everyone(api)
    assert listed(api, q="lisa") == [live_cast.customers["lisa"].id]
    assert_problem(api.get(f"/api/v1/customers/{theirs}"), 404)
    assert_problem(api.patch(f"/api/v1/customers/{theirs}", json={"name": "x"}), 404)
    assert_problem(
        api.post(f"/api/v1/customers/{live_cast.customers['lisa'].id}/merge", json={"source_id": theirs}), 404
    )
    assert_problem(
        api.post("/api/v1/tickets", json={"subject": "x", "requester": {"id": theirs}}),
        422,
    )
