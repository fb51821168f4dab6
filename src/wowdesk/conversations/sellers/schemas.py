"""What buyer-seller messaging reads and answers (docs/seller-messaging.md is the contract). Nothing a
seller is given names the customer: the buyer is an alias and a relay address."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, Field

from wowdesk.conversations.schemas import MAX_BODY
from wowdesk.core.i18n import N_, Invalid
from wowdesk.core.schemas import StrictModel

FindingKind = Literal["email", "phone", "link", "messaging_app"]
FlagStatus = Literal["held", "released", "rejected", "delivered"]

_DOMAIN = re.compile(r"^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z][a-z0-9-]{1,62}$")


def _domain(value: str) -> str:
    v = value.strip().lower().rstrip(".")
    if not _DOMAIN.match(v):
        raise Invalid(N_("{value} is not a domain name such as shop.example.com."), value=value[:100])
    return v


Domain = Annotated[str, AfterValidator(_domain)]
ClientId = Field(default=None, min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


class SellerKeyCreate(StrictModel):
    name: str = Field(min_length=1, max_length=100)


class SellerKeyOut(BaseModel):
    id: int
    seller_id: int
    name: str
    prefix: str
    created_by: str
    created_at: dt.datetime
    last_used_at: dt.datetime | None
    revoked_at: dt.datetime | None


class SellerKeyCreated(SellerKeyOut):
    key: str  # shown this once; only its SHA-256 is kept


class MessagingSettingsIn(StrictModel):
    mail_domain: Domain
    allowed_domains: list[Domain] = Field(default_factory=list, max_length=50)


class MessagingSettingsOut(BaseModel):
    mail_domain: str
    relay_domain: str
    allowed_domains: list[str]  # links to these (and to mail_domain) are not flagged
    configured: bool


class SellerMessageIn(StrictModel):
    body: str = Field(min_length=1, max_length=MAX_BODY)
    client_id: str | None = ClientId


class BuyerMessageIn(StrictModel):
    body: str = Field(min_length=1, max_length=MAX_BODY)
    client_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.:-]+$")


class ReviewIn(StrictModel):
    note: str | None = Field(default=None, max_length=1000)


class FindingOut(BaseModel):
    kind: FindingKind
    text: str


# -- what a seller sees ----------------------------------------------------------------------------------


class BuyerOut(BaseModel):
    alias: str  # "Buyer 7F3K"
    relay_address: str  # buyer-7f3k2q@relay.shop.example.com


class OrderRef(BaseModel):
    external_id: str
    number: str


class ThreadOut(BaseModel):
    id: int  # the conversation's id
    order: OrderRef
    buyer: BuyerOut
    status: str
    opened_by: str  # customer | seller
    awaiting_reply: bool  # a buyer message waits for the seller's answer
    last_message_at: dt.datetime
    created_at: dt.datetime


class SellerAuthor(BaseModel):
    kind: Literal["buyer", "seller", "platform"]
    name: str


class ReviewOut(BaseModel):
    status: FlagStatus
    findings: list[FindingOut]


class SellerViewMessage(BaseModel):
    id: int
    seq: int
    author: SellerAuthor
    body: str
    client_id: str | None  # the seller's own messages
    created_at: dt.datetime
    review: ReviewOut | None = None  # the seller's own flagged messages: held, rejected


class SellerMessagesPage(BaseModel):
    items: list[SellerViewMessage]
    next_after_seq: int  # ask again with after_seq = this for what follows
    last_seq: int


class SellerPostOut(BaseModel):
    thread: ThreadOut
    message: SellerViewMessage
    held: bool  # flagged: the buyer sees it only once the platform releases it


class SellerMe(BaseModel):
    id: int
    name: str


# -- what agents see -------------------------------------------------------------------------------------


class FlagOut(BaseModel):
    id: int
    message_id: int
    conversation_id: int
    seller_id: int
    author_kind: str
    findings: list[FindingOut]
    status: FlagStatus
    decided_by: str | None
    decided_at: dt.datetime | None
    note: str | None
    released_message_id: int | None
    created_at: dt.datetime
    body: str | None = None  # the flagged message's text, in the review queue


class ThreadInfoOut(BaseModel):
    """What agents see of a conversation that is a buyer-seller thread."""

    conversation_id: int
    seller_id: int
    seller_name: str
    order_id: int
    order_external_id: str
    customer_id: int
    buyer: BuyerOut
    opened_by: str
    awaiting_since: dt.datetime | None
    flags: list[FlagOut]
