"""Timeline lines the system writes, as the ticket page words them: SLA warnings and breaches, in
the reader's language and time zone."""

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
                entries=list(entries), names={}, console=SimpleNamespace(time_zone="Asia/Taipei"), ticket=None
            )
        )
    finally:
        reset_language(token)


def sla_line(mark: str, metric: str) -> SimpleNamespace:
    return SimpleNamespace(
        id=7,
        actor="system",
        via="sla",
        kind="sla",
        field=metric,
        old=None,
        new={"mark": mark, "due_at": "2026-03-02T02:00:00+00:00"},
        comment=None,
        created_at=dt.datetime(2026, 3, 2, 2, 0, 1, tzinfo=dt.UTC),
    )


@pytest.mark.parametrize(
    ("language", "mark", "metric", "words"),
    [
        ("en", "breached", "first_reply", "SLA breached: First reply was due"),
        ("en", "near", "resolution", "SLA warning: Resolution is due soon"),
        ("zh-Hant", "breached", "first_reply", "SLA 逾時：首次回覆"),
        ("zh-Hans", "near", "next_reply", "SLA 预警：下次回复"),
    ],
)
def test_sla_lines_say_which_target_and_when_it_was_due(
    language: str, mark: str, metric: str, words: str
) -> None:
    html = render(language, sla_line(mark, metric))
    assert words in html
    assert "10:00" in html  # 02:00 UTC is 10:00 in Taipei, the reader's time zone
    assert "· sla" not in html


@pytest.mark.parametrize(
    ("language", "old", "new", "words"),
    [
        ("en", None, "good", "Lisa rated the service: Good"),
        ("en", "good", "bad", "Lisa changed the satisfaction rating from Good to Bad"),
        ("zh-Hant", None, "bad", "Lisa 評價了服務：不滿意"),
    ],
)
def test_a_rating_line_says_who_rated_and_how(language: str, old: str | None, new: str, words: str) -> None:
    line = SimpleNamespace(
        id=8,
        actor="customer:3",
        via="csat",
        kind="satisfaction",
        field="rating",
        old=old,
        new=new,
        comment=None,
        created_at=dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC),
    )
    token = set_language(language)
    try:
        html = (
            environment()
            .get_template("tickets/_entries.html")
            .render(
                entries=[line],
                names={"customer:3": "Lisa"},
                console=SimpleNamespace(time_zone="UTC"),
                ticket=None,
            )
        )
    finally:
        reset_language(token)
    assert words in html and "· satisfaction" not in html
