"""Writes of buyer-seller messaging: seller keys, threads opened by a buyer or a seller, messages
both ways (screened for attempts to leave the platform), the review of held messages, the
workspace's domains. Nothing here commits; every change records its event.

A thread is a conversation of the parent room, on the workspace's "marketplace" channel (the widget
never serves it), ``pending`` from the start so that it never enters the agents' chat queue: the
platform watches it, the seller answers it."""

from __future__ import annotations

import datetime as dt
import secrets

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import actions as account_actions
from wowdesk.accounts.permissions import COMMERCE_MANAGE, CONVERSATIONS_WRITE
from wowdesk.commerce import queries as commerce
from wowdesk.commerce.schemas import OrderOut
from wowdesk.conversations import events as cev
from wowdesk.conversations.actions import _append, _conversation_fields, _set_status
from wowdesk.conversations.models import ChannelRow, ConversationRow, MessageRow, new_conversation
from wowdesk.conversations.repository import ConversationsRepository
from wowdesk.conversations.sellers import events as ev
from wowdesk.conversations.sellers.models import (
    FlagRow,
    MessagingSettingsRow,
    ResponseRow,
    SellerKeyRow,
    ThreadRow,
)
from wowdesk.conversations.sellers.queries import (
    SELLER_KEY_PREFIX,
    allowed_domains,
    buyer_code,
    messaging_settings,
    order_of_customer,
)
from wowdesk.conversations.sellers.repository import SellerMessagingRepository
from wowdesk.conversations.sellers.schemas import (
    BuyerMessageIn,
    MessagingSettingsIn,
    ReviewIn,
    SellerKeyCreate,
    SellerMessageIn,
)
from wowdesk.conversations.sellers.screening import scan
from wowdesk.core.actor import Actor
from wowdesk.core.errors import Conflict, NotFound
from wowdesk.core.events import record_event
from wowdesk.core.i18n import N_, translate
from wowdesk.core.security import digest, new_secret
from wowdesk.core.sql import driver
from wowdesk.core.uow import now

MARKETPLACE = "marketplace"  # the channel kind of buyer-seller threads

# -- seller keys ----------------------------------------------------------------------------------------


async def do_create_seller_key(
    session: AsyncSession, actor: Actor, seller_external_id: str, data: SellerKeyCreate
) -> tuple[SellerKeyRow, str]:
    """A new key for the seller's API; the key itself is returned this once."""
    actor.require(COMMERCE_MANAGE)
    seller = await commerce.get_seller_by_external_id(session, actor, seller_external_id)
    key = new_secret(SELLER_KEY_PREFIX)
    row = await SellerMessagingRepository(session, actor.workspace_id).insert_key(
        SellerKeyRow(
            id=0,
            workspace_id=actor.workspace_id,
            seller_id=seller.id,
            name=data.name,
            prefix=key[:10],
            key_hash=digest(key),
            created_by=actor.ref,
            created_at=now(session),
            last_used_at=None,
            revoked_at=None,
        )
    )
    await account_actions.do_record_security_event(
        session,
        actor.workspace_id,
        "seller_key.created",
        agent_id=actor.id if actor.kind == "agent" else None,
        actor=actor.ref,
        detail={"seller_key_id": row.id, "seller_id": seller.id, "name": data.name},
    )
    return row, key


async def do_revoke_seller_key(
    session: AsyncSession, actor: Actor, seller_external_id: str, key_id: int
) -> SellerKeyRow:
    actor.require(COMMERCE_MANAGE)
    seller = await commerce.get_seller_by_external_id(session, actor, seller_external_id)
    repo = SellerMessagingRepository(session, actor.workspace_id)
    row = await repo.key(key_id)
    if row is None or row.seller_id != seller.id:
        raise NotFound(N_("Seller key not found."))
    if row.revoked_at is None:
        row.revoked_at = now(session)
        await repo.update_key(row, {"revoked_at"})
        await account_actions.do_record_security_event(
            session,
            actor.workspace_id,
            "seller_key.revoked",
            agent_id=actor.id if actor.kind == "agent" else None,
            actor=actor.ref,
            detail={"seller_key_id": row.id, "seller_id": seller.id},
        )
    return row


async def do_touch_seller_key(session: AsyncSession, key: SellerKeyRow, at: dt.datetime) -> None:
    key.last_used_at = at
    await SellerMessagingRepository(session, key.workspace_id).update_key(key, {"last_used_at"})


# -- settings -------------------------------------------------------------------------------------------


