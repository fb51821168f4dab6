"""``Idempotency-Key`` on POSTs that create: same key + same request → the stored answer, one record."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.api.responses import model_response
from wowdesk.core import idempotency
from wowdesk.core.actor import Actor
from wowdesk.core.errors import Conflict, InvalidInput
from wowdesk.core.i18n import N_
from wowdesk.core.uow import now

HEADER = "idempotency-key"


async def create_once(
    request: Request,
    session: AsyncSession,
    actor: Actor,
    payload: BaseModel,
    create: Callable[[], Awaitable[Any]],
    *,
    status_code: int = 201,
) -> Response:
    """Run `create` unless this key was seen; store its answer in the same transaction."""
    key = request.headers.get(HEADER)
    if key is None:
        created = await create()
        if isinstance(created, BaseModel):
            return model_response(created, status_code=status_code)
        return JSONResponse(_plain(created), status_code=status_code)
    key = key.strip()
    if not key or len(key) > idempotency.MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidInput(N_("The Idempotency-Key header must be 1-200 printable characters."))
    fingerprint = idempotency.request_fingerprint(
        request.method, request.url.path, payload.model_dump(mode="json")
    )
    found = await idempotency.find(session, actor.workspace_id, actor.principal, key)
    if found is not None:
        if found.request_hash != fingerprint:
            raise Conflict(N_("This Idempotency-Key was used for a different request."))
        return JSONResponse(
            found.response, status_code=found.status_code, headers={"Idempotent-Replayed": "true"}
        )
    body = _plain(await create())
    try:
        await idempotency.store(
            session,
            actor.workspace_id,
            actor.principal,
            key,
            request_hash=fingerprint,
            status_code=status_code,
            response=body,
            created_at=now(session),
        )
    except IntegrityError:
        # Another request with this key won the race (PostgreSQL); this one rolls back.
        raise Conflict(N_("A request with this Idempotency-Key is in progress; retry shortly.")) from None
    return JSONResponse(body, status_code=status_code)


def _plain(value: Any) -> Any:
    """JSON-ready data: pydantic's own serialiser for models (several times faster than the
    generic encoder), the generic one for anything else."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json")
    return jsonable_encoder(value)
