"""Reads of buyer-seller messaging: the seller's threads and messages (masked), who a seller key is,
the review queue, and sellers' response times (for seller metrics)."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import statistics
from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from wowdesk.accounts import queries as accounts
from wowdesk.accounts.permissions import COMMERCE_MANAGE, CONVERSATIONS_READ
from wowdesk.commerce import queries as commerce
from wowdesk.commerce.schemas import OrderOut
from wowdesk.conversations.models import ConversationRow, MessageRow
from wowdesk.conversations.queries import find_conversation, get_conversation
from wowdesk.conversations.queries import messages as chat_messages
from wowdesk.conversations.repository import ConversationsRepository
from wowdesk.conversations.schemas import MessagesPage
from wowdesk.conversations.sellers.models import FlagRow, MessagingSettingsRow, SellerKeyRow, ThreadRow
from wowdesk.conversations.sellers.repository import SellerMessagingRepository, key_by_hash
from wowdesk.conversations.sellers.schemas import (
    BuyerOut,
    FindingOut,
    FlagOut,
    FlagStatus,
    MessagingSettingsOut,
    OrderRef,
    ReviewOut,
    SellerAuthor,
    SellerMessagesPage,
    SellerViewMessage,
    ThreadInfoOut,
    ThreadOut,
)
from wowdesk.conversations.sellers.screening import EMAIL_MASK, PHONE_MASK, screened_for_seller
from wowdesk.core.actor import Actor
from wowdesk.core.errors import NotFound
from wowdesk.core.i18n import N_, translate
from wowdesk.core.pagination import Page, decode_after, encode_cursor
from wowdesk.core.security import digest, hmac_hex
from wowdesk.core.uow import context
from wowdesk.customers import queries as customers

SELLER_KEY_PREFIX = "wds_"
ALIAS_KEY = "seller_alias_key"  # the unit of work's context: the HMAC key of buyers' aliases
KEY_TOUCH_EVERY = dt.timedelta(minutes=5)


def alias_key(secret: str) -> str:
    """The key buyers' aliases are made with, derived from the server's secret (main.py)."""
    return hashlib.sha256(f"wowdesk-seller-alias:{secret}".encode()).hexdigest()


def buyer_code(session: AsyncSession, workspace_id: int, seller_id: int, customer_id: int) -> str:
    """Six letters and digits naming the customer to this seller: the same in every thread with
    them, different for every other seller, and not to be traced back without the server's secret."""
    key = context(session).get(ALIAS_KEY)
    if not isinstance(key, str):
        raise RuntimeError("the composition root puts the alias key into the unit of work's context")
    mac = hmac_hex(key, f"{workspace_id}:{seller_id}:{customer_id}")
    return base64.b32encode(bytes.fromhex(mac)[:10]).decode().lower()[:6]


def buyer_out(code: str, settings: MessagingSettingsOut) -> BuyerOut:
    return BuyerOut(alias=f"Buyer {code[:4].upper()}", relay_address=f"buyer-{code}@{settings.relay_domain}")


# -- settings -------------------------------------------------------------------------------------------


def _settings_out(row: MessagingSettingsRow | None, slug: str) -> MessagingSettingsOut:
    domain = row.mail_domain if row else f"{slug}.invalid"
    return MessagingSettingsOut(
        mail_domain=domain,
        relay_domain=f"relay.{domain}",
        allowed_domains=list(row.allowed_domains) if row else [],
        configured=row is not None,
    )


async def messaging_settings(session: AsyncSession, workspace_id: int) -> MessagingSettingsOut:
    row = await SellerMessagingRepository(session, workspace_id).settings()
    ws = await accounts.get_workspace(session, workspace_id)
    return _settings_out(row, ws.slug)


def allowed_domains(settings: MessagingSettingsOut) -> list[str]:
    """Links to these are not flagged: the workspace's own domain and the ones admins allowed."""
    return [settings.mail_domain, *settings.allowed_domains]


# -- seller keys ----------------------------------------------------------------------------------------


async def resolve_seller_key(session: AsyncSession, key: str) -> tuple[Actor, SellerKeyRow] | None:
    """The seller a seller API key acts for, or None (unknown, revoked, or its seller is gone)."""
    if not key.startswith(SELLER_KEY_PREFIX) or len(key) > 200:
        return None
    row = await key_by_hash(session, digest(key))
    if row is None or row.revoked_at is not None:
        return None
    try:
        seller = await commerce.get_seller(session, Actor.system(row.workspace_id), row.seller_id)
    except NotFound:
        return None
    actor = Actor(
        kind="seller",
        workspace_id=row.workspace_id,
        id=seller.id,
        name=seller.name,
        via=f"sellerkey:{row.id}",
        language=seller.language or "en",
    )
    return actor, row


async def list_seller_keys(
    session: AsyncSession, actor: Actor, seller_external_id: str
) -> list[SellerKeyRow]:
    actor.require(COMMERCE_MANAGE)
    seller = await commerce.get_seller_by_external_id(session, actor, seller_external_id)
    return await SellerMessagingRepository(session, actor.workspace_id).keys_of(seller.id)