async def do_update_messaging_settings(
    session: AsyncSession, actor: Actor, data: MessagingSettingsIn
) -> MessagingSettingsRow:
    actor.require(COMMERCE_MANAGE)
    repo = SellerMessagingRepository(session, actor.workspace_id)
    row = await repo.settings()
    domains = list(dict.fromkeys(data.allowed_domains))
    if row is None:
        return await repo.insert_settings(
            MessagingSettingsRow(
                id=0,
                workspace_id=actor.workspace_id,
                mail_domain=data.mail_domain,
                allowed_domains=domains,
                updated_at=now(session),
            )
        )
    row.mail_domain, row.allowed_domains, row.updated_at = data.mail_domain, domains, now(session)
    await repo.update_settings(row, {"mail_domain", "allowed_domains", "updated_at"})
    return row


# -- threads --------------------------------------------------------------------------------------------


def _fields(t: ThreadRow) -> dict[str, int]:
    return {
        "workspace_id": t.workspace_id,
        "conversation_id": t.conversation_id,
        "seller_id": t.seller_id,
        "order_id": t.order_id,
        "customer_id": t.customer_id,
    }


async def _marketplace_channel(session: AsyncSession, workspace_id: int) -> ChannelRow:
    repo = ConversationsRepository(session, workspace_id)
    for ch in await repo.channels():
        if ch.kind == MARKETPLACE:
            return ch
    t = now(session)
    return await repo.insert_channel(
        ChannelRow(
            id=0,
            workspace_id=workspace_id,
            kind=MARKETPLACE,
            name=translate(N_("Buyer-seller messages"), "en"),
            team_id=None,
            identity_secret=secrets.token_hex(32),
            settings={},
            active=True,
            created_at=t,
            updated_at=t,
        )
    )


async def _open_thread(
    session: AsyncSession, order: OrderOut, by: Actor
) -> tuple[ThreadRow, ConversationRow]:
    """The order's thread, made now if it has none (two at once end with one)."""
    ws = by.workspace_id
    repo = SellerMessagingRepository(session, ws)
    conversations = ConversationsRepository(session, ws)
    for _attempt in range(2):
        t = await repo.thread_of_order(order.id)
        if t is not None:
            c = await conversations.conversation(t.conversation_id, for_update=True)
            if c is None:  # pragma: no cover - the thread goes with its conversation
                raise NotFound(N_("Thread not found."))
            return t, c
        try:
            async with (await driver(session)).savepoint():
                return await _new_thread(session, order, by)
        except IntegrityError:
            continue  # the other one made it first: take theirs
    raise Conflict(N_("The thread is being opened; try again."))  # pragma: no cover


async def _new_thread(session: AsyncSession, order: OrderOut, by: Actor) -> tuple[ThreadRow, ConversationRow]:
    ws = by.workspace_id
    t = now(session)
    channel = await _marketplace_channel(session, ws)
    c = await ConversationsRepository(session, ws).insert_conversation(
        new_conversation(
            workspace_id=ws,
            channel_id=channel.id,
            customer_id=order.customer_id,
            status="pending",
            team_id=None,
            language=None,
            at=t,
            order_id=order.id,
        )
    )
    thread = await SellerMessagingRepository(session, ws).insert_thread(
        ThreadRow(
            id=0,
            workspace_id=ws,
            conversation_id=c.id,
            seller_id=order.seller_id,
            order_id=order.id,
            customer_id=order.customer_id,
            order_external_id=order.external_id,
            order_number=order.number,
            alias=buyer_code(session, ws, order.seller_id, order.customer_id),
            opened_by="seller" if by.kind == "seller" else "customer",
            awaiting_since=None,
            last_message_at=t,
            created_at=t,
        )
    )
    record_event(
        session,
        cev.ConversationCreated(occurred_at=t, actor=by.ref, status=c.status, **_conversation_fields(c)),
    )
    record_event(
        session,
        ev.SellerThreadOpened(occurred_at=t, actor=by.ref, opened_by=thread.opened_by, **_fields(thread)),
    )
    return thread, c


async def _order_of_seller(session: AsyncSession, seller: Actor, order_external_id: str) -> OrderOut:
    try:
        order = await commerce.get_order_by_external_id(
            session, Actor.system(seller.workspace_id), order_external_id
        )
    except NotFound:
        order = None
    if order is None or order.seller_id != seller.id:
        raise NotFound(N_("Order not found."))  # another seller's order looks like none
    return order


