"""The seller API (the seller "portal" for now, docs/seller-messaging.md): a marketplace seller reads
and answers the buyers of their orders, with a seller API key. Only ``/api/v1/seller/...`` accepts
these keys, and these routes accept nothing else; a seller sees only their own threads, and never
the customer: the buyer is an alias and a relay address, their contact details hidden."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Request, Response

from wowdesk.api.responses import model_response
from wowdesk.api.schemas import PageOut
from wowdesk.commerce.schemas import EXTERNAL_ID_PATTERN
from wowdesk.conversations.models import ConversationRow, MessageRow
from wowdesk.conversations.sellers import actions, queries
from wowdesk.conversations.sellers.models import FlagRow, ThreadRow
from wowdesk.conversations.sellers.schemas import (
    SellerMe,
    SellerMessageIn,
    SellerMessagesPage,
    SellerPostOut,
    ThreadOut,
)
from wowdesk.core.actor import Actor
from wowdesk.core.errors import Unauthorized
from wowdesk.core.i18n import N_, set_language
from wowdesk.http.deps import SAFE_METHODS, IdPath, RuntimeDep, SessionDep
from wowdesk.http.routing import StandardJSONRoute

router = APIRouter(prefix="/api/v1/seller", tags=["seller portal"], route_class=StandardJSONRoute)

OrderIdPath = Annotated[
    str, Path(pattern=EXTERNAL_ID_PATTERN, max_length=200, description="The store's id of the order")
]


async def current_seller(request: Request, session: SessionDep, rt: RuntimeDep) -> Actor:
    """The seller behind ``Authorization: Bearer wds_…``; anything else (an agent's token or key,
    a revoked key) is a 401."""
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not key.strip():
        raise Unauthorized(N_("Use an Authorization: Bearer header with a seller API key."))
    found = await queries.resolve_seller_key(session, key.strip())
    if found is None:
        raise Unauthorized(N_("The seller API key is not valid or was revoked."))
    seller, row = found
    at = rt.clock.now()
    if row.last_used_at is None or at - row.last_used_at > queries.KEY_TOUCH_EVERY:
        if request.method in SAFE_METHODS:  # a read session: write the touch on its own
            async with rt.uow() as s:
                await actions.do_touch_seller_key(s, row, at)
        else:
            await actions.do_touch_seller_key(session, row, at)
    if not request.headers.get("accept-language"):
        set_language(seller.language)
    return seller


SellerDep = Annotated[Actor, Depends(current_seller)]


async def _post_out(
    session: SessionDep,
    seller: Actor,
    thread: ThreadRow,
    c: ConversationRow,
    message: MessageRow,
    flag: FlagRow | None,
) -> SellerPostOut:
    settings = await queries.messaging_settings(session, seller.workspace_id)
    [view] = await queries.seller_view(session, seller, thread, [message])
    return SellerPostOut(
        thread=queries.thread_out(thread, c, settings),
        message=view,
        held=flag is not None and flag.status == "held",
    )


@router.get("/me", response_model=SellerMe, summary="The seller this key acts for")
async def me(seller: SellerDep) -> Response:
    return model_response(SellerMe(id=seller.id or 0, name=seller.name))


@router.get("/threads", response_model=PageOut[ThreadOut], summary="The seller's threads, latest first")
async def list_threads(
    seller: SellerDep,
    session: SessionDep,
    cursor: str | None = Query(None, max_length=500),
    limit: int = Query(25, ge=1, le=100),
) -> Response:
    page = await queries.list_seller_threads(session, seller, cursor=cursor, limit=limit)
    return model_response(PageOut(items=page.items, next_cursor=page.next_cursor))


@router.get("/threads/{thread_id}", response_model=ThreadOut, summary="One of the seller's threads")
async def get_thread(thread_id: IdPath, seller: SellerDep, session: SessionDep) -> Response:
    t, c = await queries.get_seller_thread(session, seller, thread_id)
    settings = await queries.messaging_settings(session, seller.workspace_id)
    return model_response(queries.thread_out(t, c, settings))


@router.get(
    "/threads/{thread_id}/messages",
    response_model=SellerMessagesPage,
    summary="A thread's messages after a seq (the buyer's contact details hidden)",
)
async def thread_messages(
    thread_id: IdPath,
    seller: SellerDep,
    session: SessionDep,
    after_seq: int = Query(0, ge=0, le=2**31 - 1),
    limit: int = Query(100, ge=1, le=500),
) -> Response:
    t, c = await queries.get_seller_thread(session, seller, thread_id)
    page = await queries.seller_messages(session, seller, t, c, after_seq=after_seq, limit=limit)
    return model_response(page)


@router.post(
    "/threads/{thread_id}/messages",
    response_model=SellerPostOut,
    status_code=201,
    summary="Write to the buyer (held for review when it carries contact details or outside links)",
)
async def post_message(
    thread_id: IdPath, data: SellerMessageIn, seller: SellerDep, session: SessionDep
) -> Response:
    t, c = await queries.get_seller_thread(session, seller, thread_id, for_update=True)
    message, flag, created = await actions.do_seller_message(session, seller, t, c, data)
    out = await _post_out(session, seller, t, c, message, flag)
    return model_response(out, status_code=201 if created else 200)


@router.post(
    "/orders/{order_external_id}/messages",
    response_model=SellerPostOut,
    status_code=201,
    summary="Write to the buyer of one of the seller's orders (its thread, opened if need be)",
)
async def post_on_order(
    order_external_id: OrderIdPath, data: SellerMessageIn, seller: SellerDep, session: SessionDep
) -> Response:
    t, c, message, flag, created = await actions.do_seller_message_on_order(
        session, seller, order_external_id, data
    )
    out = await _post_out(session, seller, t, c, message, flag)
    return model_response(out, status_code=201 if created else 200)
