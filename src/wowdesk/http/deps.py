"""Request dependencies: the unit of work, the authenticated actor, permissions, and path ids
turned into objects (or a 404)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Coroutine
from contextlib import AsyncExitStack
from typing import Annotated, Any

from fastapi import Depends, Path, Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.requests import HTTPConnection

from wowdesk.accounts import actions as account_actions
from wowdesk.accounts import queries as accounts
from wowdesk.accounts.models import AuthSession
from wowdesk.core.actor import Actor
from wowdesk.core.errors import Forbidden, Unauthorized
from wowdesk.core.i18n import N_, set_language
from wowdesk.core.runtime import Runtime
from wowdesk.core.schemas import MAX_DB_ID
from wowdesk.core.security import constant_time_equals
from wowdesk.http.actor_cache import ActorCache
from wowdesk.http.routing import UOW_SESSION, UOW_STACK

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
SESSION_COOKIE = "wowdesk_session"
CSRF_HEADER = "x-csrf-token"

IdPath = Annotated[int, Path(ge=1, le=MAX_DB_ID)]


def get_runtime(request: Request) -> Runtime:
    rt: Runtime = request.app.state.runtime
    return rt


RuntimeDep = Annotated[Runtime, Depends(get_runtime)]


async def unit_of_work(request: Request) -> AsyncSession:
    """One transaction per request, opened when a route first asks for it and committed by the
    route class (http.routing) after the route returns and before the response is sent — a failed
    commit is an error answer, never a false success. Reads use a read session."""
    session: AsyncSession | None = getattr(request.state, UOW_SESSION, None)
    if session is None:
        stack: AsyncExitStack | None = request.scope.get(UOW_STACK)
        if stack is None:
            raise RuntimeError("a unit of work needs the API's route class (http.routing.StandardJSONRoute)")
        rt = get_runtime(request)
        session = await stack.enter_async_context(rt.uow(write=request.method not in SAFE_METHODS))
        setattr(request.state, UOW_SESSION, session)
    return session


SessionDep = Annotated[AsyncSession, Depends(unit_of_work)]


async def current_actor(request: Request, session: SessionDep) -> Actor:
    rt = get_runtime(request)
    header = request.headers.get("authorization", "")
    actor: Actor | None = None
    if header:
        scheme, _sep, credential = header.partition(" ")
        credential = credential.strip()
        if scheme.lower() != "bearer" or not credential:
            raise Unauthorized(N_("Use an Authorization: Bearer header with a token or an API key."))
        actor = await _resolve_bearer(request, session, credential)
        if actor is None:
            raise Unauthorized(N_("The token or API key is not valid, has expired, or was revoked."))
    elif cookie := request.cookies.get(SESSION_COOKIE):
        resolved = await resolve_cookie(rt, session, cookie, read_only=request.method in SAFE_METHODS)
        if resolved is None:
            raise Unauthorized(N_("Your session has ended. Please sign in again."))
        actor, auth = resolved
        if request.method not in SAFE_METHODS and not constant_time_equals(
            request.headers.get(CSRF_HEADER, ""), auth.csrf_token
        ):
            raise Forbidden(N_("The request is missing its CSRF token."))
    else:
        raise Unauthorized()
    if not request.headers.get("accept-language"):
        set_language(actor.language)
    return actor


ActorDep = Annotated[Actor, Depends(current_actor)]


async def _resolve_bearer(request: Request, session: AsyncSession, credential: str) -> Actor | None:
    return await resolve_bearer(
        get_runtime(request),
        request.app.state.actor_cache,
        session,
        credential,
        read_only=request.method in SAFE_METHODS,
    )


async def resolve_bearer(
    rt: Runtime, cache: ActorCache, session: AsyncSession, credential: str, *, read_only: bool
) -> Actor | None:
    """A bearer token or API key → its actor: from the actor cache when it was checked before and
    nothing of the workspace's agents and keys changed since (http.actor_cache), else from the
    database. `read_only`: `session` is a read session."""
    now = rt.clock.now()
    is_key = credential.startswith("wdk_")
    remembered = cache.get(credential)
    # A token remembered exactly as it was verified needs no new signature check until it expires.
    if remembered is not None and (remembered.valid_until is None or now < remembered.valid_until):
        if await accounts.auth_epoch(session, remembered.actor.workspace_id) == remembered.epoch:
            return remembered.actor
        cache.forget(credential)
    claims = None if is_key else rt.signer.verify(credential, now)
    if not is_key and claims is None:
        return None  # expired or forged: never served from the cache
    actor: Actor | None
    if is_key:
        found = await accounts.resolve_api_key(session, credential, now)
        if found is None:
            return None
        actor, stale = found
        if stale and actor.via:
            key_id = int(actor.via.split(":")[1])
            if read_only:  # a read session: write the touch on its own
                async with rt.uow() as s:
                    await accounts.touch_api_key(s, actor.workspace_id, key_id, now)
            else:  # never take a second write connection while holding one
                await accounts.touch_api_key(session, actor.workspace_id, key_id, now)
    else:
        actor = await accounts.resolve_access_token(session, rt.signer, credential, now)
    if actor is not None:
        # The epoch is read after the credential: a change committed in between moves it past
        # what is remembered here, so the entry is checked again next time, never trusted stale.
        epoch = await accounts.auth_epoch(session, actor.workspace_id)
        cache.put(credential, actor, epoch, valid_until=claims.expires_at if claims else None)
    return actor


SESSION_TOUCH_EVERY = dt.timedelta(minutes=5)


async def resolve_cookie(
    rt: Runtime, session: AsyncSession, cookie: str, *, read_only: bool
) -> tuple[Actor, AuthSession] | None:
    """A console session cookie → its agent and session, or None if it ended. A session without
    "remember me" ends ``session_idle_hours`` after its last use: each use (at most every five
    minutes) moves its end."""
    now = rt.clock.now()
    resolved = await accounts.resolve_session(session, cookie, now)
    if resolved is None:
        return None
    auth = resolved[1]
    idle = dt.timedelta(hours=rt.settings.session_idle_hours)
    if not auth.remember and auth.expires_at - now < idle - SESSION_TOUCH_EVERY:
        if read_only:  # a read session: write the touch on its own
            async with rt.uow() as s:
                await account_actions.do_extend_session(s, auth.workspace_id, auth.id, now + idle)
        else:
            await account_actions.do_extend_session(session, auth.workspace_id, auth.id, now + idle)
    return resolved


def needs(permission: str) -> Callable[[Actor], Coroutine[Any, Any, Actor]]:
    async def check(actor: ActorDep) -> Actor:
        if not actor.can(permission):
            raise Forbidden()
        return actor

    return check


def client_ip(request: HTTPConnection) -> str | None:
    return request.client.host if request.client else None
