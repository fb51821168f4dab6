"""Validators shared by schemas: e-mail addresses, phone numbers (E.164), time zones, languages.

Each raises ``ValueError`` with a short English message, which Pydantic turns into a 422 entry.
"""

from __future__ import annotations

import json
import math
import re
import zoneinfo
from functools import cache, lru_cache
from typing import Annotated, Any

import phonenumbers
from email_validator import EmailNotValidError, validate_email
from pydantic import AfterValidator

from wowdesk.core.i18n import LANGUAGES, N_, Invalid, normalize_language

SLUG_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$")


def normalize_email(value: str) -> str:
    return _normalized_email(value.strip())


@lru_cache(maxsize=16_384)  # the same requesters write again and again; a check costs ~40 µs
def _normalized_email(value: str) -> str:
    try:
        result = validate_email(value, check_deliverability=False, test_environment=True)
    except EmailNotValidError:
        raise Invalid(N_("This is not a valid e-mail address.")) from None
    return result.normalized.lower()


def normalize_phone(value: str, region: str | None = None) -> str:
    """Return the E.164 form of a phone number; numbers without +country need `region`."""
    try:
        number = phonenumbers.parse(value, region)
    except phonenumbers.NumberParseException:
        raise Invalid(
            N_("This is not a valid phone number (use the international form, e.g. +886 912 345 678).")
        ) from None
    if not phonenumbers.is_possible_number(number) or not phonenumbers.is_valid_number(number):
        raise Invalid(N_("This is not a valid phone number."))
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


@cache
def _zones() -> frozenset[str]:
    return frozenset(zoneinfo.available_timezones())


def check_time_zone(value: str) -> str:
    if value not in _zones():
        raise Invalid(N_("Unknown time zone (use an IANA name such as Asia/Taipei)."))
    return value


def check_language(value: str) -> str:
    lang = normalize_language(value)
    if value.strip().lower() not in {x.lower() for x in LANGUAGES} and not value.lower().startswith(
        ("en", "zh")
    ):
        raise Invalid(N_("Unsupported language; use one of en, zh-Hant, zh-Hans."))
    return lang


def check_slug(value: str) -> str:
    if not SLUG_RE.match(value):
        raise Invalid(
            N_("A slug is 1-40 lower-case letters, digits or hyphens, not starting or ending with -.")
        )
    return value


AUTO_LANGUAGE = "auto"  # an agent's language: follow the browser's


def check_agent_language(value: str) -> str:
    return AUTO_LANGUAGE if value.strip().lower() == AUTO_LANGUAGE else check_language(value)


Email = Annotated[str, AfterValidator(normalize_email)]
Phone = Annotated[str, AfterValidator(normalize_phone)]
TimeZone = Annotated[str, AfterValidator(check_time_zone)]
Language = Annotated[str, AfterValidator(check_language)]
AgentLanguage = Annotated[str, AfterValidator(check_agent_language)]
Slug = Annotated[str, AfterValidator(check_slug)]


MAX_TAGS = 50
MAX_TAG_LENGTH = 50
_TAG_BAD = re.compile(r"[\s,]+")


def normalize_tag(value: str) -> str:
    tag = _TAG_BAD.sub("-", value.strip().lower()).strip("-")
    if not tag:
        raise Invalid(N_("A tag cannot be empty."))
    if len(tag) > MAX_TAG_LENGTH:
        raise Invalid(N_("A tag is at most {max} characters."), max=MAX_TAG_LENGTH)
    return tag


def normalize_tags(values: list[str]) -> list[str]:
    tags = list(dict.fromkeys(normalize_tag(v) for v in values))
    if len(tags) > MAX_TAGS:
        raise Invalid(N_("At most {max} tags."), max=MAX_TAGS)
    return tags


Tags = Annotated[list[str], AfterValidator(normalize_tags)]


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _finite(text: str) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ValueError("number out of range")
    return value


def standard_json(body: bytes | str) -> Any:
    """Parse standard JSON (RFC 8259); anything else raises ``json.JSONDecodeError``. Python's
    ``json`` also accepts ``NaN``, ``Infinity`` and turns ``1e400`` into infinity: none is JSON,
    PostgreSQL's ``jsonb`` refuses them and SQLite would keep something else."""
    try:
        return json.loads(body, parse_constant=_no_constant, parse_float=_finite)
    except json.JSONDecodeError:
        raise
    except (ValueError, RecursionError) as exc:  # bad UTF-8, NaN, 1e400, 5000 digits, [[[[…
        raise json.JSONDecodeError(str(exc) or type(exc).__name__, "", 0) from None