async def _repeated(
    repo: ConversationsRepository, c: ConversationRow, client_id: str | None, author: Actor
) -> MessageRow | None:
    if client_id is None:
        return None
    existing = await repo.message_by_client_id(c.id, client_id)
    if existing is not None and (existing.author_kind, existing.author_id) != (author.kind, author.id):
        raise Conflict(N_("This client_id was used for another message."))
    return existing


async def _touch(session: AsyncSession, thread: ThreadRow, c: ConversationRow, by: Actor) -> None:
    """A new message in the thread: it comes first in the seller's list, and a resolved one reopens
    (as pending: agents watch it, they are not handed it)."""
    thread.last_message_at = now(session)
    await SellerMessagingRepository(session, thread.workspace_id).update_thread(
        thread, {"last_message_at", "awaiting_since"}
    )
    if c.status in ("resolved", "snoozed"):
        await _set_status(session, ConversationsRepository(session, c.workspace_id), by, c, "pending")


# -- messages -------------------------------------------------------------------------------------------


async def do_seller_message_on_order(
    session: AsyncSession, seller: Actor, order_external_id: str, data: SellerMessageIn
) -> tuple[ThreadRow, ConversationRow, MessageRow, FlagRow | None, bool]:
    """A seller writes to the buyer of one of their orders (the order's thread, opened if need be)."""
    order = await _order_of_seller(session, seller, order_external_id)
    thread, c = await _open_thread(session, order, seller)
    message, flag, created = await do_seller_message(session, seller, thread, c, data)
    return thread, c, message, flag, created


async def do_seller_message(
    session: AsyncSession, seller: Actor, thread: ThreadRow, c: ConversationRow, data: SellerMessageIn
) -> tuple[MessageRow, FlagRow | None, bool]:
    """A seller's message in their thread. Flagged (an e-mail address, a phone number, an outside
    link, a messaging app), it is held: kept as a private message that the buyer does not see
    until an agent releases it. Either way it answers a waiting buyer (response time)."""
    if seller.kind != "seller" or thread.seller_id != seller.id:
        raise NotFound(N_("Thread not found."))
    repo = ConversationsRepository(session, seller.workspace_id)
    mine = SellerMessagingRepository(session, seller.workspace_id)
    c = await repo.locked(c)
    existing = await _repeated(repo, c, data.client_id, seller)
    if existing is not None:
        return existing, await mine.flag_of_message(existing.id), False
    settings = await messaging_settings(session, seller.workspace_id)
    findings = scan(data.body, allowed_domains=allowed_domains(settings))
    held = bool(findings)
    message = await _append(
        session,
        repo,
        c,
        direction="outgoing",
        author=seller,
        body=data.body,
        private=held,
        client_id=data.client_id,
        author_name=seller.name,
    )
    t = now(session)
    flag = None
    if held:
        flag = await _flag(session, thread, message, "seller", [f.as_dict() for f in findings], "held")
        record_event(
            session,
            ev.SellerMessageHeld(
                occurred_at=t,
                actor=seller.ref,
                message_id=message.id,
                flag_id=flag.id,
                findings=flag.findings,
                **_fields(thread),
            ),
        )
    if thread.awaiting_since is not None:
        seconds = max((t - thread.awaiting_since).total_seconds(), 0.0)
        await mine.insert_response(
            ResponseRow(
                id=0,
                workspace_id=seller.workspace_id,
                seller_id=thread.seller_id,
                conversation_id=c.id,
                asked_at=thread.awaiting_since,
                answered_at=t,
                milliseconds=round(seconds * 1000),
            )
        )
        record_event(
            session,
            ev.SellerReplied(
                occurred_at=t, actor=seller.ref, message_id=message.id, seconds=seconds, **_fields(thread)
            ),
        )
        thread.awaiting_since = None
    await _touch(session, thread, c, seller)
    return message, flag, True


