"""Compensation lines on a ticket's timeline, as the ticket page words them: who granted what, for
how much (in the reader's money format), approvals asked, decided, and the store's answer."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest

from wowdesk.core.i18n import reset_language, set_language
from wowdesk.web.templates import environment


def render(language: str, *entries: SimpleNamespace) -> str:
    token = set_language(language)
    try:
        return (
            environment()
            .get_template("tickets/_entries.html")
            .render(
                entries=list(entries),
                names={"agent:3": "Alice"},
                console=SimpleNamespace(time_zone="Asia/Taipei"),
                ticket=None,
            )
        )
    finally:
        reset_language(token)


def line(field: str, actor: str = "system", **extra: object) -> SimpleNamespace:
    new = {"entry_id": 9, "kind": "refund", "amount_minor": 209_000, "currency": "TWD", **extra}
    return SimpleNamespace(
        id=7,
        actor=actor,
        via="ledger",
        kind="compensation",
        field=field,
        old=None,
        new=new,
        comment=None,
        created_at=dt.datetime(2026, 11, 20, 2, 0, tzinfo=dt.UTC),
    )


@pytest.mark.parametrize(
    ("field", "actor", "extra", "words"),
    [
        ("granted", "system", {}, "WowDesk granted a refund of NT$2,090.00"),
        ("approval_requested", "agent:3", {}, "Alice asked a supervisor to approve a refund of NT$2,090.00"),
        ("approved", "agent:3", {}, "Alice approved a refund of NT$2,090.00"),
        (
            "declined",
            "agent:3",
            {"reason": "Over the order value"},
            "Alice declined a refund of NT$2,090.00: Over the order value",
        ),
        ("delivered", "system", {}, "The store received a refund of NT$2,090.00"),
        (
            "delivery_failed",
            "system",
            {"reason": "HTTP 500"},
            "The store did not take a refund of NT$2,090.00: HTTP 500",
        ),
    ],
)
def test_each_compensation_event_is_a_sentence(
    field: str, actor: str, extra: dict[str, object], words: str
) -> None:
    html = render("en", line(field, actor, **extra))
    assert words in html
    assert f"compensation-{field}" in html and "· compensation" not in html


def test_amounts_follow_the_readers_language() -> None:
    assert "$2,090.00" in render("zh-Hant", line("granted")) and "NT$" not in render(
        "zh-Hant", line("granted")
    )
    credit = line("granted", kind="goodwill_credit", amount_minor=10_000)
    assert "a goodwill credit of NT$100.00" in render("en", credit)