async def seller_name(session: AsyncSession, workspace_id: int, seller_id: int) -> str:
    try:
        return (await commerce.get_seller(session, Actor.system(workspace_id), seller_id)).name
    except NotFound:
        return ""


# -- the seller's side ----------------------------------------------------------------------------------


def _seller(actor: Actor) -> int:
    if actor.kind != "seller" or actor.id is None:
        raise NotFound(N_("Thread not found."))
    return actor.id


def thread_out(t: ThreadRow, c: ConversationRow, settings: MessagingSettingsOut) -> ThreadOut:
    return ThreadOut(
        id=t.conversation_id,
        order=OrderRef(external_id=t.order_external_id, number=t.order_number),
        buyer=buyer_out(t.alias, settings),
        status=c.status,
        opened_by=t.opened_by,
        awaiting_reply=t.awaiting_since is not None,
        last_message_at=t.last_message_at,
        created_at=t.created_at,
    )


async def list_seller_threads(
    session: AsyncSession, seller: Actor, *, cursor: str | None, limit: int
) -> Page[ThreadOut]:
    """The seller's threads, latest activity first."""
    seller_id = _seller(seller)
    repo = SellerMessagingRepository(session, seller.workspace_id)
    rows = await repo.threads(seller_id, after=decode_after(cursor), limit=limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    settings = await messaging_settings(session, seller.workspace_id)
    items = []
    for t in rows:
        c = await find_conversation(session, seller.workspace_id, t.conversation_id)
        if c is not None:
            items.append(thread_out(t, c, settings))
    nxt = encode_cursor({"at": rows[-1].last_message_at.isoformat(), "id": rows[-1].id}) if more else None
    return Page(items=items, next_cursor=nxt)


async def get_seller_thread(
    session: AsyncSession, seller: Actor, conversation_id: int, *, for_update: bool = False
) -> tuple[ThreadRow, ConversationRow]:
    """One of the seller's threads, or 404 (another seller's looks exactly like none)."""
    seller_id = _seller(seller)
    t = await SellerMessagingRepository(session, seller.workspace_id).thread_of_conversation(conversation_id)
    c = (
        await find_conversation(session, seller.workspace_id, conversation_id, for_update=for_update)
        if t is not None and t.seller_id == seller_id
        else None
    )
    if t is None or c is None:
        raise NotFound(N_("Thread not found."))
    return t, c


async def customer_contacts(session: AsyncSession, workspace_id: int, customer_id: int) -> list[str]:
    """The customer's own addresses and numbers (hidden wherever they appear in what a seller gets)."""
    found = await customers.find_customer(session, workspace_id, customer_id)
    if found is None:
        return []
    out = await customers.describe_customer(session, workspace_id, found)
    extra = out.custom_attributes.get("unverified_email")
    return [*out.emails, *out.phones, *([extra] if isinstance(extra, str) else [])]


def _review(flag: FlagRow | None) -> ReviewOut | None:
    if flag is None:
        return None
    status: FlagStatus = flag.status  # type: ignore[assignment]
    return ReviewOut(status=status, findings=[FindingOut.model_validate(f) for f in flag.findings])


async def seller_view(
    session: AsyncSession,
    seller: Actor,
    thread: ThreadRow,
    rows: Sequence[MessageRow],
    *,
    platform_name: str | None = None,
) -> list[SellerViewMessage]:
    """Messages as the seller sees them: the buyer's and the platform's with contact details hidden,
    the seller's own as written (held or rejected ones with their review); internal notes, activity
    and released originals (their released copy is shown) left out."""
    repo = SellerMessagingRepository(session, seller.workspace_id)
    own = [m.id for m in rows if m.author_kind == "seller"]
    flags = await repo.flags_of_messages(own)
    known: list[str] | None = None
    placeholders = (translate(EMAIL_MASK), translate(PHONE_MASK))  # in the seller's language
    if platform_name is None:
        platform_name = (await accounts.get_workspace(session, seller.workspace_id)).name
    out = []
    for m in rows:
        flag = flags.get(m.id)
        if m.kind == "activity":
            continue
        if m.private and not (m.author_kind == "seller" and flag is not None and flag.status != "released"):
            continue
        if m.author_kind == "seller":
            author = SellerAuthor(kind="seller", name=seller.name)
            body = m.body
        else:
            if known is None:
                known = await customer_contacts(session, seller.workspace_id, thread.customer_id)
            name = buyer_out(thread.alias, await messaging_settings(session, seller.workspace_id)).alias
            author = (
                SellerAuthor(kind="buyer", name=name)
                if m.author_kind == "customer"
                else SellerAuthor(kind="platform", name=platform_name)
            )
            body = screened_for_seller(m.body, known=known, placeholders=placeholders)
        out.append(
            SellerViewMessage(
                id=m.id,
                seq=m.seq,
                author=author,
                body=body,
                client_id=m.client_id if m.author_kind == "seller" else None,
                created_at=m.created_at,
                review=_review(flag) if flag is not None and flag.status != "released" else None,
            )
        )
    return out


async def seller_messages(
    session: AsyncSession, seller: Actor, thread: ThreadRow, c: ConversationRow, *, after_seq: int, limit: int
) -> SellerMessagesPage:
    rows = await ConversationsRepository(session, seller.workspace_id).messages(
        c.id, after_seq=after_seq, limit=limit, public_only=False
    )
    items = await seller_view(session, seller, thread, rows)
    return SellerMessagesPage(
        items=items, next_after_seq=rows[-1].seq if rows else after_seq, last_seq=c.last_seq
    )


# -- the customer's side --------------------------------------------------------------------------------


async def order_of_customer(
    session: AsyncSession, workspace_id: int, customer_id: int, order_external_id: str
) -> OrderOut:
    """One of the customer's orders, or 404 (someone else's looks like none)."""
    try:
        order = await commerce.get_order_by_external_id(
            session, Actor.system(workspace_id), order_external_id
        )
    except NotFound:
        order = None
    if order is None or order.customer_id != customer_id:
        raise NotFound(N_("Order not found."))
    return order


async def buyer_thread_messages(
    session: AsyncSession,
    workspace_id: int,
    customer_id: int,
    order_external_id: str,
    *,
    after_seq: int,
    limit: int,
) -> MessagesPage:
    """The customer's thread with the seller of their order: what the customer may see of it (held
    seller messages and internal notes left out)."""
    order = await order_of_customer(session, workspace_id, customer_id, order_external_id)
    t = await SellerMessagingRepository(session, workspace_id).thread_of_order(order.id)
    c = await find_conversation(session, workspace_id, t.conversation_id) if t is not None else None
    if c is None:
        return MessagesPage(items=[], last_seq=0)
    items = await chat_messages(session, workspace_id, c, after_seq=after_seq, limit=limit, public_only=True)
    return MessagesPage(items=items, last_seq=c.last_seq)


# -- the agents' side -----------------------------------------------------------------------------------


def flag_out(f: FlagRow, body: str | None = None) -> FlagOut:
    return FlagOut(
        id=f.id,
        message_id=f.message_id,
        conversation_id=f.conversation_id,
        seller_id=f.seller_id,
        author_kind=f.author_kind,
        findings=[FindingOut.model_validate(x) for x in f.findings],
        status=f.status,
        decided_by=f.decided_by,
        decided_at=f.decided_at,
        note=f.note,
        released_message_id=f.released_message_id,
        created_at=f.created_at,
        body=body,
    )


async def find_thread(session: AsyncSession, workspace_id: int, conversation_id: int) -> ThreadRow | None:
    return await SellerMessagingRepository(session, workspace_id).thread_of_conversation(conversation_id)


async def thread_info(session: AsyncSession, actor: Actor, conversation: ConversationRow) -> ThreadInfoOut:
    """What agents see of a buyer-seller thread: the seller, the order, the alias, what was flagged."""
    repo = SellerMessagingRepository(session, actor.workspace_id)
    t = await repo.thread_of_conversation(conversation.id)
    if t is None:
        raise NotFound(N_("This conversation is not a buyer-seller thread."))
    seller = await commerce.get_seller(session, Actor.system(actor.workspace_id), t.seller_id)
    settings = await messaging_settings(session, actor.workspace_id)
    return ThreadInfoOut(
        conversation_id=conversation.id,
        seller_id=t.seller_id,
        seller_name=seller.name,
        order_id=t.order_id,
        order_external_id=t.order_external_id,
        customer_id=t.customer_id,
        buyer=buyer_out(t.alias, settings),
        opened_by=t.opened_by,
        awaiting_since=t.awaiting_since,
        flags=[flag_out(f) for f in await repo.flags_of_conversation(conversation.id)],
    )


async def review_queue(
    session: AsyncSession, actor: Actor, *, status: str = "held", after_id: int = 0, limit: int = 50
) -> list[FlagOut]:
    """Flagged messages in this state, oldest first, with their text (those the actor may see)."""
    actor.require(CONVERSATIONS_READ)
    repo = SellerMessagingRepository(session, actor.workspace_id)
    out = []
    for f in await repo.flags_by_status(status, after_id=after_id, limit=limit):
        try:
            await get_conversation(session, actor, f.conversation_id)
        except NotFound:
            continue
        m = await repo.message(f.conversation_id, f.message_id)
        out.append(flag_out(f, m.body if m else None))
    return out


# -- response times (seller metrics) --------------------------------------------------------------------


async def seller_first_response_times(
    session: AsyncSession, workspace_id: int, seller_id: int, *, since: dt.datetime
) -> list[float]:
    """Seconds from each buyer message that waited for this seller (the first of a run) to the
    seller's next reply, for waits that began at or after `since`, oldest first. Waits still
    unanswered are not in it."""
    return await SellerMessagingRepository(session, workspace_id).response_seconds(seller_id, since)


def median_seconds(values: Sequence[float]) -> float | None:
    """The median of response times, or None when there are none."""
    return float(statistics.median(values)) if values else None
