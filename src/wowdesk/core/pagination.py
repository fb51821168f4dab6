"""Keyset (cursor) pagination: stable under inserts, constant cost per page."""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from wowdesk.core.errors import InvalidInput
from wowdesk.core.i18n import N_
from wowdesk.core.schemas import MAX_DB_ID

T = TypeVar("T")


def encode_cursor(values: dict[str, Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        data = json.loads(raw)
    except (binascii.Error, ValueError, UnicodeDecodeError):
        raise InvalidInput(N_("The cursor is not valid.")) from None
    if not isinstance(data, dict):
        raise InvalidInput(N_("The cursor is not valid."))
    return data


def decode_after(cursor: str | None) -> tuple[dt.datetime, int] | None:
    """The (time, id) position of a keyset cursor made with ``{"at": iso time, "id": id}`` (None
    without a cursor): the time must be timezone-aware and the id a database id, or it is a 422."""
    if not cursor:
        return None
    data = decode_cursor(cursor)
    try:
        at = dt.datetime.fromisoformat(data["at"])
    except (KeyError, TypeError, ValueError):
        raise InvalidInput(N_("The cursor is not valid.")) from None
    after_id = data.get("id")
    if (
        at.tzinfo is None
        or not isinstance(after_id, int)
        or isinstance(after_id, bool)
        or not 1 <= after_id <= MAX_DB_ID
    ):
        raise InvalidInput(N_("The cursor is not valid."))
    return at, after_id


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None