async def do_buyer_message(
    session: AsyncSession, workspace_id: int, customer_id: int, order_external_id: str, data: BuyerMessageIn
) -> tuple[ThreadRow, MessageRow, bool]:
    """The customer writes to the seller of one of their orders. Contact details or outside links in
    it are noted for review (the seller sees them masked); the message waits for the seller's reply."""
    order = await order_of_customer(session, workspace_id, customer_id, order_external_id)
    customer = Actor(kind="customer", workspace_id=workspace_id, id=customer_id)
    thread, c = await _open_thread(session, order, customer)
    repo = ConversationsRepository(session, workspace_id)
    existing = await _repeated(repo, c, data.client_id, customer)
    if existing is not None:
        return thread, existing, False
    message = await _append(
        session, repo, c, direction="incoming", author=customer, body=data.body, client_id=data.client_id
    )
    settings = await messaging_settings(session, workspace_id)
    findings = scan(data.body, allowed_domains=allowed_domains(settings))
    if findings:
        flag = await _flag(session, thread, message, "customer", [f.as_dict() for f in findings], "delivered")
        record_event(
            session,
            ev.BuyerMessageFlagged(
                occurred_at=message.created_at,
                actor=customer.ref,
                message_id=message.id,
                flag_id=flag.id,
                findings=flag.findings,
                **_fields(thread),
            ),
        )
    if thread.awaiting_since is None:
        thread.awaiting_since = message.created_at
    await _touch(session, thread, c, customer)
    return thread, message, True


async def _flag(
    session: AsyncSession,
    thread: ThreadRow,
    message: MessageRow,
    author_kind: str,
    findings: list[dict[str, str]],
    status: str,
) -> FlagRow:
    return await SellerMessagingRepository(session, thread.workspace_id).insert_flag(
        FlagRow(
            id=0,
            workspace_id=thread.workspace_id,
            message_id=message.id,
            conversation_id=thread.conversation_id,
            seller_id=thread.seller_id,
            author_kind=author_kind,
            findings=list(findings),
            status=status,
            decided_by=None,
            decided_at=None,
            note=None,
            released_message_id=None,
            created_at=message.created_at,
        )
    )


# -- review ---------------------------------------------------------------------------------------------


async def _held(
    session: AsyncSession, actor: Actor, conversation: ConversationRow, message_id: int
) -> tuple[ThreadRow, FlagRow, MessageRow]:
    actor.require(CONVERSATIONS_WRITE)
    repo = SellerMessagingRepository(session, actor.workspace_id)
    thread = await repo.thread_of_conversation(conversation.id)
    message = await repo.message(conversation.id, message_id)
    flag = await repo.flag_of_message(message_id) if message is not None else None
    if thread is None or message is None or flag is None or flag.author_kind != "seller":
        raise NotFound(N_("There is no held message {id} in this conversation."), id=message_id)
    if flag.status == "released":
        raise Conflict(N_("This message was released already."))
    if flag.status != "held":
        raise Conflict(N_("This message was rejected already."))
    return thread, flag, message


async def _decide(session: AsyncSession, actor: Actor, flag: FlagRow, status: str, data: ReviewIn) -> None:
    flag.status, flag.decided_by, flag.decided_at, flag.note = status, actor.ref, now(session), data.note
    await SellerMessagingRepository(session, actor.workspace_id).update_flag(
        flag, {"status", "decided_by", "decided_at", "note", "released_message_id"}
    )


async def do_release_message(
    session: AsyncSession, actor: Actor, conversation: ConversationRow, message_id: int, data: ReviewIn
) -> tuple[FlagRow, MessageRow]:
    """An agent lets a held seller message through: the buyer gets it now, as the seller's."""
    thread, flag, held = await _held(session, actor, conversation, message_id)
    seller = await commerce.get_seller(session, Actor.system(actor.workspace_id), thread.seller_id)
    author = Actor(kind="seller", workspace_id=actor.workspace_id, id=seller.id, name=seller.name)
    repo = ConversationsRepository(session, actor.workspace_id)
    c = await repo.locked(conversation)
    copy = await _append(
        session, repo, c, direction="outgoing", author=author, body=held.body, author_name=seller.name
    )
    flag.released_message_id = copy.id
    await _decide(session, actor, flag, "released", data)
    record_event(
        session,
        ev.SellerMessageReleased(
            occurred_at=now(session),
            actor=actor.ref,
            message_id=held.id,
            flag_id=flag.id,
            released_message_id=copy.id,
            **_fields(thread),
        ),
    )
    await _touch(session, thread, c, actor)
    return flag, copy


async def do_reject_message(
    session: AsyncSession, actor: Actor, conversation: ConversationRow, message_id: int, data: ReviewIn
) -> FlagRow:
    """An agent keeps a held seller message from the buyer for good (the seller sees it rejected)."""
    thread, flag, held = await _held(session, actor, conversation, message_id)
    await _decide(session, actor, flag, "rejected", data)
    record_event(
        session,
        ev.SellerMessageRejected(
            occurred_at=now(session),
            actor=actor.ref,
            message_id=held.id,
            flag_id=flag.id,
            note=data.note,
            **_fields(thread),
        ),
    )
    return flag
