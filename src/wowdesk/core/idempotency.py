"""Stored results of POSTs sent with an ``Idempotency-Key`` header.

The key row is written in the same transaction as the record it created; a retry with the same key
and the same request returns the stored response, a retry with a different request is a conflict,
and two racing requests end with one record (the loser of the unique index re-reads the winner's).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Integer, String, Table, UniqueConstraint, bindparam, delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapped, mapped_column

from wowdesk.core.db import Base, IdMixin, JSONType, WorkspaceMixin
from wowdesk.core.sql import Stmt, driver, insert_row

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


@dataclass(frozen=True, slots=True)
class StoredResponse:
    request_hash: str
    status_code: int
    response: Any


def request_fingerprint(method: str, path: str, body: Any) -> str:
    raw = json.dumps([method, path, body], sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(raw.encode()).hexdigest()


_TABLE = cast(Table, IdempotencyRecord.__table__)
_FIND = Stmt(
    select(_TABLE.c.request_hash, _TABLE.c.status_code, _TABLE.c.response).where(
        _TABLE.c.workspace_id == bindparam("ws"),
        _TABLE.c.principal == bindparam("principal"),
        _TABLE.c.key == bindparam("key"),
    ),
    into=StoredResponse,
)
_STORE = Stmt(
    insert_row(
        _TABLE, ("workspace_id", "principal", "key", "request_hash", "status_code", "response", "created_at")
    )
)


async def find(session: AsyncSession, workspace_id: int, principal: str, key: str) -> StoredResponse | None:
    db = await driver(session)
    return await db.one(_FIND, {"ws": workspace_id, "principal": principal, "key": key})


async def store(
    session: AsyncSession,
    workspace_id: int,
    principal: str,
    key: str,
    *,
    request_hash: str,
    status_code: int,
    response: Any,
    created_at: dt.datetime,
) -> None:
    """Remember the answer; raises IntegrityError if another request stored one for this key."""
    db = await driver(session)
    await db.run(
        _STORE,
        {
            "workspace_id": workspace_id,
            "principal": principal,
            "key": key,
            "request_hash": request_hash,
            "status_code": status_code,
            "response": response,
            "created_at": created_at,
        },
    )


async def purge_expired(session: AsyncSession, now: dt.datetime) -> int:
    res = await session.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at < now - KEY_TTL))
    return int(getattr(res, "rowcount", 0) or 0)
