"""Buyer-seller messaging from the platform's side (docs/seller-messaging.md): seller API keys and the
workspace's domains (admins), the review of flagged messages and what a thread is (agents), and the
customer's side on an order (``Authorization: Visitor <token>``, like the widget's REST twin)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query, Response

from wowdesk.accounts.permissions import COMMERCE_MANAGE, CONVERSATIONS_READ
from wowdesk.api.responses import model_response
from wowdesk.api.routes.conversations import ConversationDep
from wowdesk.api.routes.widget import VisitorDep
from wowdesk.commerce.schemas import EXTERNAL_ID_PATTERN
from wowdesk.conversations import queries as chat_queries
from wowdesk.conversations.schemas import AckOut, MessageOut, MessagesPage
from wowdesk.conversations.sellers import actions, queries
from wowdesk.conversations.sellers.models import SellerKeyRow
from wowdesk.conversations.sellers.schemas import (
    BuyerMessageIn,
    FlagOut,
    FlagStatus,
    MessagingSettingsIn,
    MessagingSettingsOut,
    ReviewIn,
    SellerKeyCreate,
    SellerKeyCreated,
    SellerKeyOut,
    ThreadInfoOut,
)
from wowdesk.core.actor import Actor
from wowdesk.core.schemas import MAX_DB_ID
from wowdesk.http.deps import ActorDep, IdPath, RuntimeDep, SessionDep, needs
from wowdesk.http.routing import StandardJSONRoute

router = APIRouter(prefix="/api/v1", tags=["seller messaging"], route_class=StandardJSONRoute)

CanManage = Annotated[Actor, Depends(needs(COMMERCE_MANAGE))]
CanRead = Annotated[Actor, Depends(needs(CONVERSATIONS_READ))]
ExternalIdPath = Annotated[
    str, Path(pattern=EXTERNAL_ID_PATTERN, max_length=200, description="The store's own id of it")
]


def _key_out(row: SellerKeyRow) -> SellerKeyOut:
    return SellerKeyOut(
        id=row.id,
        seller_id=row.seller_id,
        name=row.name,
        prefix=row.prefix,
        created_by=row.created_by,
        created_at=row.created_at,
        last_used_at=row.last_used_at,
        revoked_at=row.revoked_at,
    )


# -- admins: seller keys, domains ----------------------------------------------------------------------------


@router.post(
    "/commerce/sellers/{external_id}/api-keys",
    response_model=SellerKeyCreated,
    status_code=201,
    summary="A key for the seller API (shown this once)",
)
async def create_seller_key(
    external_id: ExternalIdPath, data: SellerKeyCreate, actor: CanManage, session: SessionDep
) -> Response:
    row, key = await actions.do_create_seller_key(session, actor, external_id, data)
    return model_response(SellerKeyCreated(**_key_out(row).model_dump(), key=key), status_code=201)


@router.get(
    "/commerce/sellers/{external_id}/api-keys",
    response_model=list[SellerKeyOut],
    summary="The seller's API keys (never the keys themselves)",
)
async def list_seller_keys(external_id: ExternalIdPath, actor: CanManage, session: SessionDep) -> Response:
    rows = await queries.list_seller_keys(session, actor, external_id)
    return Response(
        "[" + ",".join(_key_out(r).model_dump_json() for r in rows) + "]", media_type="application/json"
    )


@router.delete(
    "/commerce/sellers/{external_id}/api-keys/{key_id}",
    response_model=SellerKeyOut,
    summary="Revoke a seller API key (at once)",
)
async def revoke_seller_key(
    external_id: ExternalIdPath, key_id: IdPath, actor: CanManage, session: SessionDep
) -> Response:
    row = await actions.do_revoke_seller_key(session, actor, external_id, key_id)
    return model_response(_key_out(row))


@router.get("/seller-messaging/settings", response_model=MessagingSettingsOut)
async def get_settings(actor: CanRead, session: SessionDep) -> Response:
    return model_response(await queries.messaging_settings(session, actor.workspace_id))


@router.put(
    "/seller-messaging/settings",
    response_model=MessagingSettingsOut,
    summary="The workspace's own domain (relay addresses, allowed links) and other allowed domains",
)
async def put_settings(data: MessagingSettingsIn, actor: CanManage, session: SessionDep) -> Response:
    await actions.do_update_messaging_settings(session, actor, data)
    return model_response(await queries.messaging_settings(session, actor.workspace_id))


# -- agents: review ------------------------------------------------------------------------------------------


@router.get(
    "/seller-messaging/review",
    response_model=list[FlagOut],
    summary="Flagged messages in a state (held: waiting for a decision), oldest first",
)
async def review_queue(
    actor: CanRead,
    session: SessionDep,
    status: FlagStatus = Query("held"),
    after_id: int = Query(0, ge=0, le=MAX_DB_ID),
    limit: int = Query(50, ge=1, le=200),
) -> Response:
    rows = await queries.review_queue(session, actor, status=status, after_id=after_id, limit=limit)
    return Response("[" + ",".join(f.model_dump_json() for f in rows) + "]", media_type="application/json")


@router.get(
    "/conversations/{conversation_id}/seller-thread",
    response_model=ThreadInfoOut,
    summary="The seller, order and buyer alias of a buyer-seller thread, and what was flagged in it",
)
async def seller_thread(conversation: ConversationDep, actor: ActorDep, session: SessionDep) -> Response:
    return model_response(await queries.thread_info(session, actor, conversation))


@router.post(
    "/conversations/{conversation_id}/messages/{message_id}/release",
    response_model=MessageOut,
    summary="Let a held seller message through to the buyer (answers the message the buyer now gets)",
)
async def release_message(
    conversation: ConversationDep,
    message_id: IdPath,
    actor: ActorDep,
    session: SessionDep,
    data: Annotated[ReviewIn | None, Body()] = None,
) -> Response:
    flag, copy = await actions.do_release_message(
        session, actor, conversation, message_id, data or ReviewIn()
    )
    name = await queries.seller_name(session, actor.workspace_id, flag.seller_id)
    return model_response(chat_queries.message_out(copy, name))


@router.post(
    "/conversations/{conversation_id}/messages/{message_id}/reject",
    response_model=FlagOut,
    summary="Keep a held seller message from the buyer for good",
)
async def reject_message(
    conversation: ConversationDep,
    message_id: IdPath,
    actor: ActorDep,
    session: SessionDep,
    data: Annotated[ReviewIn | None, Body()] = None,
) -> Response:
    flag = await actions.do_reject_message(session, actor, conversation, message_id, data or ReviewIn())
    return model_response(queries.flag_out(flag))


# -- the customer, on one of their orders ------------------------------------------------------------------


@router.post(
    "/widget/orders/{order_external_id}/seller-messages",
    response_model=AckOut,
    status_code=201,
    summary="The customer writes to the seller of one of their orders (the same client_id again: 200)",
)
async def buyer_send(
    order_external_id: ExternalIdPath, data: BuyerMessageIn, visitor: VisitorDep, rt: RuntimeDep
) -> Response:
    async with rt.uow() as s:
        _t, message, created = await actions.do_buyer_message(
            s, visitor.workspace_id, visitor.customer_id, order_external_id, data
        )
    return model_response(AckOut.of(data.client_id, message), status_code=201 if created else 200)


@router.get(
    "/widget/orders/{order_external_id}/seller-messages",
    response_model=MessagesPage,
    summary="The customer's thread with the seller of one of their orders",
)
async def buyer_messages(
    order_external_id: ExternalIdPath,
    visitor: VisitorDep,
    rt: RuntimeDep,
    after_seq: int = Query(0, ge=0, le=2**31 - 1),
    limit: int = Query(100, ge=1, le=500),
) -> Response:
    async with rt.uow(write=False) as s:
        page = await queries.buyer_thread_messages(
            s, visitor.workspace_id, visitor.customer_id, order_external_id, after_seq=after_seq, limit=limit
        )
    return model_response(page)
