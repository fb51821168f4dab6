"""Money as integer minor units with an ISO 4217 code: what a refund form or an import accepts, and
how an amount reads in each console language."""

from __future__ import annotations

import pytest
from pydantic import BaseModel, ValidationError

from wowdesk.core.i18n import Invalid
from wowdesk.core.money import CurrencyCode, MinorAmount, format_money, minor_digits, parse_amount


class _Amount(BaseModel):
    amount_minor: MinorAmount
    currency: CurrencyCode


def test_currency_codes_are_checked_and_normalised() -> None:
    assert _Amount(amount_minor=1250, currency="twd").currency == "TWD"
    for bad in ("ZZZ", "XXX", "XAU", "", "TW", "TWDD", "新台幣"):
        with pytest.raises(ValidationError):
            _Amount(amount_minor=1, currency=bad)


@pytest.mark.parametrize("bad", [-1, 12.5, "1250", True, 10**13 + 1, None])
def test_amounts_are_whole_minor_units_within_bounds(bad: object) -> None:
    with pytest.raises(ValidationError):
        _Amount(amount_minor=bad, currency="TWD")  # type: ignore[arg-type]


def test_minor_digits_follow_iso_4217() -> None:
    assert (minor_digits("TWD"), minor_digits("USD"), minor_digits("JPY"), minor_digits("KWD")) == (
        2,
        2,
        0,
        3,
    )


def test_typed_amounts_become_minor_units() -> None:
    assert parse_amount("12.50", "TWD") == 1250
    assert parse_amount(" 1,250 ", "JPY") == 1250
    assert parse_amount("0.125", "KWD") == 125
    assert parse_amount("3", "USD") == 300


@pytest.mark.parametrize(
    ("text", "currency"),
    [
        ("12.5", "JPY"),
        ("1.005", "USD"),
        ("-1", "TWD"),
        ("abc", "TWD"),
        ("NaN", "TWD"),
        ("Infinity", "USD"),
        ("1e20", "USD"),
        ("", "TWD"),
    ],
)
def test_typed_amounts_that_are_not_money_are_refused_in_words(text: str, currency: str) -> None:
    with pytest.raises(Invalid):
        parse_amount(text, currency)


def test_amounts_read_as_each_language_writes_them() -> None:
    assert format_money(125000, "TWD", "en") == "NT$1,250.00"
    assert format_money(1250, "JPY", "en") == "¥1,250"
    assert "1,250" in format_money(125000, "TWD", "zh-Hant")
    assert "12.50" in format_money(1250, "USD", "zh-Hans")
