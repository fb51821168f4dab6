"""Keyset (cursor) pagination: stable under inserts, constant cost per page."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from wowdesk.core.errors import InvalidInput
from wowdesk.core.i18n import N_

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


@dataclass
class Page(Generic[T]):
    items: list[T]
    next_cursor: str | None
