"""Stored results of POSTs sent with an ``Idempotency-Key`` header.

The key row is written in the same transaction as the record it created; a retry with the same key
and the same request returns the stored response, a retry with a different request is a conflict,
and two racing requests end with one record (the loser of the unique index re-reads the winner's).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from typing import Any

from sqlalchemy import Integer, String, UniqueConstraint, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from wowdesk.core.db import Base, IdMixin, JSONType, WorkspaceMixin

KEY_TTL = dt.timedelta(hours=24)
MAX_KEY_LENGTH = 200


class IdempotencyRecord(IdMixin, WorkspaceMixin, Base):
    __workspace_index__ = False  # its indexes lead with workspace_id
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("workspace_id", "principal", "key"),)

    principal: Mapped[str] = mapped_column(String(40))  # who sent it: "user:3", "apikey:9"
    key: Mapped[str] = mapped_column(String(MAX_KEY_LENGTH))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response: Mapped[dict[str, Any]] = mapped_column(JSONType)
    created_at: Mapped[dt.datetime]


def request_fingerprint(method: str, path: str, body: Any) -> str:
    raw = json.dumps([method, path, body], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


async def find(
    session: AsyncSession, workspace_id: int, principal: str, key: str
) -> IdempotencyRecord | None:
    q = select(IdempotencyRecord).where(
        IdempotencyRecord.workspace_id == workspace_id,
        IdempotencyRecord.principal == principal,
        IdempotencyRecord.key == key,
    )
    return (await session.execute(q)).scalar_one_or_none()


async def purge_expired(session: AsyncSession, now: dt.datetime) -> int:
    res = await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < now - KEY_TTL))
    return int(getattr(res, "rowcount", 0) or 0)
