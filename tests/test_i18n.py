"""Three first-class languages: every message the code can show has a Traditional and a
Simplified Chinese translation with the same placeholders, and the API answers in the caller's
language (Accept-Language, else the agent's own language)."""

from __future__ import annotations

import importlib.util
import string
from pathlib import Path

import pytest

from tests.conftest import Cast, assert_problem
from wowdesk.core.i18n import catalogue, negotiate, normalize_language, translate

ROOT = Path(__file__).resolve().parents[1]


def _tool():  # tools/i18n.py, the maintainers' script, is the single definition of "a message"
    spec = importlib.util.spec_from_file_location("i18n_tool", ROOT / "tools" / "i18n.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _fields(text: str) -> set[str]:
    return {name for _lit, name, _spec, _conv in string.Formatter().parse(text) if name}


@pytest.mark.parametrize("language", ["zh-Hant", "zh-Hans"])
def test_every_message_is_translated_with_the_same_placeholders(language: str) -> None:
    messages = _tool().extract()
    assert len(messages) > 100  # the extraction really found the code's messages
    cat = catalogue(language)
    missing = [m for m in messages if not cat.get(m)]
    assert not missing, f"{language}: untranslated: {missing[:10]}"
    wrong = [m for m in messages if _fields(cat[m]) != _fields(m)]
    assert not wrong, f"{language}: placeholders differ: {wrong[:10]}"


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("zh-TW,zh;q=0.9,en;q=0.8", "zh-Hant"),
        ("zh-HK", "zh-Hant"),
        ("zh-Hant-TW", "zh-Hant"),
        ("zh-CN,zh;q=0.9", "zh-Hans"),
        ("zh", "zh-Hans"),
        ("zh-SG", "zh-Hans"),
        ("en-US,en;q=0.9", "en"),
        ("fr-FR,fr;q=0.9", "en"),
        ("fr;q=1, zh-TW;q=0.5", "zh-Hant"),
        ("en;q=0.2, zh-CN;q=0.8", "zh-Hans"),
        ("", "en"),
        ("*;q=0.5, ;;;", "en"),
        ("zh-TW;q=abc", "en"),
    ],
)
def test_accept_language_picks_one_of_our_languages(header: str, expected: str) -> None:
    assert negotiate(header) == expected


def test_translation_fills_placeholders() -> None:
    assert translate("Ticket {number} is closed; closed tickets cannot change.", "zh-Hant", number=42) == (
        "工單 42 已關閉；已關閉的工單無法再變更。"
    )
    assert normalize_language("zh_TW") == "zh-Hant"


def test_problems_speak_the_callers_language(live_cast: Cast) -> None:
    """The same 404, 422 and 409 in three languages: by header, and by the agent's own setting."""
    api = live_cast.api("alice")
    body = assert_problem(api.get("/api/v1/tickets/999999999", headers={"Accept-Language": "zh-TW"}), 404)
    assert body["title"] == "找不到" and body["detail"] == "找不到此工單。"
    body = assert_problem(api.get("/api/v1/tickets/999999999", headers={"Accept-Language": "zh-CN"}), 404)
    assert body["detail"] == "找不到此工单。"
    body = assert_problem(api.get("/api/v1/tickets/999999999", headers={"Accept-Language": "en"}), 404)
    assert body["detail"] == "Ticket not found."

    bad = {"subject": "x", "requester": {"email": "not-an-email"}, "priority": "extreme", "bogus": 1}
    body = assert_problem(api.post("/api/v1/tickets", json=bad, headers={"Accept-Language": "zh-TW"}), 422)
    assert body["detail"] == "有欄位缺漏或無效。"
    by_field = {e["field"]: e["message"] for e in body["errors"]}
    assert by_field["requester.email"] == "這不是有效的電子郵件地址。"
    assert by_field["priority"].startswith("必須是以下其中之一：")
    assert by_field["bogus"] == "不允許這個欄位。"

    # Without a header an agent gets their own language: Alice switches hers to Simplified Chinese.
    assert api.patch("/api/v1/me", json={"language": "zh-Hans"}).status_code == 200
    t = api.post("/api/v1/tickets", json={"subject": "s", "requester": {"email": "x@example.com"}}).json()
    for status in ("solved", "closed"):
        assert api.patch(f"/api/v1/tickets/{t['id']}", json={"status": status}).status_code == 200
    body = assert_problem(api.patch(f"/api/v1/tickets/{t['id']}", json={"status": "open"}), 409)
    assert body["title"] == "状态冲突"
    assert body["detail"] == f"工单 {t['number']} 已关闭；已关闭的工单无法再更改。"
