"""Money: integer amounts in a currency's minor unit (cents, 分) with an ISO 4217 code.

Amounts are never floats. A currency's number of minor digits comes from CLDR (Babel): TWD and
USD have 2, JPY 0, KWD 3. Schemas validate codes with ``CurrencyCode`` and amounts with
``MinorAmount``; the console turns what an agent typed ("12.50") into minor units with
``parse_amount`` and shows amounts with ``format_money`` in the reader's language.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from functools import cache
from typing import Annotated

from babel.numbers import format_currency, get_currency_precision, list_currencies
from pydantic import AfterValidator, Field, StrictInt

from wowdesk.core.i18n import N_, Invalid

# Codes that are not money one can pay or refund: precious metals, funds, test and "no currency".
_NOT_MONEY = frozenset(
    {"XAG", "XAU", "XPD", "XPT", "XBA", "XBB", "XBC", "XBD", "XDR", "XSU", "XTS", "XUA", "XXX"}
)
# The largest amount accepted anywhere (10 trillion minor units): far above any order, far below
# what a 64-bit column holds, so sums of many amounts cannot overflow.
MAX_MINOR = 10**13

_LOCALES = {"en": "en_US", "zh-Hant": "zh_Hant_TW", "zh-Hans": "zh_Hans_CN"}


@cache
def _currencies() -> frozenset[str]:
    return frozenset(code for code in list_currencies() if code not in _NOT_MONEY and len(code) == 3)


def check_currency(value: str) -> str:
    code = value.strip().upper()
    if code not in _currencies():
        raise Invalid(N_("Unknown currency (use an ISO 4217 code such as TWD, USD or JPY)."))
    return code


def minor_digits(currency: str) -> int:
    """How many digits follow the decimal point in ``currency`` (2 for TWD, 0 for JPY)."""
    return int(get_currency_precision(currency))


def parse_amount(text: str, currency: str) -> int:
    """``"12.50"`` TWD → 1250. Rejects negatives, more decimals than the currency has, and
    anything that is not a plain number."""
    cleaned = text.strip().replace(",", "")
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise Invalid(N_("This is not an amount (write it like 12.50).")) from None
    if not value.is_finite() or value < 0:
        raise Invalid(N_("The amount must be zero or more."))
    digits = minor_digits(currency)
    scaled = value.scaleb(digits)
    if scaled != scaled.to_integral_value():
        raise Invalid(
            N_("{currency} has {digits} decimal places; this amount has more."),
            currency=currency,
            digits=digits,
        )
    minor = int(scaled)
    if minor > MAX_MINOR:
        raise Invalid(N_("This amount is too large."))
    return minor


def to_decimal(amount_minor: int, currency: str) -> Decimal:
    return Decimal(amount_minor).scaleb(-minor_digits(currency))


def format_money(amount_minor: int, currency: str, language: str = "en") -> str:
    """The amount as a reader of ``language`` expects it: ``NT$1,250.00``, ``US$12.50``."""
    locale = _LOCALES.get(language, "en_US")
    return str(format_currency(to_decimal(amount_minor, currency), currency, locale=locale))


CurrencyCode = Annotated[str, AfterValidator(check_currency)]
# An amount in minor units: a whole number (never a float, a string or a boolean), 0 … MAX_MINOR.
MinorAmount = Annotated[StrictInt, Field(ge=0, le=MAX_MINOR)]
PositiveMinorAmount = Annotated[StrictInt, Field(ge=1, le=MAX_MINOR)]
